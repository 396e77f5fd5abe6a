"""What a build may read and what it may replace: never a user's own files.

A store folder carries a marker file, and `--store` refuses a path that exists and is
neither empty nor a graphbuild store.  The output, store and cache folders are never read
as posts, even when they sit inside an input folder, and a link inside an input folder
that leads out of it is not followed unless the user says so (`--follow-links`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from graphbuild.errors import InputError
from graphbuild.ingest.posts import find_posts

STORE_MARKER = ".graphbuild-store"
OUTPUT_FILES = ("graph.ttl", "graph.trig", "graph.html")
OUTPUT_FOLDERS = ("extractions", ".generations", ".current")
# The files pyoxigraph (RocksDB) keeps in a store folder: a store written before the marker existed
_ROCKSDB_FILE = re.compile(r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+|\d+\.(sst|log|blob))$")


def check_folder_target(path: str | os.PathLike, option: str) -> None:
    """`option` (-o, --cache) names a folder graphbuild writes into: refuse a path that is a file."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(path, f"is a file, not a folder: {option} needs a folder (a new or existing one)")


def check_store_target(path: str | os.PathLike, keep: Iterable[str | os.PathLike] = ()) -> None:
    """Refuse a `--store` path that graphbuild would otherwise delete to put its store there,
    or one that is or holds a folder in `keep` (the output and cache folders): replacing the
    store would remove them."""
    path = Path(path)
    for folder in keep:
        if _inside(_absolute(folder), _absolute(path)):
            raise InputError(path, f"is or holds {folder}, which replacing the store would remove; "
                                   "give --store a folder of its own")
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise InputError(path, "exists and is not a folder; --store needs a new folder, an empty one, "
                               "or a store graphbuild made (nothing was changed)")
    if path.is_dir() and not is_store_folder(path):
        raise InputError(path, f"is a folder that is not a graphbuild store (it has no {STORE_MARKER} marker and "
                               "holds other files); graphbuild will not replace it: give --store a new or empty folder")


def is_store_folder(path: Path) -> bool:
    """An empty folder, one marked by graphbuild, or a pyoxigraph store made before the marker existed."""
    names = [p.name for p in path.iterdir()]
    return not names or STORE_MARKER in names or all(_ROCKSDB_FILE.match(n) for n in names)


def mark_store(path: str | os.PathLike) -> None:
    """Mark a store folder graphbuild made, so a later build may replace it."""
    (Path(path) / STORE_MARKER).write_text("a pyoxigraph store written by graphbuild build --store\n",
                                            encoding="utf-8")


def post_files(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
               own_folders: Iterable[str | os.PathLike | None] = (),
               follow_links: bool = False) -> tuple[list[Path], list[tuple[str, str]]]:
    """The post files under `paths`, without graphbuild's own outputs (in `out_dir`, and the
    store and cache folders `own_folders`), and the links left unread: (files, [(file, reason)]).

    A file given by name is read wherever it leads; inside a given folder, a link to a file
    outside that folder is read only with `follow_links`.
    """
    out = _absolute(out_dir)
    own = [_absolute(folder) for folder in own_folders if folder is not None]
    own += [out / name for name in OUTPUT_FOLDERS]
    own_files = {out / name for name in OUTPUT_FILES}
    files: list[Path] = []
    refused: list[tuple[str, str]] = []
    for raw in paths:
        root = Path(raw)
        if not root.is_dir():
            files.extend(find_posts([root]))
            continue
        real_root = root.resolve()
        for path in find_posts([root]):
            where = _absolute(path)
            if where in own_files or any(_inside(where, folder) for folder in own):
                continue
            real = path.resolve()
            if not _inside(real, real_root) and not follow_links:
                refused.append((str(path), f"is a link to {real}, outside {root} (not read; --follow-links reads it)"))
                continue
            if real in own_files or any(_inside(real, folder) for folder in own):
                continue
            files.append(path)
    return files, refused


def snapshot_posts(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
                   own_folders: Iterable[str | os.PathLike | None] = (),
                   follow_links: bool = False) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every post a build of `paths` reads (see `post_files`), so
    that `--watch` is not woken by the outputs it writes itself."""
    found = {}
    files, _ = post_files(paths, out_dir, own_folders, follow_links)
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue  # removed while we looked
        found[str(path)] = (info.st_mtime_ns, info.st_size)
    return found


def _absolute(path: str | os.PathLike) -> Path:
    """The absolute path with its folders' links resolved but not the last part's (so a link is seen as itself)."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
