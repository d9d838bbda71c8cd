"""Which database a user means: a SQLite path or a URL, parsed once, masked when shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from autodiff.errors import ConfigError

#: The table where the runner records applied scripts; never part of a snapshot.
VERSION_TABLE = "autodiff_version"

_SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}
_DRIVERS = {"postgresql": {"psycopg", "psycopg2", ""}, "mysql": {"pymysql", ""}, "sqlite": {""}}


@dataclass(frozen=True)
class URL:
    """A SQLAlchemy-style database URL (parsed with the stdlib: the runner starts fast)."""

    drivername: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: dict[str, str] = field(default_factory=dict)

    def render_as_string(self, hide_password: bool = True) -> str:
        """The URL as text; the password shown as *** unless ``hide_password`` is False."""
        auth = ""
        if self.username is not None:
            auth = quote(self.username, safe="")
            if self.password is not None:
                auth += ":" + ("***" if hide_password else quote(self.password, safe=""))
            auth += "@"
        host = f"[{self.host}]" if self.host and ":" in self.host else (self.host or "")
        port = f":{self.port}" if self.port is not None else ""
        path = f"/{quote(self.database, safe='')}" if self.database else ""
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{self.drivername}://{auth}{host}{port}{path}{query}"

    def set(self, database: str) -> URL:
        """This URL naming another database."""
        return replace(self, database=database)


def make_url(spec: str) -> URL:
    """Parse ``scheme[+driver]://[user[:password]@]host[:port]/database[?key=value...]``."""
    parts = urlsplit(spec)
    port = parts.port  # ValueError when it is not a number
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    return URL(drivername=parts.scheme,
               username=unquote(parts.username) if parts.username is not None else None,
               password=unquote(parts.password) if parts.password is not None else None,
               host=parts.hostname, port=port, database=unquote(path) or None,
               query=dict(parse_qsl(parts.query)))


@dataclass(frozen=True)
class Database:
    """A parsed database target. ``spec`` is what scripts receive (password included)."""

    dialect: str
    spec: str
    path: Path | None = None
    url: URL | None = None
    #: The server scratch databases are created on, when not this database's own: the
    #: dev database's (:func:`with_dev_db`).
    scratch_server: Database | None = None

    @property
    def display(self) -> str:
        """How to name this database in messages: the path, or the URL with *** for the password."""
        if self.url is not None:
            return self.url.render_as_string(hide_password=True)
        return str(self.path)

    @property
    def server_display(self) -> str:
        """The server, as messages name it: the URL without database name or password."""
        return self.url.set(database="").render_as_string() if self.url else self.display

    @property
    def name(self) -> str:
        """The database name on a server; the file name on SQLite."""
        if self.url is not None:
            return self.url.database or ""
        assert self.path is not None
        return self.path.name

    def with_database(self, name: str) -> Database:
        """The same server with another database name (for scratch databases)."""
        if self.url is None:
            raise ValueError("with_database is for server databases")
        url = self.url.set(database=name)
        return Database(self.dialect, url.render_as_string(hide_password=False), url=url)

    def same_server(self, other: Database) -> bool:
        """Whether ``other`` is reached at the same server, as the same user."""
        a, b = self.url, other.url
        return a is not None and b is not None and (a.host, a.port, a.username) == (
            b.host, b.port, b.username)


def parse_database(spec: str, base_dir: Path | None = None) -> Database:
    """Parse ``spec``: a SQLAlchemy-style URL, ``sqlite:///path``, or a plain SQLite path."""
    spec = spec.strip()
    if not spec:
        raise ConfigError("no database given", hint="pass --db PATH_OR_URL or set AUTODIFF_DB")
    if "://" not in spec:
        return _sqlite(Path(spec), base_dir)
    try:
        url = make_url(spec)
    except ValueError:
        raise ConfigError(f"malformed database URL: {_mask_raw(spec)}",
                          hint="expected e.g. postgresql://user@host:5432/dbname") from None
    backend, _, driver = url.drivername.partition("+")
    dialect = _SCHEMES.get(backend)
    if dialect is None or driver not in _DRIVERS[dialect]:
        raise ConfigError(
            f"unsupported database URL scheme {url.drivername!r} in {_mask_raw(spec)}",
            hint="use a SQLite path, sqlite:///path, postgresql://... or mysql://...")
    if dialect == "sqlite":
        if not url.database:
            raise ConfigError("a SQLite URL needs a file path: sqlite:///path/to/file.db")
        return _sqlite(Path(url.database), base_dir)
    if not url.database:
        raise ConfigError(f"no database name in {url.render_as_string(hide_password=True)}",
                          hint="add it after the host: .../dbname")
    return Database(dialect, spec, url=url)


_DEV_DB_EXAMPLE = {"postgresql": "postgresql://postgres@localhost:5432/postgres",
                   "mysql": "mysql://root@localhost:3306/"}


def with_dev_db(db: Database, spec: str | None) -> Database:
    """``db`` with its scratch databases (replays, proofs) created on the server of the
    dev database ``spec`` (as Atlas's dev database) instead of on its own. The dev
    database's own name is not used: any database on a server of ``db``'s kind where the
    user may create databases. ``spec`` None or empty: on ``db``'s own server."""
    if not spec or not spec.strip():
        return replace(db, scratch_server=None)
    if db.dialect == "sqlite":
        raise ConfigError("a dev database is for PostgreSQL and MySQL: SQLite replays into "
                          "temporary files",
                          hint="unset it (--dev-db, AUTODIFF_DEV_DB, dev_db in [tool.autodiff])")
    server = parse_server(spec)
    if server.url is None:
        raise ConfigError(f"dev database {spec.strip()} is not a server URL",
                          hint=f"e.g. {_DEV_DB_EXAMPLE[db.dialect]}")
    if server.dialect != db.dialect:
        raise ConfigError(f"dev database {server.display} is {server.dialect}, the database "
                          f"{db.dialect}: replays must run on its kind of server")
    return replace(db, scratch_server=server)


def parse_server(spec: str, base_dir: Path | None = None) -> Database:
    """``spec`` parsed as :func:`parse_database` does, for a database that only names its
    server (scratch databases are made beside it): a URL may leave the name out."""
    spec = spec.strip()
    try:
        url = make_url(spec) if "://" in spec else None
    except ValueError:
        url = None  # parse_database says what is wrong with it
    if url is None or url.database:
        return parse_database(spec, base_dir)
    # The scheme and driver are checked as any database's are.
    kind = parse_database(url.set(database="unnamed").render_as_string(False)).dialect
    return Database(kind, spec, url=url)


def _sqlite(path: Path, base_dir: Path | None) -> Database:
    if str(path) == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be migrated; give a file path")
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    return Database("sqlite", str(path), path=path)


def mask(text: str, database: Database | None) -> str:
    """``text`` with the database's password, if any, replaced by ***."""
    if database is not None and database.url is not None and database.url.password:
        return text.replace(str(database.url.password), "***")
    return text


def _mask_raw(spec: str) -> str:
    # A URL make_url could not parse: hide whatever sits between ':' and '@'.
    head, sep, tail = spec.rpartition("@")
    if not sep:
        return spec
    scheme, _, creds = head.partition("://")
    user, colon, _ = creds.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{tail}"
