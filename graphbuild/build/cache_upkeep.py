"""Keeping the build cache to what builds use: entries no recent build used are removed,
the rest are kept under a size limit, and temporary files of killed writes are swept.

Each build records the keys it used (`OUT/.graphbuild-cache/.uses/`); the entries of the last
`KEEP_BUILDS` builds stay, newest first, until `limit_bytes` is reached (the last build's
own entries always stay).  Files younger than `grace_seconds` are never removed: they may
belong to a build that is running now with the same cache and has not recorded its keys yet.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from graphbuild.util.atomic_files import write_atomic

USES = ".uses"
KEEP_BUILDS = 3
DEFAULT_LIMIT_BYTES = 2 << 30
GRACE_SECONDS = 3600.0


@dataclass(frozen=True)
class Pruned:
    entries: int  # entries removed
    bytes: int  # bytes they took
    temporary: int  # temporary files swept


def record_use(cache_dir: str | os.PathLike, keys: Iterable[str]) -> None:
    """Remember the entries one build used; only the last `KEEP_BUILDS` records are kept."""
    uses = Path(cache_dir) / USES
    write_atomic(uses / f"{time.time_ns():020d}-{os.getpid()}.keys", "\n".join(sorted(set(keys))).encode("ascii"),
                 durable=False)
    for old in sorted(uses.glob("*.keys"))[:-KEEP_BUILDS]:
        old.unlink(missing_ok=True)


def prune(cache_dir: str | os.PathLike, limit_bytes: int = DEFAULT_LIMIT_BYTES,
          grace_seconds: float = GRACE_SECONDS) -> Pruned:
    """Remove the entries no recorded build used, then the oldest-used ones above `limit_bytes`."""
    cache = Path(cache_dir)
    now = time.time()
    records = sorted((cache / USES).glob("*.keys"), reverse=True)  # newest first
    recency: dict[str, int] = {}  # key -> index of the newest build that used it
    for n, record in enumerate(records):
        try:
            for key in record.read_text(encoding="ascii").split():
                recency.setdefault(key, n)
        except OSError:
            continue
    entries: dict[str, list[tuple[Path, int, float]]] = {}
    swept = 0
    for folder in cache.iterdir() if cache.is_dir() else ():
        if not folder.is_dir() or folder.name == USES:
            continue
        for path in folder.iterdir():
            try:
                info = path.stat()
            except OSError:
                continue
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                if now - info.st_mtime > grace_seconds:  # a write killed halfway
                    path.unlink(missing_ok=True)
                    swept += 1
                continue
            entries.setdefault(path.name.split(".", 1)[0], []).append((path, info.st_size, info.st_mtime))
    removed = removed_bytes = 0

    def remove(key: str) -> None:
        nonlocal removed, removed_bytes
        files = entries.pop(key)
        if any(now - mtime <= grace_seconds for _, _, mtime in files):
            return
        for path, size, _ in files:
            path.unlink(missing_ok=True)
            removed_bytes += size
        removed += 1

    for key in [k for k in entries if k not in recency]:
        remove(key)
    total = sum(size for files in entries.values() for _, size, _ in files)
    for key in sorted(entries, key=lambda k: recency[k], reverse=True):  # the longest unused first
        if total <= limit_bytes or recency[key] == 0:
            break
        total -= sum(size for _, size, _ in entries[key])
        remove(key)
    for folder in cache.iterdir() if cache.is_dir() else ():
        if folder.is_dir() and folder.name != USES and not any(folder.iterdir()):
            folder.rmdir()
    return Pruned(removed, removed_bytes, swept)
