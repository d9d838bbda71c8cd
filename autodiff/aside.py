"""Work done aside: in a forked child process, while this process goes on.

``generate`` spends most of its time importing the user's models, one core's worth of
Python. What it needs from the database meanwhile (the server's version, whether the
database drifted) does not depend on the models: a child forked before the import does
it on the other core, and hands back a small picklable result.

Only the command line forks (``FORK``, set by ``autodiff.cli.main``: its process is
short and its own), only where ``os.fork`` exists and no other thread runs (a child
forked beside a thread can inherit a lock that thread held). Anything else, and any
failure of the child, runs the work in this process instead when its result is asked
for, so errors are raised here as usual.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Set by the command line. A library caller (a web app, a test) is never forked.
FORK = False


class Aside(Generic[T]):
    """``work()``, started now in a child process where allowed, read with :meth:`result`.

    Without a child (not allowed, ``fork`` False, or the child failed) :meth:`result`
    is ``fallback()``, done here: ``work`` itself unless said otherwise. Use it as a
    context manager: leaving the block early (an error, Ctrl-C) stops the child.
    """

    def __init__(self, work: Callable[[], T], fallback: Callable[[], T] | None = None,
                 fork: bool = True) -> None:
        self.work, self.fallback = work, fallback or work
        self.pid: int | None = None
        self.fd: int | None = None
        if fork and FORK and hasattr(os, "fork") and threading.active_count() == 1:
            self._fork()

    def _fork(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            os.close(read)
            _run_child(self.work, write)
        os.close(write)
        self.pid, self.fd = pid, read

    def result(self) -> T:
        """The child's result; ``fallback()`` if there is no child or it failed."""
        if self.pid is not None:
            data = self._collect()
            try:
                ok, value = pickle.loads(data)
            except Exception:  # noqa: BLE001 - nothing, or cut short: the child died
                ok = False
            if ok:
                return value
        return self.fallback()

    def _collect(self) -> bytes:
        assert self.fd is not None and self.pid is not None
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 16):
                chunks.append(chunk)
        except BaseException:  # interrupted while waiting: the child is not waited for
            os.kill(self.pid, signal.SIGKILL)
            raise
        finally:
            os.close(self.fd)
            os.waitpid(self.pid, 0)
            self.pid = self.fd = None
        return b"".join(chunks)

    def __enter__(self) -> Aside[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pid is not None:  # left before the result was asked for
            os.kill(self.pid, signal.SIGKILL)
            self._collect()


def _run_child(work: Callable[[], T], write: int) -> None:
    """Run ``work`` and write (ok, result) to ``write``; then leave at once, running none
    of the parent's exit handlers (they belong to the parent)."""
    code = 0
    try:
        try:
            payload = pickle.dumps((True, work()))
        except BaseException:  # noqa: BLE001 - the parent does the work again and reports
            payload, code = pickle.dumps((False, None)), 1
        from autodiff import memo

        memo.save()  # spellings the child normalized, for later runs
        with os.fdopen(write, "wb") as out:
            out.write(payload)
    finally:
        os._exit(code)
