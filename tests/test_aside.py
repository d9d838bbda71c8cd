"""Work done aside in a forked child: its result, and the fallback whenever there is none."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from autodiff import aside
from autodiff.aside import Aside

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(aside, "FORK", True)
    yield


def test_the_work_runs_in_a_child_and_its_result_comes_back(forking: None) -> None:
    with Aside(lambda: (os.getpid(), {"flavor": "15.4"}, ["drifted"])) as job:
        pid, mapping, lines = job.result()
    assert pid != os.getpid()
    assert mapping == {"flavor": "15.4"} and lines == ["drifted"]


def test_without_permission_nothing_is_forked() -> None:
    assert aside.FORK is False  # only the command line allows it
    with Aside(os.getpid) as job:
        assert job.pid is None
        assert job.result() == os.getpid()


def test_fork_false_does_the_fallback_here(forking: None) -> None:
    with Aside(lambda: "child", fallback=lambda: "here", fork=False) as job:
        assert job.pid is None
        assert job.result() == "here"


def test_a_failing_child_leaves_the_work_to_this_process(forking: None) -> None:
    calls: list[int] = []

    def work() -> int:
        calls.append(os.getpid())
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return 7

    parent = os.getpid()
    with Aside(work) as job:
        assert job.result() == 7
    assert calls == [parent]  # the child's call was in the child, not recorded here


def test_an_error_is_raised_here_as_if_there_were_no_child(forking: None) -> None:
    def broken() -> None:
        raise ValueError("bad models")

    with Aside(broken) as job, pytest.raises(ValueError, match="bad models"):
        job.result()


def test_an_unpicklable_result_falls_back(forking: None) -> None:
    with Aside(lambda: threading.Lock(), fallback=lambda: "fallback") as job:
        assert job.result() == "fallback"


def test_no_fork_beside_another_thread(forking: None) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with Aside(os.getpid) as job:
            assert job.pid is None
            assert job.result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_leaving_early_stops_and_reaps_the_child(forking: None) -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), Aside(lambda: time.sleep(60)) as job:
        pid = job.pid
        assert pid is not None
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped


def test_a_child_that_dies_without_a_word_leaves_the_work_here(forking: None) -> None:
    with Aside(lambda: os._exit(3), fallback=lambda: "here") as job:
        assert job.result() == "here"


def test_a_result_cut_short_leaves_the_work_here() -> None:
    job = Aside(lambda: "unused", fallback=lambda: "here", fork=False)
    job.pid, job.fd = _child_writing(b"\x80\x04\x95")  # a pickle's start, then nothing
    assert job.result() == "here"


def _child_writing(data: bytes) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, data)
        os._exit(0)
    os.close(write)
    return pid, read
