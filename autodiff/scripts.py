"""The migrations folder: discovery, numbering, checksums, names of new scripts, the sum file."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from autodiff.errors import ScriptsError

KINDS = ("sql", "py", "sh")
SUM_FILE = "autodiff.sum"
_SCRIPT = re.compile(r"^(?P<number>\d+)-(?P<words>.+)\.(?P<ext>[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Script:
    """One migration script; ``data`` is its bytes as read at discovery."""

    version: int
    path: Path
    kind: str
    data: bytes = field(repr=False)

    @property
    def name(self) -> str:
        """The file name, e.g. ``0002-add-age.sql``."""
        return self.path.name

    @cached_property
    def checksum(self) -> str:
        """sha256 of the bytes with CRLF folded to LF, so a CRLF checkout is not an edit."""
        return checksum(self.data)

    def text(self) -> str:
        """The script as text; ScriptsError if it is not UTF-8."""
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScriptsError(f"{self.name} is not valid UTF-8 ({exc.reason} at byte {exc.start})",
                               hint="save the script as UTF-8") from None


def checksum(data: bytes) -> str:
    """The recorded checksum of a script's bytes (line endings normalized)."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def discover(folder: Path) -> list[Script]:
    """The scripts in ``folder`` in version order; ScriptsError on anything inconsistent.

    Files not starting with a digit (README.md, .gitkeep, helpers) are ignored; a file that
    starts with a digit must be a well-formed script name, so typos are not skipped silently.
    """
    if not folder.is_dir():
        raise ScriptsError(f"migrations folder not found: {folder}",
                           hint="run `autodiff init`, or pass --migrations DIR")
    by_version: dict[int, Script] = {}
    for path in sorted(folder.iterdir()):
        if not path.name[:1].isdigit():
            continue
        script = _read_script(path)
        other = by_version.get(script.version)
        if other is not None:
            raise ScriptsError(f"two scripts have number {script.version}: "
                               f"{other.name} and {script.name}",
                               hint="renumber one of them (the later one, usually)")
        by_version[script.version] = script
    return [by_version[v] for v in sorted(by_version)]


def _read_script(path: Path) -> Script:
    match = _SCRIPT.match(path.name)
    if match is None or len(match["number"]) < 4:
        raise ScriptsError(f"malformed script name: {path.name}",
                           hint="scripts are named NNNN-words.sql|py|sh with 4 or more digits")
    ext = match["ext"]
    if ext not in KINDS:
        raise ScriptsError(f"unknown script type .{ext}: {path.name}",
                           hint="scripts end in .sql, .py or .sh")
    version = int(match["number"])
    if version <= 0:
        raise ScriptsError(f"script number must be positive: {path.name}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptsError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return Script(version, path, ext, data)


def slugify(message: str) -> str:
    """A file-name slug of a message: ``"Add age!"`` -> ``add-age``."""
    ascii_text = unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "migration"


def next_script_path(folder: Path, scripts: list[Script], message: str, ext: str) -> Path:
    """Where the next script goes: one past the highest number, at least four digits."""
    number = (scripts[-1].version if scripts else 0) + 1
    return folder / f"{number:04d}-{slugify(message)}.{ext}"


def sum_line(scripts: list[Script]) -> str:
    """The one-line content of ``autodiff.sum``: the head script and a hash chain over all.

    Two branches that each add a script both change this line, so git turns a numbering
    race into a merge conflict instead of a surprise after the merge.
    """
    chain = hashlib.sha256()
    for script in scripts:
        chain.update(f"{script.name}\0{script.checksum}\n".encode())
    head = scripts[-1].name if scripts else "-"
    return f"{head} h1:{chain.hexdigest()}\n"


def write_sum(folder: Path, scripts: list[Script]) -> Path:
    """Write ``autodiff.sum`` for ``scripts``; returns its path."""
    path = folder / SUM_FILE
    path.write_text(sum_line(scripts), encoding="utf-8")
    return path


def scan(folder: Path) -> list[Script]:
    """Every script file in ``folder`` by (number, name), duplicate numbers allowed.

    For tools that repair numbering (``autodiff rebase``): ``discover`` refuses duplicates.
    """
    found = [_read_script(path) for path in folder.iterdir() if path.name[:1].isdigit()]
    return sorted(found, key=lambda s: (s.version, s.name))
