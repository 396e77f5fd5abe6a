"""One build at a time per output folder: an fcntl lock that a second build waits for.

The lock is held on an open file, so the system releases it when the build's process ends,
however it ends: a lock file left by a killed build never blocks the next one.
"""

from __future__ import annotations

import errno
import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from graphbuild.errors import GraphbuildError

LOCK_FILE = ".graphbuild.lock"


class BuildLocked(GraphbuildError):
    """Another build holds the folder and the caller asked not to wait."""


@contextmanager
def build_lock(folder: str | os.PathLike, wait: bool = True, on_wait: Callable[[str], None] | None = None,
               lock_file: str = LOCK_FILE) -> Iterator[None]:
    """Hold `folder`'s build lock (the file `lock_file` in it) for the block; when another build
    has it, call `on_wait` with a message and wait, or (without `wait`) raise `BuildLocked`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            message = f"{folder}: another graphbuild build (pid {holder}) is writing here"
            if not wait:
                raise BuildLocked(f"{message}; not waiting (--no-wait)") from None
            if on_wait is not None:
                on_wait(f"{message}; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
