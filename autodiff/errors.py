"""The few exceptions autodiff raises; each carries the exit code the CLI uses."""

from __future__ import annotations


class AutodiffError(Exception):
    """A user-facing error: one clear line, an optional hint, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None,
                 details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # extra lines worth showing, e.g. a script's stderr

    def __str__(self) -> str:
        return self.message


class ConfigError(AutodiffError):
    """Bad configuration, flags or arguments."""


class ConnectionFailed(AutodiffError):
    """The database cannot be reached, opened or written."""


class ScriptsError(AutodiffError):
    """The migrations folder is inconsistent (duplicates, bad names, unreadable files)."""


class IntegrityError(AutodiffError):
    """The database and the migrations folder disagree (edited script, newer db, gap)."""

    exit_code = 1


class ScriptFailed(AutodiffError):
    """A migration script failed; the database stays at the version before it."""

    exit_code = 1


class UnsupportedChange(AutodiffError):
    """A dialect cannot express an operation."""
