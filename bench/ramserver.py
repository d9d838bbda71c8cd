"""A throwaway PostgreSQL server on a RAM disk, to serve as autodiff's dev database.

    python bench/ramserver.py          # starts one, prints its URL, stops it on Enter

What a user gets from ``docker run --tmpfs /var/lib/postgresql/data postgres -c
fsync=off``: the same PostgreSQL binaries as the machine's server, a data directory in
/dev/shm, ``fsync=off`` (nothing on it needs to survive). ``bench/generate.py --dev-db
ram`` starts one for its autodiff projects and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

RAM = Path("/dev/shm")


def postgres_bindir() -> Path:
    """The newest PostgreSQL server binaries installed (Debian's layout, else PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise SystemExit("no PostgreSQL server binaries (initdb) found for --dev-db ram")
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextlib.contextmanager
def ram_server() -> Iterator[str]:
    """Start the server; yield its URL (database ``postgres``); stop and remove it."""
    if not RAM.is_dir():
        raise SystemExit(f"{RAM} (a RAM disk) is missing: --dev-db ram needs it")
    bindir = postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="autodiff-bench-pg-", dir=RAM))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "postgres", "--no-sync"]),
                   check=True, capture_output=True)
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c full_page_writes=off -c synchronous_commit=off")
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                 "-l", str(folder / "log"), "-w", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True)
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    with ram_server() as url:
        print(url, flush=True)
        with contextlib.suppress(EOFError, KeyboardInterrupt):
            input("press Enter to stop it\n")
