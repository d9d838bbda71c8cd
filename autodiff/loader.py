"""Finding the user's models: ``package.module:attr`` or ``path/file.py:attr`` -> MetaData.

Any error while importing the user's code (a SyntaxError, a NameError, a missing
module or attribute) becomes a ConfigError (exit code 2) naming the user's own file,
line and message, never a traceback through autodiff.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autodiff import collector
from autodiff.errors import ConfigError

if TYPE_CHECKING:  # imported when models are loaded: the command line imports this module
    from sqlalchemy import MetaData  # for every command, and most never load models

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_HINT = "point at a MetaData, a declarative Base, a Flask-SQLAlchemy db or SQLModel"

def load_models(spec: str, base_dir: Path) -> MetaData:
    """Import ``package.module:attr`` or ``path/file.py:attr`` and return its MetaData."""
    module_part, sep, attr = spec.rpartition(":")
    if not sep or not module_part or not attr:
        raise ConfigError(f"models must be module:attr or path/file.py:attr, got {spec!r}",
                          hint="e.g. --models myapp.models:Base")
    module = _import_without_collecting(module_part, base_dir)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"models {spec!r}: {module_part} has no attribute {part!r}",
                              hint=_HINT)
        obj = getattr(obj, part)
    return metadata_of(obj, spec)


def metadata_of(obj: Any, spec: str = "models") -> MetaData:
    """The MetaData behind a MetaData, declarative base, Flask-SQLAlchemy ``db`` or SQLModel."""
    from sqlalchemy import MetaData

    if isinstance(obj, MetaData):
        return obj
    metadata = getattr(obj, "metadata", None)  # Base, registry, db (default bind), SQLModel
    if isinstance(metadata, MetaData):
        return metadata
    raise ConfigError(f"models {spec!r} is a {type(obj).__name__}, not something with a "
                      "MetaData", hint=_HINT)


def _import_without_collecting(module_part: str, base_dir: Path) -> Any:
    """Import with the cyclic collector paused.

    Declaring 1,000 tables allocates enough objects to trigger a full collection again
    and again while nothing is garbage yet: a third of the import's time (3.5 s -> 2.5 s
    measured, docs/benchmarks.md). Reference counting still frees what it can.
    """
    # What the models print goes to stderr: stdout may be carrying a script (--sql).
    with collector.paused(), contextlib.redirect_stdout(sys.stderr):
        return _import(module_part, base_dir)


def _import(module_part: str, base_dir: Path) -> Any:
    is_path = module_part.endswith(".py") or "/" in module_part or "\\" in module_part
    path = (base_dir / module_part).resolve() if is_path else None
    if path is not None and not path.is_file():
        raise ConfigError(f"models file not found: {path}")
    name, root = _package_module(path) if path is not None else (module_part, None)
    # The project folder (searched first) and the folder above the file's package (or
    # the file's own), so imports in the models work as when the project runs.
    for folder in ([str(root)] if root else []) + [str(base_dir.resolve())]:
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        return importlib.import_module(name) if name else _exec_file(path)  # type: ignore[arg-type]
    except ModuleNotFoundError as exc:
        if path is None and exc.name and (module_part + ".").startswith(exc.name + "."):
            raise ConfigError(f"cannot import models module {module_part!r}",
                              hint=f"run from the project folder, or check [tool.autodiff] "
                                   f"models ({base_dir})") from None
        raise ConfigError(_user_error(exc), hint="install the missing module, or fix the "
                                                 "import in your models") from None
    except Exception as exc:  # noqa: BLE001 - any error in user code is reported, not raised
        raise ConfigError(_user_error(exc), hint="fix the models module; the error is "
                                                 "in your code, not in autodiff") from None
    except SystemExit as exc:  # sys.exit() in a models module: its code means nothing here
        raise ConfigError(_user_error(exc), hint="a models module must not exit when "
                                                 "imported") from None


def _package_module(path: Path) -> tuple[str | None, Path]:
    """A file inside a package as its dotted module name (so relative imports work) and
    the folder above its top package; a lone file as None and its own folder."""
    parts, folder = [] if path.stem == "__init__" else [path.stem], path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if folder == path.parent or not all(p.isidentifier() for p in parts):
        return None, path.parent
    return ".".join(parts), folder


_FILES: dict[Path, tuple[tuple[int, int], Any]] = {}


def _exec_file(path: Path) -> Any:
    """Run a models file as a module; again only if it changed since (SQLModel and
    Flask-SQLAlchemy register tables process-wide, and refuse them twice)."""
    stat = path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _FILES.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    name = f"autodiff_models_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _FILES[path] = (version, module)
    return module


def _user_error(exc: BaseException) -> str:
    """``error in models: file:line: Type: message`` at the user's deepest frame."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"error in models: {exc.filename}:{exc.lineno}: {type(exc).__name__}: {exc.msg}"
    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if "site-packages" not in f.filename
            and not f.filename.startswith(("<", _PACKAGE_DIR))]
    where = f"{user[-1].filename}:{user[-1].lineno}: " if user else ""
    text = f": {exc}" if str(exc) else ""  # sys.exit() has nothing to say
    return f"error in models: {where}{type(exc).__name__}{text}"
