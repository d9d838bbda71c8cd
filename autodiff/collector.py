"""Pausing Python's cyclic garbage collector while many long-lived objects are built.

Building tens of thousands of objects (importing 1,000 models, rebuilding a cached
schema) triggers collection after collection while nothing is garbage yet: each one
scans every young object again. Reference counting still frees what it can meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic collector off for the block (as it was again after it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
