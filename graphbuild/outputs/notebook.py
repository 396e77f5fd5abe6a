"""A small API for notebooks: open a built graph once, then ask it for DataFrames, the NetworkX
view, charts and the map.

    g = graphbuild.open_graph("out/graph.ttl")
    g.query_df("companies-using-service", service="Fargate")
"""

from __future__ import annotations

import html
import os
import warnings
from functools import cached_property

import networkx as nx
import pyoxigraph as ox

from graphbuild.query.sparql import load_store, read_query, run_query


def open_graph(path: str | os.PathLike) -> "OpenGraph":
    """The graph at `path`: a Turtle file from `graphbuild build` or a `--store` folder."""
    return OpenGraph(path)


class OpenGraph:
    """A built graph opened for exploring: its pyoxigraph store, with DataFrame, NetworkX and map views."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self.store: ox.Store = load_store(path)

    def __repr__(self) -> str:
        return f"<graphbuild graph {self.path}: {len(self.store)} triples>"

    def query_df(self, sparql: str, **params: str):
        """The answer to `sparql` (text, `.rq` path or saved-query name; `params` fill its parameters)
        as a pandas DataFrame; numbers come back as numbers."""
        import pandas as pd

        result = run_query(self.store, read_query(sparql), params)
        frame = pd.DataFrame(result.rows, columns=result.variables)
        for column in frame.columns:
            numbers = pd.to_numeric(frame[column], errors="coerce")
            if len(frame) and numbers.notna().all():
                frame[column] = numbers
        return frame

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        from graphbuild.graph.network import to_networkx

        return to_networkx(self.store)

    def networkx(self) -> nx.MultiDiGraph:
        """The NetworkX view (entities and posts as nodes, relations as edges; see `network.to_networkx`)."""
        return self.graph

    def stats(self, top: int = 10):
        """Counts per type and relation and the top entities (see `stats.graph_stats`)."""
        from graphbuild.query.stats import graph_stats

        return graph_stats(self.store, top=top)

    def show(self, name: str, type_: str | None = None):
        """Everything about one entity, by any spelling (what `graphbuild show` prints)."""
        from graphbuild.query.entity_lookup import resolve_entity
        from graphbuild.query.entity_profile import entity_profile

        return entity_profile(self.store, resolve_entity(self.store, name, type_).iri)

    def map(self, height: int = 650):
        """The interactive map, inline (an iframe holding the same page `graphbuild build` writes)."""
        from IPython.display import HTML

        from graphbuild.outputs.html_map import most_connected, render_html

        page = render_html(most_connected(self.graph), title=f"graphbuild: {os.path.basename(self.path)}")
        with warnings.catch_warnings():  # IPython suggests IFrame, which cannot hold a page inline (srcdoc)
            warnings.simplefilter("ignore", UserWarning)
            return HTML(f'<iframe srcdoc="{html.escape(page)}" style="width:100%;height:{height}px;border:0"></iframe>')
