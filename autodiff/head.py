"""The head schema: what the migrations produce, found by replaying them.

Scripts are replayed into a scratch database of the target's dialect (a temporary
SQLite file; a temporary database on the same PostgreSQL/MySQL server, or on the dev
database's server), then introspected. Never a developer's own database: hand-written
scripts and all, the replay is the truth. Replays are cached by the bytes of the
scripts they ran.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import pickle
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff import __version__, collector, model
from autodiff.cachefiles import cache_dir, write_atomically
from autodiff.database import Database, parse_database
from autodiff.dialects import dialect_for
from autodiff.errors import ConnectionFailed, ScriptFailed
from autodiff.model import Schema
from autodiff.runner import Session, session
from autodiff.scripts import Script

SCRATCH_PREFIX = "autodiff_scratch_"


@contextmanager
def scratch_database(like: Database, create: bool = True) -> Iterator[Database]:
    """A new empty database of ``like``'s dialect, dropped on the way out: on the server
    of ``like``'s dev database if it has one (``scratch_server``), else on its own.

    Dropped even on Ctrl-C or SIGTERM: SIGTERM is turned into KeyboardInterrupt while
    the scratch database exists, so the clean-up below runs. ``create=False``: only
    named here, created by the caller (:func:`create_scratch`), dropped here all the same.
    """
    dialect = dialect_for(like)
    with tempfile.TemporaryDirectory(prefix="autodiff-") as tmp:
        name = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:16]}"
        if like.dialect == "sqlite":
            scratch = parse_database(str(Path(tmp) / f"{name}.db"))
        else:
            scratch = (like.scratch_server or like).with_database(name)
        with _sigterm_as_interrupt():
            try:
                # Inside the try: an interrupt during CREATE must still drop (IF EXISTS).
                if create:
                    create_scratch(scratch, like)
                yield scratch
            except BaseException:
                # The first error is the one to tell: a user who may not create databases
                # may not drop one either, and would hear only of the drop.
                with contextlib.suppress(Exception):
                    dialect.drop_database(scratch)
                raise
            dialect.drop_database(scratch)


def create_scratch(scratch: Database, like: Database) -> None:
    """Create the scratch database :func:`scratch_database` named."""
    # The dialect copies like's defaults only if like exists: no round trip to ask.
    template = like if like.dialect != "sqlite" else None
    try:
        dialect_for(scratch).create_database(scratch, like=template)
    except ConnectionFailed as exc:
        raise ConnectionFailed(exc.message, hint=exc.hint or _scratch_hint(exc)) from None


def _scratch_hint(exc: ConnectionFailed) -> str:
    if exc.message.startswith("cannot connect"):
        return ("check that the server runs and lets that user in: replays create a scratch "
                "database on it (or on the server --dev-db URL names)")
    return ("replays need a server where you may create databases: name one with --dev-db "
            "URL (AUTODIFF_DEV_DB, or dev_db in [tool.autodiff])")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def replay(scratch: Database, scripts: list[Script],
           on_session: Callable[[Session], None] | None = None) -> None:
    """Apply ``scripts`` to the empty ``scratch`` database with the ordinary runner;
    ``on_session`` is given the runner's session first (to cancel it from elsewhere)."""
    with session(scratch) as s:
        if on_session is not None:
            on_session(s)
        s.ensure_managed()
        s.run(scripts)


@contextmanager
def scratch_failures(what: str, hint: str) -> Iterator[None]:
    """A script failing in a scratch database, said as such (``what: `` before the
    runner's message, ``hint`` instead of its hint, which speaks of the database the
    script ran on as if it were the user's)."""
    try:
        yield
    except ScriptFailed as exc:
        raise ScriptFailed(f"{what}: {exc.message}", hint=hint, details=exc.details) from None


def replay_failures() -> contextlib.AbstractContextManager[None]:
    """:func:`scratch_failures` for a replay of the migrations."""
    return scratch_failures("replaying the migrations into a scratch database failed",
                            hint="your database was not touched; the script must run on a "
                                 "database built by the scripts before it")


def replay_server(db: Database) -> str:
    """Where ``db``'s replays and proofs run, as ``host:port`` (empty for SQLite): part of
    their cache keys, since another server (MariaDB or MySQL, another release) may read
    the same scripts back otherwise."""
    url = (db.scratch_server or db).url
    return f"{url.host}:{url.port}" if url is not None else ""


def cache_key(like: Database, scripts: list[Script]) -> str:
    """A key naming the replay of exactly these scripts where ``like``'s replays run."""
    h = hashlib.sha256(
        f"{__version__}\0{LAYOUT}\0{like.dialect}\0{replay_server(like)}\n".encode())
    for script in scripts:
        h.update(f"{script.name}\0{script.checksum}\n".encode())
    return h.hexdigest()[:32]


def cache_file(like: Database, scripts: list[Script]) -> Path:
    """The cache entry holding the replay of ``scripts`` where ``like``'s replays run."""
    return cache_dir() / f"head-{cache_key(like, scripts)}.bin"


#: Heads read or replayed by this process, by cache file: generate and its drift check
#: both ask for the head, and reading it again would cost as much as the first time.
_SEEN: dict[Path, Schema] = {}
_SEEN_MAX = 8


def head_schema(like: Database, scripts: list[Script], use_cache: bool = True) -> Schema:
    """The schema ``scripts`` produce on ``like``'s dialect (cached by their bytes)."""
    with prepared_head(like, scripts, use_cache) as head:
        return head.schema()


def replaying_message(like: Database, scripts: list[Script], use_cache: bool) -> str:
    """What generate and check say before they ask for the head."""
    server = like.scratch_server
    where = f" on {server.server_display}" if server else ""
    return (f"Head: replaying {len(scripts)} script(s) into a scratch {like.dialect} "
            f"database{where}" + (" (cached when unchanged)" if use_cache else ""))


@dataclass
class PreparedHead:
    """The head schema, being found. ``scratch`` is the database it is replayed into,
    open until the ``prepared_head`` block ends (None when the head came from the
    cache): generate proves its script there instead of building another one."""

    scratch: Database | None
    _get: Callable[[], Schema]

    def schema(self) -> Schema:
        """The head schema; waits for the replay if it is still running."""
        return self._get()


@contextmanager
def prepared_head(like: Database, scripts: list[Script],
                  use_cache: bool = True) -> Iterator[PreparedHead]:
    """:func:`head_schema`, started now and read later: on PostgreSQL the replay runs on
    a thread of its own while the caller goes on (importing the models, say), since it
    is the server's work. The scratch database stays until the block ends, and is
    dropped then, also on Ctrl-C and SIGTERM (the replay is cancelled first)."""
    path = cache_file(like, scripts)
    cached = _SEEN.get(path) if use_cache else None
    if cached is None and use_cache:
        cached = _read_cache(path)
    if cached is not None:
        _remember(path, cached)
        yield PreparedHead(None, lambda: cached)
        return
    background = like.dialect == "postgresql"
    # In the background the thread creates the database too: all of it is server work.
    with scratch_database(like, create=not background) as scratch:
        job = _Replay(scratch, scripts, like if background else None)
        got: list[Schema] = []

        def schema() -> Schema:
            if not got:
                got.append(job.result())
                if use_cache:
                    write_atomically(path, encode_schema(got[0]))
                    _remember(path, got[0])
            return got[0]

        try:
            yield PreparedHead(scratch, schema)
        finally:
            job.cancel()


class _Replay:
    """A replay into a scratch database and its introspection, on a thread of its own
    when given ``like`` (the result is then read with :meth:`result`), else when read."""

    def __init__(self, scratch: Database, scripts: list[Script], like: Database | None) -> None:
        """``like``: the thread creates the scratch database first, like
        :func:`create_scratch`; None: it exists already, and the replay runs when read."""
        self.scratch, self.scripts, self.like = scratch, scripts, like
        self._session: Session | None = None
        self._cancelled = threading.Event()
        self._outcome: Schema | BaseException | None = None
        self._thread: threading.Thread | None = None
        if like is not None:
            # A daemon: an interpreter leaving on a second Ctrl-C does not wait for it;
            # the scratch database is dropped WITH (FORCE) all the same.
            self._thread = threading.Thread(target=self._run, name="autodiff-replay",
                                            daemon=True)
            self._thread.start()

    def _work(self) -> Schema:
        from autodiff.introspect import introspect

        if self.like is not None:
            create_scratch(self.scratch, self.like)
        with replay_failures():
            replay(self.scratch, self.scripts, self._attach)
        return introspect(self.scratch)

    def _run(self) -> None:
        try:
            self._outcome = self._work()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that reads it
            self._outcome = exc

    def _attach(self, s: Session) -> None:
        self._session = s
        if self._cancelled.is_set():
            s.cancel()

    def result(self) -> Schema:
        if self._thread is None:
            return self._work()
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome

    def cancel(self) -> None:
        """Stop the replay if it still runs, and wait for it (briefly) to let go."""
        if self._thread is None or not self._thread.is_alive():
            return
        self._cancelled.set()
        running = self._session
        if running is not None:
            running.cancel()
        self._thread.join(timeout=30)


def _remember(path: Path, schema: Schema) -> None:
    if len(_SEEN) >= _SEEN_MAX:
        _SEEN.clear()
    _SEEN[path] = schema


def _read_cache(path: Path) -> Schema | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return decode_schema(data)
    except Exception:  # noqa: BLE001 - a corrupt cache entry is just replayed again
        path.unlink(missing_ok=True)
        return None


# -- the cache's format ------------------------------------------------------------------
# Not the JSON snapshot: reading 1,000 tables back from JSON (generic, annotation-driven)
# took 0.1-0.6 s of a warm generate. A pickle, each model object reduced to its class and
# its field values and rebuilt through its constructor by the unpickler's C loop: 25 ms
# for 1,000 tables on a slow machine, where walking marshalled tuples in Python took 60.
# The unpickler may name only the model's classes, so reading an entry runs no other code.
# The key names the field layout, so an entry written by another layout is never read.
_CLASSES: tuple[type, ...] = (
    model.Schema, model.Table, model.Column, model.Computed, model.PrimaryKey, model.Unique,
    model.Index, model.ForeignKey, model.Check, model.View, model.Trigger, model.Enum,
    model.Sequence)
_FIELDS = tuple(tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES)
_NUMBER = {cls: n for n, cls in enumerate(_CLASSES)}
LAYOUT = hashlib.sha256(repr([(c.__name__, f) for c, f in zip(_CLASSES, _FIELDS, strict=True)])
                         .encode()).hexdigest()[:12]
_MAGIC = "autodiff-head-3"  # 3: a pickle of model objects (2: marshalled tuples)
_BY_NAME = {(cls.__module__, cls.__qualname__): cls for cls in _CLASSES}


def encode_schema(schema: Schema) -> bytes:
    """``schema`` in the cache's format. Equal objects below a table (the same column in
    many tables) are written once and read back as one object."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.dispatch_table = dict.fromkeys(_CLASSES, _Sharing().reduce)
    pickler.dump((_MAGIC, schema))
    return out.getvalue()


def decode_schema(data: bytes) -> Schema:
    """Read what :func:`encode_schema` wrote; raises (ValueError, UnpicklingError, ...) on
    anything else."""
    with collector.paused():  # 10-30k new objects, none of them garbage
        magic, schema = _ModelUnpickler(io.BytesIO(data)).load()
    if magic != _MAGIC or not isinstance(schema, Schema):
        raise ValueError("not a cached head schema")
    return schema


class _Sharing:
    """Reduces a model object to its constructor's arguments, equal ones made one object
    (the pickle then writes each once, by identity)."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}

    def reduce(self, obj: Any) -> tuple[Any, ...]:
        return (type(obj), tuple([self._shared(getattr(obj, name))
                                  for name in _FIELDS[_NUMBER[type(obj)]]]))

    def _shared(self, value: Any) -> Any:
        if type(value) is tuple:
            return tuple([self._shared(v) for v in value])
        if type(value) in _NUMBER and type(value) not in _UNSHARED:
            return self.seen.setdefault(value, value)
        return value


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _BY_NAME.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"not a model class: {module}.{name}")
        return found


def plain(value: Any) -> Any:
    """A model object as nested tuples and lists of plain values, whose ``repr`` is the
    same in every process (a proof's cache key is made of it).

    Equal objects below a table (the same column in many tables) become one shared tuple.
    """
    return _Encoder().plain(value)


class _Encoder:
    def __init__(self) -> None:
        self.seen: dict[Any, tuple[Any, ...]] = {}

    def plain(self, value: Any) -> Any:
        number = _NUMBER.get(type(value))
        if number is None:
            # A collection is a list, so that it is never taken for an object's tuple.
            return [self.plain(v) for v in value] if isinstance(value, tuple) else value
        if type(value) in _UNSHARED:
            return self._tuple(number, value)
        found = self.seen.get(value)
        if found is None:
            found = self.seen[value] = self._tuple(number, value)
        return found

    def _tuple(self, number: int, value: Any) -> tuple[Any, ...]:
        return (number, tuple([self.plain(getattr(value, name)) for name in _FIELDS[number]]))


#: Schemas and tables are never equal to one another: not worth hashing whole.
_UNSHARED = frozenset({model.Schema, model.Table})
