"""The graph a build fills, one kind per way of keeping it, behind one interface.

A build puts each post in (`add_post`), takes out the posts that are gone (`remove_posts`),
lets the graph add what only the whole corpus knows (`finish`), writes it (`map_view`,
`write_turtle`, `write_trig`) into the new generation of the outputs, and once that generation
is published keeps what should outlive the build (`commit`); `close` frees the rest.

- `FreshGraph`: a new graph in memory, or in a temporary store folder for a corpus too big for memory;
- `StoreGraph`: a new graph in a store folder that replaces the `--store` folder once the outputs are in;
- `KeptGraph`: the graph of the last build (`--watch` keeps it in memory, `build_state` on disk),
  brought up to date: only the posts that changed are taken out and put back.
"""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Iterable

import networkx as nx

from graphbuild.build.cache import CachedPost
from graphbuild.build.live_graph import LiveGraph
from graphbuild.build.safe_paths import mark_store
from graphbuild.build.state import BuildState
from graphbuild.graph.network import add_evidence, to_networkx
from graphbuild.graph.store import GraphStore, replace_store
from graphbuild.outputs.html_map import most_connected


class BuildGraph:
    """What a build does with its graph; see the module docstring."""

    def has(self, name: str, key: str) -> bool:
        """Whether the graph holds the post `name` as it is now (its cache key is `key`)."""
        return False

    def add_post(self, name: str, post: CachedPost) -> None:
        raise NotImplementedError

    def remove_posts(self, names: Iterable[str]) -> None:
        """Take out the posts `names` (a kept graph's posts that this build no longer has)."""

    def posts(self) -> set[str]:
        """The names of the posts the graph held before this build."""
        return set()

    def finish(self) -> None:
        raise NotImplementedError

    def map_view(self) -> tuple[nx.MultiDiGraph, int]:
        """The part of the graph the map draws, with its evidence, and the number of nodes of the whole graph."""
        raise NotImplementedError

    def write_turtle(self, path: Path) -> int:
        raise NotImplementedError

    def write_trig(self, path: Path) -> int:
        raise NotImplementedError

    def commit(self, manifest: dict) -> None:
        """Keep what outlives the build, now that its outputs are published (`manifest`: what the build did)."""

    def close(self, published: bool) -> None:
        """Free what the graph holds; `published` says whether the outputs it wrote are in place."""


class FreshGraph(BuildGraph):
    """A new graph: in memory, or (`path`) in a temporary store folder removed by `close`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.store = GraphStore(path)

    def add_post(self, name: str, post: CachedPost) -> None:
        self.store.add_post(name, post.ntriples)

    def finish(self) -> None:
        self.store.finish()

    def map_view(self) -> tuple[nx.MultiDiGraph, int]:
        G = to_networkx(self.store, evidence=False)
        drawn = most_connected(G)
        add_evidence(drawn, self.store)
        return drawn, G.number_of_nodes()

    def write_turtle(self, path: Path) -> int:
        return self.store.write_turtle(path)

    def write_trig(self, path: Path) -> int:
        return self.store.write_trig(path)

    def close(self, published: bool) -> None:
        self._release()
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)

    def _release(self) -> None:
        self.store = None
        gc.collect()  # close the store's files before its folder is moved or removed


class StoreGraph(FreshGraph):
    """A new graph built in a folder beside `target`, which it replaces once the outputs are published."""

    def __init__(self, target: str | os.PathLike) -> None:
        self.target = Path(target)
        super().__init__(self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp"))
        self._done = False

    def commit(self, manifest: dict) -> None:
        self._done = bool(manifest["triples"])

    def close(self, published: bool) -> None:
        self._release()
        if self._done and self.path.exists():
            mark_store(self.path)
            replace_store(self.path, self.target)
        shutil.rmtree(self.path, ignore_errors=True)


class KeptGraph(BuildGraph):
    """The last build's graph, brought up to date by `finish`; with `state`, saved on disk by `commit`."""

    def __init__(self, live: LiveGraph, state: BuildState | None = None, *, pipeline: str = "",
                 default_pipeline: bool = False) -> None:
        self.live, self.state = live, state
        self.pipeline, self.default_pipeline = pipeline, default_pipeline
        self._added: dict[str, CachedPost] = {}
        self._removed: set[str] = set()
        self._ahead = False  # updated, and its outputs not yet published

    def has(self, name: str, key: str) -> bool:
        return self.live.posts.get(name) == key

    def posts(self) -> set[str]:
        return set(self.live.posts)

    def add_post(self, name: str, post: CachedPost) -> None:
        self._added[name] = post

    def remove_posts(self, names: Iterable[str]) -> None:
        self._removed |= set(names)

    def finish(self) -> None:
        self._ahead = True
        self.live.update(self._added, removed=self._removed)

    def map_view(self) -> tuple[nx.MultiDiGraph, int]:
        return self.live.map_view()

    def write_turtle(self, path: Path) -> int:
        return self.live.write_turtle(path)

    def write_trig(self, path: Path) -> int:
        return self.live.write_trig(path)

    def commit(self, manifest: dict) -> None:
        self._ahead = False
        if self.state is not None:
            self.state.save(self.live, pipeline=self.pipeline, default_pipeline=self.default_pipeline, **manifest)

    def close(self, published: bool) -> None:
        if self._ahead:
            self.live.clear()  # it is ahead of the outputs on disk; the next build starts afresh
