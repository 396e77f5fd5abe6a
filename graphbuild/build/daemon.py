"""The build daemon: a background process that keeps the pipeline loaded between builds run from
a shell, as Gradle's daemon keeps its JVM, so that a rebuild of a post or two does not import
spaCy and load the model again (2-3 s of a one-post rebuild that otherwise takes about 6 s).

A `graphbuild build` with posts to extract starts one for its cache folder when none runs (it
loads while a long build runs, and is ready for the next); builds with at most `DAEMON_POSTS`
posts to extract send them to it, waiting for it if it is still loading (more posts go to
worker processes, which share out the cores).  It ends after `idle_seconds()` without a request, when
its cache folder is removed, when a build's fingerprint (graphbuild's code, spaCy and the model,
the pipeline) differs from its own (it is stale: it says so and ends, and that build starts a
new one), or on `graphbuild daemon stop`.  It listens on a Unix socket in a folder only this
user may enter, and answers only clients that send the key written there beside the socket.
Where there are no Unix sockets, or with GRAPHBUILD_DAEMON=off, builds go without.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import secrets
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from graphbuild.build.executors import Executor, Outcome, extract_document
from graphbuild.errors import GraphbuildError
from graphbuild.ingest.posts import Document
from graphbuild.nlp.pipeline import Pipeline
from graphbuild.util.atomic_files import write_atomic

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from graphbuild.build.analysis_cache import AnalysisCache

    from spacy.language import Language

DAEMON_POSTS = 2  # a build with more posts to extract shares them out over worker processes instead
IDLE_SECONDS = 1800  # unless GRAPHBUILD_DAEMON_IDLE says otherwise
LOAD_WAIT = 30.0  # seconds a build waits for a daemon that is still loading the pipeline
KEPT_PIPELINES = 2  # pipelines a daemon keeps loaded (the default one and a --vocabulary one, say)


def enabled() -> bool:
    """Whether builds may use and start daemons: on Unix unless GRAPHBUILD_DAEMON is off (or 0, no, false)."""
    return os.name == "posix" and os.environ.get("GRAPHBUILD_DAEMON", "on").strip().lower() not in (
        "0", "off", "no", "false")


def idle_seconds() -> float:
    """How long a daemon waits for a build before it ends (GRAPHBUILD_DAEMON_IDLE, in seconds)."""
    value = os.environ.get("GRAPHBUILD_DAEMON_IDLE", str(IDLE_SECONDS))
    try:
        return max(1.0, float(value))
    except ValueError as e:
        raise GraphbuildError(f"GRAPHBUILD_DAEMON_IDLE={value!r} is not a number of seconds") from e


@dataclass(frozen=True)
class DaemonFiles:
    """Where the daemon of one cache folder listens, keeps its key and says how it is."""

    cache: Path
    socket: Path
    key: Path
    info: Path  # JSON: pid, state ("loading" or "ready"), cache folder
    lock: Path  # held by the running daemon, so that a cache folder has one
    log: Path

    @classmethod
    def of(cls, cache_dir: str | Path) -> "DaemonFiles":
        cache = Path(cache_dir).resolve()
        name = hashlib.sha256(str(cache).encode()).hexdigest()[:20]
        folder = _private_folder()
        return cls(cache, *(folder / f"{name}.{ext}" for ext in ("sock", "key", "json", "lock", "log")))

    def read_info(self) -> dict | None:
        """What the daemon last wrote about itself, if it runs (None when it does not)."""
        if not self.locked():
            return None
        try:
            info = json.loads(self.info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) and isinstance(info.get("pid"), int) else None

    def locked(self) -> bool:
        """Whether a daemon holds the lock: it does from the moment it is started until it exits
        (a pid alone could be another process's by now)."""
        import fcntl

        try:
            with open(self.lock, "rb") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                return False
        except FileNotFoundError:
            return False

    def write_info(self, **info) -> None:
        write_atomic(self.info, json.dumps(dict(info, cache=str(self.cache))).encode("utf-8"), durable=False)


def _private_folder() -> Path:
    """This user's folder for daemon sockets (short: a socket path must stay under 108 bytes)."""
    folder = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"graphbuild-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    status = folder.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise GraphbuildError(f"{folder} is not a folder of this user that only this user may open; remove it "
                              f"(or set GRAPHBUILD_DAEMON=off) and build again")
    return folder


# The build's side

def running(cache_dir: str | Path) -> dict | None:
    """The info of the daemon of `cache_dir`, when one runs (loading or ready)."""
    files = _files(cache_dir)
    return files.read_info() if files is not None else None


def _files(cache_dir: str | Path) -> DaemonFiles | None:
    """The daemon files of `cache_dir`; None (with a warning) when daemons are off or their folder is unsafe:
    a build goes on without a daemon rather than fail for it."""
    if not enabled():
        return None
    try:
        return DaemonFiles.of(cache_dir)
    except (GraphbuildError, OSError) as e:
        print(f"graphbuild: warning: building without the build daemon: {e}", file=sys.stderr)
        return None


def connect(cache_dir: str | Path, wait: float = LOAD_WAIT) -> tuple[Connection, int] | None:
    """A connection to the daemon of `cache_dir` and its pid, waiting up to `wait` seconds for one
    that is still loading the pipeline; None when none runs (or it cannot be reached)."""
    files = _files(cache_dir)
    return _connect(files, wait) if files is not None else None


def _connect(files: DaemonFiles, wait: float) -> tuple[Connection, int] | None:
    from multiprocessing.connection import AuthenticationError, Client

    deadline = time.monotonic() + wait
    while (info := files.read_info()) is not None and info.get("state") != "ready":
        if time.monotonic() > deadline:
            return None
        time.sleep(0.02)
    if info is None:
        return None
    try:
        return Client(str(files.socket), family="AF_UNIX", authkey=files.key.read_bytes()), info["pid"]
    except (OSError, EOFError, AuthenticationError):
        return None


def start(cache_dir: str | Path, pipeline: Pipeline) -> int | None:
    """Start the daemon of `cache_dir` in the background, loading `pipeline`, unless one runs that
    runs this code (one that runs older code is stopped first); the new daemon's pid, or None."""
    import fcntl

    files = _files(cache_dir)
    if files is None:
        return None
    try:
        info = files.read_info()
        if info is not None and info.get("state") == "ready" and info.get("code") != code_digest():
            stop(cache_dir)
        lock = open(files.lock, "ab")
        with lock:
            try:  # taken here and handed to the daemon, so that a build sees it running from now on
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # one runs, or is starting
            with open(files.log, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "graphbuild.build.daemon", str(files.cache), str(idle_seconds()),
                     str(lock.fileno())], stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, pass_fds=(lock.fileno(),))
            files.write_info(pid=process.pid, state="loading")  # a build started meanwhile waits for it
        with process.stdin:
            process.stdin.write(pickle.dumps(pipeline))
    except (OSError, GraphbuildError) as e:
        print(f"graphbuild: warning: the build daemon could not be started ({e}); builds go on without",
              file=sys.stderr)
        return None
    return process.pid


def code_digest() -> str:
    """A hash of graphbuild's extraction code and the library versions (not of any one pipeline)."""
    from graphbuild.build.cache import code_and_versions

    return hashlib.sha256(code_and_versions().encode()).hexdigest()[:32]


def stop(cache_dir: str | Path, wait: float = 10.0) -> int | None:
    """End the daemon of `cache_dir`; the pid it had, or None when none ran."""
    files = DaemonFiles.of(cache_dir)
    info = files.read_info()
    if info is None:
        return None
    reached = _connect(files, wait=0)
    if reached is not None:
        with reached[0] as connection:
            try:
                connection.send(("stop",))
                connection.recv()
            except (OSError, EOFError):
                pass
    else:
        try:
            os.kill(info["pid"], signal.SIGTERM)  # still loading: it has no socket to ask on
        except OSError:
            pass
    deadline = time.monotonic() + wait
    while files.read_info() is not None and time.monotonic() < deadline:  # it removes its info as it ends
        time.sleep(0.05)
    return info["pid"]


def status(cache_dir: str | Path) -> dict | None:
    """What the daemon of `cache_dir` says of itself (pid, posts extracted, seconds left idle), or None."""
    files = DaemonFiles.of(cache_dir)
    reached = _connect(files, wait=0)
    if reached is None:
        return files.read_info()
    with reached[0] as connection:
        try:
            connection.send(("status",))
            return connection.recv()
        except (OSError, EOFError):
            return None


class DaemonExecutor(Executor):
    """Posts extracted by the daemon over `connection`; if it ends or is stale, the rest by `fallback`.

    `warm` sends the first post at once, so the daemon extracts it while the build opens the last
    build's graph.
    """

    def __init__(self, connection: Connection, pid: int, fingerprint: str, fallback: Callable[[], Executor]) -> None:
        self.connection: Connection | None = connection
        self.pid = pid
        self.fingerprint, self.fallback = fingerprint, fallback
        self.extracted = 0  # posts the daemon extracted
        self.stale = False
        self._sent: Document | None = None  # the post of the request in flight
        self._fallback: Executor | None = None

    def warm(self, pipeline, first, analyses=None):
        if first:  # one request in flight at a time: two large ones could fill both ways of the socket
            self._send(first[0], pipeline or Pipeline(), analyses)

    def run(self, documents, pipeline, nlp=None, analyses=None):
        for document in documents:
            outcome = self._outcome(document, pipeline or Pipeline(), analyses)
            if outcome is None:
                self._fallback = self._fallback or self.fallback()
                outcome = next(iter(self._fallback.run([document], pipeline, nlp, analyses)))[1]
            yield document, outcome

    def _outcome(self, document: Document, pipeline: Pipeline, analyses: AnalysisCache | None) -> Outcome | None:
        """The daemon's outcome for `document`: the answer to the request in flight if it was for this
        very post (read again since, it must be equal in every field), else to a request sent now."""
        if self._sent is not None:
            sent, self._sent = self._sent, None
            outcome = self._receive()
            if outcome is not None and sent == document:
                return outcome
        self._send(document, pipeline, analyses)
        if self._sent is None:
            return None
        self._sent = None
        return self._receive()

    def _send(self, document: Document, pipeline: Pipeline, analyses: AnalysisCache | None) -> None:
        if self.connection is None:
            return
        try:
            self.connection.send(("extract", self.fingerprint, pipeline, document, analyses))
            self._sent = document
        except OSError:
            self._lose()

    def _receive(self) -> Outcome | None:
        if self.connection is None:
            return None
        try:
            answer = self.connection.recv()
        except (OSError, EOFError):
            answer = ("gone",)
        if answer[0] != "extracted":
            self.stale = answer[0] == "stale"
            self._lose()
            return None
        self.extracted += 1
        return answer[1]

    def _lose(self) -> None:
        self.connection.close()
        self.connection = None
        self._sent = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self._fallback is not None:
            self._fallback.close()


# The daemon's side

class _Daemon:
    """Serves builds on `files.socket` until it has been idle `idle` seconds or has a reason to end."""

    def __init__(self, files: DaemonFiles, idle: float, lock) -> None:
        from graphbuild.build.cache import pipeline_fingerprint

        self.files, self.idle, self.lock = files, idle, lock
        self.fingerprint = pipeline_fingerprint  # of the code this process runs: read once, at the first call
        self.pipelines: dict[Pipeline, tuple[str, Language]] = {}
        self.work = threading.Lock()  # one post at a time: the pipeline is not shared between threads
        self.last_request = time.monotonic()
        self.busy = 0
        self.posts = 0
        self.started = time.time()

    def load(self, pipeline: Pipeline) -> tuple[str, Language]:
        if pipeline not in self.pipelines:
            while len(self.pipelines) >= KEPT_PIPELINES:
                del self.pipelines[next(iter(self.pipelines))]
            self.pipelines[pipeline] = (self.fingerprint(pipeline), pipeline.load())
        return self.pipelines[pipeline]

    def serve(self, pipeline: Pipeline) -> None:
        from multiprocessing.connection import AuthenticationError, Listener

        self.load(pipeline)
        key = secrets.token_bytes(32)
        descriptor = os.open(self.files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
        self.files.socket.unlink(missing_ok=True)  # left by a daemon that was killed
        listener = Listener(str(self.files.socket), family="AF_UNIX", authkey=key)
        self.socket_inode = self.files.socket.stat().st_ino
        self.files.write_info(pid=os.getpid(), state="ready", code=code_digest())
        threading.Thread(target=self.watch, daemon=True, name="graphbuild-daemon-watch").start()
        while True:
            try:
                connection = listener.accept()
            except (AuthenticationError, OSError, EOFError):
                continue
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: Connection) -> None:
        """Answer one build's requests until it closes the connection."""
        with connection:
            while True:
                try:
                    request = connection.recv()
                except Exception:  # the build went away, or sent what this code cannot read
                    return
                if request[0] == "extract":
                    connection.send(self.extract(*request[1:]))
                elif request[0] == "status":
                    connection.send(dict(pid=os.getpid(), state="ready", cache=str(self.files.cache),
                                         posts=self.posts, pipelines=len(self.pipelines),
                                         idle_left=round(self.idle - (time.monotonic() - self.last_request)),
                                         started=self.started))
                elif request[0] == "stop":
                    connection.send(("stopping",))
                    self.end()

    def extract(self, fingerprint: str, pipeline: Pipeline, document: Document,
                analyses: AnalysisCache | None) -> tuple:
        with self.work:
            self.busy += 1
            try:
                own, nlp = self.load(pipeline)
                if own != fingerprint:  # graphbuild, spaCy or the model changed since this daemon started
                    threading.Thread(target=self.end, args=(1.0,), daemon=True).start()
                    return ("stale",)
                outcome = extract_document(document, pipeline, nlp, analyses)
                self.posts += 1
                return ("extracted", outcome)
            finally:
                self.busy -= 1
                self.last_request = time.monotonic()

    def watch(self) -> None:
        """End when idle too long, or when the cache folder or this daemon's socket is gone."""
        while True:
            time.sleep(1.0)
            if self.busy:
                continue
            try:
                replaced = self.files.socket.stat().st_ino != self.socket_inode
            except OSError:
                replaced = True
            if replaced or not self.files.cache.is_dir() or time.monotonic() - self.last_request > self.idle:
                self.end()

    def end(self, after: float = 0.0) -> None:
        time.sleep(after)
        _end(self.files)


def _end(files: DaemonFiles) -> None:
    """Remove this daemon's socket, key and info (unless another daemon's replaced them) and exit."""
    info = files.read_info()  # this process holds the lock: it reads as running
    if info is not None and info.get("pid") == os.getpid():
        for path in (files.socket, files.key, files.info):
            path.unlink(missing_ok=True)
    os._exit(0)


def main(argv: list[str]) -> None:
    """`python -m graphbuild.build.daemon CACHE_DIR IDLE_SECONDS LOCK_FD`: the pickled `Pipeline` on
    stdin, the daemon lock held on LOCK_FD by the build that started it (and by this process until it ends)."""
    files = DaemonFiles.of(argv[0])
    lock = os.fdopen(int(argv[2]), "ab")  # noqa: SIM115 (held open, and so locked, for the process's life)
    pipeline = pickle.loads(sys.stdin.buffer.read())
    files.write_info(pid=os.getpid(), state="loading")
    signal.signal(signal.SIGTERM, lambda *_: _end(files))
    _Daemon(files, float(argv[1]), lock).serve(pipeline)


if __name__ == "__main__":
    main(sys.argv[1:])
