"""autodiff: numbered, append-only database migrations, written for you."""

from __future__ import annotations

__version__ = "0.1.0"
