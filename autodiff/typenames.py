"""Column types in one canonical spelling per dialect (``normalize_type``).

Catalogs and SQLAlchemy spell the same type many ways (``INT4``, ``int``, ``INTEGER``;
``character varying(50)``, ``VARCHAR(50)``); each dialect's rule here gives the one
spelling the schema model holds, itself valid DDL of the dialect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from autodiff.sqltext import collapse_whitespace, outside_quotes

_TYPE_SUFFIX = re.compile(
    r"\s+(with(?:out)? time zone|unsigned zerofill|unsigned|signed|zerofill)$")
_ARGS = re.compile(r"^(?P<name>[^(]*?)\s*\((?P<args>.*)\)$")

_PG_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint",
    "float8": "double precision", "float4": "real", "bool": "boolean",
    "character varying": "varchar", "character": "char", "decimal": "numeric",
    "nchar": "char", "national character": "char", "national char": "char",
    "national character varying": "varchar", "national char varying": "varchar",
    "nchar varying": "varchar",
    # serial types are integers plus an owned sequence (the autoincrement flag).
    "serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint", "bit varying": "varbit",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "time with time zone": "timetz",
}
_MYSQL_ALIASES = {
    "integer": "int", "int1": "tinyint", "int2": "smallint", "int3": "mediumint",
    "int4": "int", "int8": "bigint", "middleint": "mediumint", "dec": "decimal",
    "numeric": "decimal", "fixed": "decimal", "double precision": "double",
    "real": "double",  # unless sql_mode REAL_AS_FLOAT, which we do not support
    "character varying": "varchar", "character": "char", "bool": "tinyint",
    # NATIONAL is a character set (utf8mb3), reported as the column's collation.
    # https://dev.mysql.com/doc/refman/8.0/en/charset-national.html
    "national char": "char", "nchar": "char", "national varchar": "varchar",
    "nvarchar": "varchar", "national character": "char",
    "national character varying": "varchar", "national char varying": "varchar",
    "nchar varchar": "varchar",
    "boolean": "tinyint",
}
# SQLite only cares about affinity, except that a sole primary key column declared
# exactly INTEGER is the rowid alias (https://www.sqlite.org/lang_createtable.html#rowid);
# the autoincrement flag keeps that distinction, so int and integer can be one type.
_SQLITE_ALIASES = {"int": "integer", "bool": "boolean"}
_MYSQL_INTS = {"tinyint", "smallint", "mediumint", "int", "bigint"}


def _split_type(text: str) -> tuple[str, str | None, str]:
    """``'numeric(10,2) unsigned'`` -> ``('numeric', '10,2', 'unsigned')``."""
    suffix = ""
    while (m := _TYPE_SUFFIX.search(text)) is not None:
        suffix = f"{m.group(1)} {suffix}".strip()
        text = text[: m.start()]
    m = _ARGS.match(text)
    if m is None:
        return text.strip(), None, suffix
    return m.group("name"), m.group("args"), suffix


def _join_type(name: str, args: str | None, suffix: str = "") -> str:
    text = f"{name}({args})" if args else name
    return f"{text} {suffix}" if suffix else text


def _pg_type(name: str, args: str | None, suffix: str) -> str:
    if suffix in ("with time zone", "without time zone"):
        name, suffix = f"{name} {suffix}", ""
    if name == "float":  # float(p): real up to 24 bits of precision, else double
        name = "real" if args and int(args) <= 24 else "double precision"
        args = None
    name = _PG_ALIASES.get(name, name)
    if name == "bpchar" and args:
        name = "char"
    if name in ("char", "bit") and not args:
        args = "1"
    if name == "numeric" and args and "," not in args:
        args += ",0"
    return _join_type(name, args, suffix)


def _mysql_type(name: str, args: str | None, suffix: str) -> str:
    if name in ("bool", "boolean"):
        args = "1"
    name = _MYSQL_ALIASES.get(name, name)
    suffix = " ".join(w for w in suffix.split() if w != "signed")
    if name in _MYSQL_INTS and not (name == "tinyint" and args == "1"):
        args = None  # display widths mean nothing since MySQL 8.0.17
    elif name == "float" and args and "," not in args:
        name, args = ("float" if int(args) <= 24 else "double"), None
    elif name == "decimal":
        args = "10,0" if not args else args if "," in args else f"{args},0"
    elif name in ("text", "blob") and args:
        name, args = _sized(name, int(args)), None
    elif name in ("char", "binary", "bit") and not args:
        args = "1"
    elif name in ("datetime", "timestamp", "time") and args == "0" or name == "year":
        args = None  # fractional seconds precision 0 is the default; YEAR(4) is YEAR
    elif name == "serial":
        name, suffix = "bigint", "unsigned"
    return _join_type(name, args, suffix)


def _sized(name: str, length: int) -> str:
    """TEXT(M) / BLOB(M) as the type MySQL creates: the smallest that holds M characters
    (counted as 4 bytes each, utf8mb4) or M bytes.
    https://dev.mysql.com/doc/refman/8.0/en/string-type-syntax.html"""
    size = length * 4 if name == "text" else length
    prefix = next(p for limit, p in ((255, "tiny"), (65535, ""), (16777215, "medium"),
                                     (None, "long")) if limit is None or size <= limit)
    return prefix + name


def _sqlite_type(name: str, args: str | None, suffix: str) -> str:
    return _join_type(_SQLITE_ALIASES.get(name, name), args, suffix)


#: (base name, args or None, suffix words) -> the canonical type, per dialect.
TYPE_RULES: dict[str, Callable[[str, str | None, str], str]] = {
    "postgresql": _pg_type, "mysql": _mysql_type, "sqlite": _sqlite_type}
#: Dialects with backslash escapes inside string literals (MySQL, by default).
_BACKSLASH = {"mysql"}
_NUMERIC_BASES = {
    "integer", "bigint", "smallint", "numeric", "real", "double precision",  # PostgreSQL
    "int", "tinyint", "mediumint", "decimal", "double", "float",  # MySQL, SQLite
}
PG_INTEGERS = {"smallint", "integer", "bigint"}
PG_STRING_BASES = {"text", "varchar", "char", "bpchar", "name"}


# The normalizers are pure and called for every column of every table; big schemas
# repeat the same types and defaults, so the results are cached.
@lru_cache(maxsize=16384)
def normalize_type(dialect: str, raw: str) -> str:
    """The canonical spelling of a column type, e.g. ``INT4`` -> ``integer`` on PostgreSQL."""
    backslash = dialect in _BACKSLASH
    text = collapse_whitespace(raw, backslash)
    if dialect == "postgresql":
        text, array = _pg_array(text)
    else:
        array = ""
    if text.startswith('"'):  # a quoted user-defined type (enum, domain): kept as is
        return text + array
    text = outside_quotes(text, _tight_parens, backslash)
    name, args, suffix = _split_type(text)
    try:
        return TYPE_RULES[dialect](name, args, suffix) + array
    except ValueError:  # a malformed argument such as float(x): leave it to the database
        return text + array


def _tight_parens(text: str) -> str:
    text = re.sub(r"\s*\(\s*", "(", text.lower())
    return re.sub(r"\s*,\s*", ",", re.sub(r"\s*\)", ")", text))


def _pg_array(text: str) -> tuple[str, str]:
    # PostgreSQL ignores declared array bounds and dimensions: int[3][] is int[].
    m = re.search(r"(\s*\[\d*\])+$|\s+array(\s*\[\d*\])?$", text, re.IGNORECASE)
    return (text[: m.start()], "[]") if m else (text, "")


@lru_cache(maxsize=4096)
def type_base(type_: str) -> str:
    """A normalized type without its arguments: ``varchar(50)`` -> ``varchar``."""
    return re.sub(r"\([^)]*\)", "", type_).strip()


def is_numeric_type(type_: str | None) -> bool:
    """Whether a normalized type holds numbers (so a numeric string default is a number)."""
    return type_ is not None and type_base(type_).split(" unsigned")[0] in _NUMERIC_BASES


# -- type widths: does old -> new lose values? -------------------------------------------
_STRING_BASES = {"varchar", "char", "text", "tinytext", "mediumtext", "longtext", "bpchar",
                 "character varying", "character", "nvarchar", "nchar", "clob", "string"}
_MYSQL_TEXT = {"tinytext": 255, "text": 65535, "mediumtext": 16777215}
# Decimal digits an integer type holds, so int -> numeric(p, s) can be judged.
_INT_DIGITS = {"tinyint": 3, "smallint": 5, "mediumint": 8, "int": 10, "integer": 10,
               "bigint": 19}
_FLOATS = {"real": 1, "float": 1, "double": 2, "double precision": 2}
_INF = float("inf")


def _quoted_values(type_: str) -> list[str]:
    """The values of ``enum('a','it''s')`` or ``set(...)``, quotes undone."""
    return [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", type_)]


def _args(type_: str) -> list[int]:
    found = re.search(r"\(([\d\s,]+)\)", type_)
    return [int(a) for a in found.group(1).split(",")] if found else []


def _length(type_: str, dialect: str) -> float:
    """How many characters a string type holds (inf when unbounded)."""
    base, args = type_base(type_), _args(type_)
    if args:
        return args[0]
    if dialect == "mysql" and base in _MYSQL_TEXT:
        return _MYSQL_TEXT[base]
    return 1 if base in ("char", "bpchar") else _INF


def _decimal(type_: str) -> tuple[float, float]:
    """(integer digits, fraction digits) of a numeric type; unbounded without arguments."""
    args = _args(type_)
    if not args:
        return _INF, _INF
    scale = args[1] if len(args) > 1 else 0
    return args[0] - scale, scale


def narrows(old: str, new: str, dialect: str) -> bool:
    """Whether changing a column from type ``old`` to ``new`` can lose or reject values
    (``dialect`` "" when unknown: then any change can)."""
    if not dialect:
        return old != new
    old, new = normalize_type(dialect, old), normalize_type(dialect, new)
    if old == new:
        return False
    ob, nb = type_base(old), type_base(new)
    if ob == nb and ob in ("enum", "set"):  # MySQL's: a value dropped is lost or refused
        return not set(_quoted_values(old)) <= set(_quoted_values(new))
    if nb in _STRING_BASES:  # anything fits a string long enough to print it
        return _length(new, dialect) < (_length(old, dialect) if ob in _STRING_BASES else 40)
    if ob in _INT_DIGITS and nb in _INT_DIGITS:
        return _INT_DIGITS[nb] < _INT_DIGITS[ob]
    if ob in _INT_DIGITS and nb in ("numeric", "decimal"):
        return _decimal(new)[0] < _INT_DIGITS[ob]
    if ob in ("numeric", "decimal") and nb in ("numeric", "decimal"):
        (oi, of), (ni, nf) = _decimal(old), _decimal(new)
        return ni < oi or nf < of
    if ob in _FLOATS and nb in _FLOATS:
        return _FLOATS[nb] < _FLOATS[ob]
    if ob == nb:  # same base, other arguments: timestamp(6) -> timestamp(3)
        return _args(new) < _args(old)
    return True


def appends_members(old: str, new: str) -> bool:
    """Whether MySQL's ``ENUM``/``SET`` ``new`` only adds members after ``old``'s in the
    same storage size, which MySQL does in place, without copying the table.
    https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html#online-ddl-column-operations
    """
    base = type_base(old)
    if base not in ("enum", "set") or type_base(new) != base:
        return False
    before, after = _quoted_values(old), _quoted_values(new)
    if after[:len(before)] != before or len(after) <= len(before):
        return False
    if base == "enum":  # one byte up to 255 members, two after
        return (len(before) <= 255) == (len(after) <= 255)
    return (len(before) + 7) // 8 == (len(after) + 7) // 8  # SET: a bit per member


def widens_in_place(old: str, new: str) -> bool:
    """Whether PostgreSQL changes ``old`` to ``new`` without rewriting the table.

    The binary-coercible widenings of strings (varchar(n) to a longer varchar or to text)
    and numerics given more digits at the same scale, or no limit.
    https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
    """
    ob, nb = type_base(old), type_base(new)
    if ob in ("varchar", "text") and nb in ("varchar", "text"):
        return _length(new, "postgresql") >= _length(old, "postgresql")
    if ob == nb == "numeric" and not narrows(old, new, "postgresql"):
        return not _args(new) or _decimal(new)[1] == _decimal(old)[1]
    return False
