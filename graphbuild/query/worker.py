"""Run one query where it can be stopped and bounded: a forked child process with a memory
limit, killed at its deadline.

pyoxigraph cannot cancel a query, and a query can need unbounded memory (a string doubled
by CONCAT 28 times holds 900 MB) or crash the parser.  In a child process, the memory
limit (RLIMIT_AS) ends it when it asks for too much, a kill ends it at the time limit, and
a crash ends only the child.  The child is a fork of the server, so it shares the loaded
graph (copy on write) and starts in about a millisecond.  A query still running after 0.1 s
gets the lowest processor priority, so runaway queries do not slow down the quick ones.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable

PR_SET_PDEATHSIG = 1
_FORK_LOCK = threading.Lock()
SLOW_SECONDS = 0.1  # a query running longer than this gets the lowest processor priority
SLOW_NICENESS = 19


@dataclass(frozen=True)
class ChildOutcome:
    """What became of a query run in a child: `value` when it finished, else why it did not."""

    value: object = None
    timed_out: bool = False
    died: str | None = None  # "signal 6 (SIGABRT)", "exit 3"


class ChildProcesses:
    """The children running now, so that a server closing (Ctrl-C) kills them at once."""

    def __init__(self) -> None:
        self._pids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)

    def discard(self, pid: int) -> None:
        with self._lock:
            self._pids.discard(pid)

    def kill_all(self) -> None:
        with self._lock:
            pids = list(self._pids)
        for pid in pids:
            _kill(pid)

    def __len__(self) -> int:
        return len(self._pids)


def run_in_child(work: Callable[[], object], timeout: float, memory_bytes: int | None,
                 children: ChildProcesses | None = None) -> ChildOutcome:
    """`work()` in a forked child under a memory limit of `memory_bytes` beyond what the
    server already maps; its (picklable) return value, or why there is none."""
    with _FORK_LOCK:  # no other child may inherit this pipe's write end (its reader would never see the end)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid != 0:
            os.close(write_end)
    if pid == 0:  # the child: compute, send, and leave without running any of the parent's cleanup
        code = 0
        try:
            os.close(read_end)
            _become_worker(memory_bytes)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(len(data).to_bytes(8, "big") + data)
        except MemoryError:
            code = 3
        except BaseException:
            code = 4
        os._exit(code)
    child, waited = pid, False
    if children is not None:
        children.add(child)
    chunks: list[bytes] = []
    started = time.monotonic()
    deadline = started + timeout
    demoted = False
    try:
        while True:
            now = time.monotonic()
            left = deadline - now
            if left <= 0 and not select.select([read_end], [], [], 0)[0]:
                return ChildOutcome(timed_out=True)  # (an answer already waiting in the pipe is still taken)
            if not demoted and now - started >= SLOW_SECONDS:
                # a slow query yields the processor to the quick ones that arrive meanwhile
                demoted = True
                try:
                    os.setpriority(os.PRIO_PROCESS, child, SLOW_NICENESS)
                except OSError:
                    pass
            wait = max(0.0, min(left, 0.5) if demoted else min(left, SLOW_SECONDS - (now - started)))
            ready, _, _ = select.select([read_end], [], [], max(wait, 0.001))
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        _, status = os.waitpid(child, 0)
        waited = True
        data = b"".join(chunks)
        if status == 0 and len(data) >= 8 and len(data) == 8 + int.from_bytes(data[:8], "big"):
            return ChildOutcome(value=pickle.loads(data[8:]))
        return ChildOutcome(died=_describe(status))
    finally:
        os.close(read_end)
        if not waited:
            _kill(child)
        if children is not None:
            children.discard(child)


def _become_worker(memory_bytes: int | None) -> None:
    """Die with the server, take Ctrl-C as a plain stop, and stay under the memory limit."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the server still kills its children when it closes
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import faulthandler

    faulthandler.disable()  # an abort on a failed allocation is expected here, not a crash to report
    quiet = os.open(os.devnull, os.O_WRONLY)  # a failed allocation prints a Rust backtrace: not the server's log
    os.dup2(quiet, 2)
    os.close(quiet)
    if memory_bytes is not None:
        import resource

        limit = _mapped_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _mapped_bytes() -> int:
    """The address space this process maps now (a fork maps what the server maps)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 * 4


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"signal {number} ({signal.Signals(number).name})"
        except ValueError:
            return f"signal {number}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return {3: "out of memory"}.get(code, f"exit {code}")
