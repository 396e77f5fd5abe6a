"""The last build's graph, kept on disk in the cache folder, so that a rebuild from a shell does
what `--watch` does in memory: open it, take out and put back only the changed posts' named
graphs, redo only the totals they touch, and write outputs byte-identical to a fresh build.

A state folder per output folder holds the pyoxigraph store of a `LiveGraph`, the rest of it
(Turtle blocks, the map's view and evidence) pickled, and a manifest of the inputs, the code
and the outputs that build wrote.  The pickle is a whole copy now and then and, between copies,
what each build changed, appended to a second file: a rebuild after one post changed writes
megabytes, not the whole graph's hundred.  `up_to_date` compares the manifest with the posts and the
outputs without importing spaCy, so a rebuild when nothing changed ends at once and leaves
the outputs untouched.  The manifest is removed before the store is changed and written back
only once the outputs are in place: a build that fails or is killed half way leaves no state,
and the next build starts afresh.  Any change to graphbuild's code, the vocabulary or the
versions of the libraries that make the graph invalidates it, as it does the cache.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import stat
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterable

from graphbuild.util.atomic_files import write_atomic
from graphbuild.errors import GraphbuildError
from graphbuild.ingest.posts import find_posts

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # graphbuild/
SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample"
CACHE_DIR = ".graphbuild-cache"  # inside the output folder unless `cache_dir` says otherwise
STATE_DIR = "graph-state"  # inside the cache folder: one folder per output folder
OUTPUTS = ("graph.ttl", "graph.trig", "graph.html")  # and extractions/*.json
_LIBRARIES = ("spacy", "ginza", "ja_ginza", "sudachipy", "sudachidict_core", "pyoxigraph", "rdflib", "networkx",
              "pyvis")
_MANIFEST, _STORE, _KEPT, _CHANGES = "manifest.json", "store", "live.pickle", "live-changes.pickle"


def state_folder(cache_dir: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Where the state of the build into `out_dir` is kept, under the cache folder."""
    key = hashlib.sha256(str(Path(out_dir).resolve()).encode()).hexdigest()[:16]
    return Path(cache_dir) / STATE_DIR / key


def up_to_date(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike, cache_dir: str | os.PathLike | None = None,
               strict: bool = False) -> dict | None:
    """The manifest of the last build into `out_dir` when a build now with the default pipeline would
    give the same outputs and they are in place as it wrote them (then there is nothing to do); None otherwise."""
    out = Path(out_dir)
    folder = state_folder(Path(cache_dir) if cache_dir else out / CACHE_DIR, out)
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if not manifest.get("default_pipeline") or manifest["code"] != code_fingerprint() or (strict and manifest["skipped"]):
            return None
        if manifest["inputs"] != input_hashes(list(paths) or [SAMPLE_CORPUS]):
            return None
        return manifest if manifest["outputs"] == output_stats(out) else None
    except (OSError, ValueError, KeyError, TypeError, GraphbuildError):
        return None


def input_hashes(paths: Iterable[str | os.PathLike]) -> dict[str, str]:
    """A hash of every post file under `paths` (and of the list itself): any change shows."""
    hashes = {}
    for path in find_posts(paths):
        try:
            if not stat.S_ISREG(path.stat().st_mode):  # a pipe or a device: reading it could block
                hashes[str(path)] = "not a regular file"
                continue
            hashes[str(path.resolve())] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as e:
            hashes[str(path)] = f"unreadable: {e.strerror or e}"
    return hashes


def output_stats(out: Path) -> dict[str, list[int]]:
    """Size and modification time of each output file, as the build left them."""
    files = [out / name for name in OUTPUTS] + sorted((out / "extractions").glob("*.json"))
    stats = {}
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        stats[str(path.relative_to(out))] = [info.st_size, info.st_mtime_ns]
    return stats


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of what decides the outputs besides the posts and the pipeline (which the state's
    manifest names apart): graphbuild's code and data files, and the versions of the libraries
    that read posts and make the graph."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".ttl", ".jsonl", ".rq", ".toml") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} absent".encode())
    return h.hexdigest()


class BuildState:
    """The state folder of one output folder: opened before a build, saved after it."""

    def __init__(self, cache_dir: str | os.PathLike, out_dir: str | os.PathLike) -> None:
        self.folder = state_folder(cache_dir, out_dir)
        self._opened: dict | None = None  # the kept parts as opened (shallow copies): `save` writes what changed

    def open(self, pipeline: str):
        """The `LiveGraph` of the last build if its state is valid for `pipeline` (the cache's
        fingerprint) and this code, else an empty one on a fresh store; either way the state is
        marked as being changed until `save`."""
        from graphbuild.graph.store import GraphStore
        from graphbuild.build.live_graph import LiveGraph

        manifest = self._manifest()
        (self.folder / _MANIFEST).unlink(missing_ok=True)
        if manifest is not None and manifest.get("pipeline") == pipeline and manifest.get("code") == code_fingerprint():
            try:
                kept = _read_kept(self.folder)
                self._opened = {name: dict(part) if isinstance(part, dict) else None for name, part in kept.items()}
                return LiveGraph.reopen(GraphStore(self.folder / _STORE), kept)
            except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, KeyError):
                self._opened = None
                gc.collect()  # the store's files, if it was opened, before its folder goes
        self.discard()
        return LiveGraph(GraphStore(self.folder / _STORE))

    def save(self, live, *, pipeline: str, default_pipeline: bool, paths: Iterable[str | os.PathLike], out_dir: Path,
             posts: int, triples: int, skipped: list[tuple[str, str]]) -> None:
        """Keep `live` (just written to `out_dir`) for the next build, with its manifest."""
        live.graph.store.flush()
        _write_kept(self.folder, live.kept(), self._opened)
        manifest = {"pipeline": pipeline, "default_pipeline": default_pipeline, "code": code_fingerprint(), "inputs": input_hashes(paths),
                    "outputs": output_stats(out_dir), "posts": posts, "triples": triples,
                    "skipped": [list(s) for s in skipped]}
        write_atomic(self.folder / _MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))

    def discard(self) -> None:
        """Forget the state (the next build starts afresh)."""
        gc.collect()  # a store of it that is no longer referenced closes its files
        shutil.rmtree(self.folder, ignore_errors=True)

    def _manifest(self) -> dict | None:
        try:
            return json.loads((self.folder / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def _read_kept(folder: Path) -> dict:
    """The kept parts of a live graph: the last whole copy, with the changes written since applied in order."""
    with open(folder / _KEPT, "rb") as f:
        kept = _unpickle(f)
    try:
        with open(folder / _CHANGES, "rb") as f:
            while f.peek(1):
                changes = _unpickle(f)
                kept.update(changes["whole"])
                for name, entries in changes["set"].items():
                    kept[name].update(entries)
                for name, keys in changes["drop"].items():
                    for key in keys:
                        del kept[name][key]
    except FileNotFoundError:
        pass
    return kept


def _write_kept(folder: Path, kept: dict, opened: dict | None) -> None:
    """Write the kept parts: only what changed since `opened` (appended to the changes file), or,
    without a copy to add to or once the changes have grown to half its size, a whole copy.
    Dict entries are compared by identity: a live graph replaces an entry, it never changes one in place."""
    base, log = folder / _KEPT, folder / _CHANGES
    try:
        room = base.stat().st_size // 2 - (log.stat().st_size if log.exists() else 0)
    except OSError:
        room = 0
    if opened is not None and room > 0:
        changes: dict[str, dict] = {"whole": {}, "set": {}, "drop": {}}
        for name, part in kept.items():
            before = opened.get(name)
            if isinstance(part, dict) and isinstance(before, dict):
                changes["set"][name] = {k: v for k, v in part.items() if before.get(k, _ABSENT) is not v}
                changes["drop"][name] = [k for k in before if k not in part]
            else:
                changes["whole"][name] = part
        data = pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) < room:
            with open(log, "ab") as f:
                f.write(data)
            return
    write_atomic(base, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
    log.unlink(missing_ok=True)


_ABSENT = object()


def _unpickle(file):
    """`pickle.load` with the cycle collector off: the state is millions of small objects, and
    the collections their creation set off took more than half of the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(file)
    finally:
        if enabled:
            gc.enable()
