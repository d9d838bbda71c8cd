"""`autodiff check` vs `alembic check` on a database at head, N tables.

    python bench/check.py [--tables 1000] [--dialects sqlite,postgresql] [--runs 3]

Set-up (not timed) is generate.py's: the same generated models (8 columns, indexes, and
by turns a foreign key, a unique and a check per table), ``autodiff generate -m init``
+ ``autodiff upgrade``, and ``alembic revision --autogenerate`` + ``alembic upgrade
head`` on a second database. The models are not changed: both tools check a database
that is exactly at head, so both must report nothing (the bench fails otherwise).

Timed, interleaved round by round:

- ``python -c "import models"``: what every tool pays to import the models, and the
  same with the cyclic collector paused and the models frozen, as autodiff loads them;
- ``autodiff check``, cold: an empty ``XDG_CACHE_HOME``, so the replay of every script
  into a scratch database is in the time;
- ``autodiff check``, replay cached (keyed by the scripts' bytes), the database's schema
  read in full: CI with the cache kept, where the database is new in every run;
- ``autodiff check``, replay and database cached: a developer's machine, the database
  unchanged since the last check (its catalog fingerprint is the same);
- ``autodiff check`` without models (drift and integrity only), the same three ways: run
  from a folder without a pyproject.toml, with ``--db`` and ``--migrations``;
- ``alembic check`` (compares the models with the database; it has no notion of drift).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchutil import (
    Samples,
    clocked,
    environment,
    exit_on_sigterm,
    filesystem_of,
    note,
    package_version,
    print_environment,
    print_table,
)
from generate import (
    alembic_project,
    autodiff_project,
    console_script,
    run,
    scratch_databases,
    server_problem,
    server_version,
)

TARGET_SECONDS = 2.0  # autodiff check on PostgreSQL at 1,000 tables, replay included


@dataclass
class Case:
    dialect: str
    tables: int
    samples: dict[str, Samples] = field(default_factory=dict)

    def sample(self, label: str) -> Samples:
        return self.samples.setdefault(label, Samples(label))


def autodiff_check(cwd: Path, cache: Path, *args: str) -> None:
    out = run([console_script("autodiff"), "check", *args], cwd,
              {"XDG_CACHE_HOME": str(cache)})
    if "clean" not in out and "pending" not in out:
        raise RuntimeError(f"autodiff check found something at head:\n{out}")


def forget_databases(cache: Path) -> Path:
    """``cache`` without its live-schema entries, as for a database new in every CI run."""
    for entry in (cache / "autodiff").glob("live-*.bin"):
        entry.unlink()
    return cache


def bench_case(dialect: str, count: int, tmp: Path, runs: int) -> Case:
    case = Case(dialect, count)
    root = tmp / f"{dialect}-{count}"
    root.mkdir()
    with scratch_databases(dialect, root) as (db, url):
        note(f"{dialect}, {count} tables: setting up")
        ad = autodiff_project(root / "autodiff", db, count, root / "cache-setup")
        alembic = alembic_project(root / "alembic", url, count)
        bare = root / "no-config"
        bare.mkdir()
        db_arg = db if "://" in db else str(ad.root / db)
        no_models = ("--db", db_arg, "--migrations", str(ad.root / "migrations"))
        warm = root / "cache-warm"
        autodiff_check(ad.root, warm)
        paused = "import gc; gc.disable(); import models; gc.freeze(); gc.enable()"
        timed = [
            ("import models", lambda _: run([sys.executable, "-c", "import models"], ad.root)),
            ("import models, collector paused, models frozen",
             lambda _: run([sys.executable, "-c", paused], ad.root)),
            ("autodiff check, cold", lambda c: autodiff_check(ad.root, c)),
            ("autodiff check, replay cached",
             lambda _: autodiff_check(ad.root, forget_databases(warm))),
            ("autodiff check, replay and database cached",
             lambda _: autodiff_check(ad.root, warm)),
            ("autodiff check, no models, cold", lambda c: autodiff_check(bare, c, *no_models)),
            ("autodiff check, no models, replay cached",
             lambda _: autodiff_check(bare, forget_databases(warm), *no_models)),
            ("autodiff check, no models, replay and database cached",
             lambda _: autodiff_check(bare, warm, *no_models)),
            ("alembic check", lambda _: run([console_script("alembic"), "check"],
                                            alembic.root)),
        ]
        for round_ in range(runs):
            for label, func in timed:
                cold = root / f"cache-cold-{round_}-{len(case.samples)}"
                clock = clocked(partial(func, cold))
                case.sample(label).add(clock)
                shutil.rmtree(cold, ignore_errors=True)
                note(f"  run {round_ + 1}/{runs}: {label}: {clock[0]:.2f}s")
    return case


def rows(cases: list[Case]) -> list[list[str]]:
    out = []
    for case in cases:
        for label, samples in case.samples.items():
            out.append([case.dialect, str(case.tables), label, f"{samples.median:.2f}",
                        f"{samples.best:.2f}", f"{samples.cpu_median:.2f}"])
    return out


def verdicts(cases: list[Case]) -> list[str]:
    lines = []
    for case in cases:
        cold = case.sample("autodiff check, cold").median
        alembic = case.sample("alembic check").median
        line = (f"- {case.dialect}, {case.tables} tables: autodiff check cold {cold:.2f}s, "
                f"alembic check {alembic:.2f}s")
        if case.dialect == "postgresql":
            line += f"; target under {TARGET_SECONDS:.0f}s: " + \
                    ("met" if cold < TARGET_SECONDS else "missed")
        lines.append(line)
    return lines


def main() -> None:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default="1000")
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    cases, servers = [], []
    with tempfile.TemporaryDirectory(prefix="autodiff-bench-check-") as tmp:
        for dialect in args.dialects.split(","):
            problem = server_problem(dialect)
            if problem is not None:
                note(f"{dialect} skipped: {problem}")
                continue
            if dialect != "sqlite":
                servers.append((f"{dialect} server", server_version(dialect)))
            for count in (int(n) for n in args.tables.split(",")):
                cases.append(bench_case(dialect, count, Path(tmp), args.runs))
        fs = filesystem_of(Path(tmp))
    print("## `autodiff check` vs `alembic check`, database at head\n")
    print_environment(environment([
        *servers, ("temporary directory", fs), ("alembic", package_version("alembic")),
        ("runs", f"{args.runs} rounds, interleaved"),
        ("load average, start", " / ".join(f"{x:.2f}" for x in load_before)),
        ("load average, end", " / ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]))
    print_table(["dialect", "tables", "process", "median s", "min s", "CPU median s"],
                rows(cases))
    print("\n".join(verdicts(cases)) + "\n")


if __name__ == "__main__":
    main()
