"""Helpers shared by the benchmark scripts: timing, the environment block, Markdown tables.

Benchmarks print figures; they never assert on time. Every script prints the
environment it ran in beside its figures, so a table can be read (and compared)
without guessing the machine.
"""

from __future__ import annotations

import os
import platform
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TextIO

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Samples:
    """Samples (seconds) of one measured thing: wall clock, and CPU time of this process
    plus its finished children (CPU time hardly moves when other programs load the machine
    or the disk is slow to sync, so it shows a program's own overhead more steadily)."""

    label: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    #: Where a benchmark also times a part inside the process (bench/generate.py: the
    #: import of the models), run by run.
    inside: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def add(self, clock: tuple[float, float]) -> None:
        self.seconds.append(clock[0])
        self.cpu.append(clock[1])

    def paired_ratio(self, base: Samples, cpu: bool = False) -> float:
        """Median of run-by-run ratios to ``base``, whose runs were interleaved with these."""
        mine, theirs = (self.cpu, base.cpu) if cpu else (self.seconds, base.seconds)
        return statistics.median(a / b for a, b in zip(mine, theirs, strict=True))


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children waited for so far."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(func: Callable[[], object]) -> float:
    """Seconds ``func()`` took."""
    return clocked(func)[0]


def clocked(func: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds ``func()`` took (its subprocesses' CPU included)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    func()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def package_version(name: str) -> str:
    """The installed version of a distribution, or 'not installed'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    """The repository's HEAD commit, marked dirty when the work tree has changes."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{head} (work tree dirty)" if git("status", "--porcelain") else head


def filesystem_of(path: Path) -> str:
    """The file system type holding ``path`` (from /proc/mounts), or 'unknown'."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best, kind = "", "unknown"
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and target.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], f"{parts[2]} ({parts[0]} on {parts[1]})"
    return kind


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured process: this one's, less AUTODIFF_* settings (each
    contender is told its database) and less PYTHONDONTWRITEBYTECODE, which some shells
    and tools set: users' Python writes bytecode, so after the warm-up round every
    contender, its own code and the models run from their .pyc files, as on a user's
    machine (without them each process compiles its sources again, the models included).
    """
    skipped = ("AUTODIFF_", "PYTHONDONTWRITEBYTECODE")
    base = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
    return {**base, **(extra or {})}


def environment(extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """What the figures depend on: machine, interpreter, libraries, autodiff revision."""
    rows = [
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
                    f"{platform.release()}"),
        ("python", f"{platform.python_implementation()} {platform.python_version()} "
                   f"({sys.executable})"),
        ("sqlite (python's sqlite3 module)", sqlite3.sqlite_version),
        ("autodiff", f"{package_version('autodiff')} at {git_revision()}"),
        ("bytecode", "written (.pyc), PYTHONDONTWRITEBYTECODE removed for measured processes"),
    ]
    return rows + list(extra)


def print_environment(rows: Sequence[tuple[str, str]], out: TextIO = sys.stdout) -> None:
    """The environment block, as a two-column Markdown table."""
    print_table(["environment", ""], [list(row) for row in rows], out=out)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                out: TextIO = sys.stdout) -> None:
    """A Markdown pipe table with aligned columns (pasteable into docs/benchmarks.md)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows,
                                                                      strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths,
                                                                  strict=False)) + " |"

    out.write(line(headers) + "\n")
    out.write("|" + "|".join("-" * (w + 2) for w in widths) + "|\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write("\n")
    out.flush()


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so ``finally`` blocks drop scratch databases."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def note(text: str) -> None:
    """A progress line on stderr, so stdout keeps only the figures."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
