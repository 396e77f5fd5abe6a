"""The NetworkX view of a graph (`network.to_networkx`) in files other tools open: CSV for
spreadsheets, GraphML for Gephi and yEd, and the CSV files `neo4j-admin database import` reads.

Each writer takes the view first and writes atomically (`atomic_files`); each has a reader
that gives the rows back, so a test can check that nothing was lost on the way.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import networkx as nx

from graphbuild.util.atomic_files import write_atomic

FORMATS = ("csv", "graphml", "neo4j")
NODE_COLUMNS = ["id", "type", "label", "other_labels", "candidate", "degree"]
EDGE_COLUMNS = ["source", "target", "relation", "support", "source_label", "target_label"]
LIST_SEPARATOR = "|"  # between the spellings of `other_labels` (CSV, GraphML)
NEO4J_ARRAY_DELIMITER = ";"  # neo4j-admin's default --array-delimiter


def write_export(G: nx.MultiDiGraph, out: str | os.PathLike, format: str) -> list[Path]:
    """Write `G` in `format` ("csv", "graphml" or "neo4j") under the folder `out`; returns the files written."""
    out = Path(out)
    if format == "csv":
        return write_csv(G, out)
    if format == "graphml":
        return [write_graphml(G, out / "graph.graphml")]
    if format == "neo4j":
        return write_neo4j(G, out)
    raise ValueError(f"unknown export format {format!r} (one of {', '.join(FORMATS)})")


def write_csv(G: nx.MultiDiGraph, folder: str | os.PathLike) -> list[Path]:
    """`nodes.csv` (one row per entity or document: type, label, other spellings, links) and
    `edges.csv` (one row per relation, with the number of evidence spans that support it)."""
    folder = Path(folder)
    nodes = [[n, d["type"], d["label"], LIST_SEPARATOR.join(d.get("labels", [])), _flag(d.get("candidate")),
              G.degree(n)] for n, d in sorted(G.nodes(data=True))]
    edges = [[s, o, key, d.get("weight", 1), G.nodes[s]["label"], G.nodes[o]["label"]]
             for s, o, key, d in sorted(G.edges(keys=True, data=True))]
    return [_write_rows(folder / "nodes.csv", NODE_COLUMNS, nodes), _write_rows(folder / "edges.csv", EDGE_COLUMNS, edges)]


def write_graphml(G: nx.MultiDiGraph, path: str | os.PathLike) -> Path:
    """GraphML with the nodes' type, label, other spellings and candidate flag and the edges'
    relation and support (GraphML has no lists: the spellings are joined by "|")."""
    H = nx.MultiDiGraph()
    for n, d in sorted(G.nodes(data=True)):
        H.add_node(n, type=d["type"], label=d["label"], other_labels=LIST_SEPARATOR.join(d.get("labels", [])),
                   candidate=bool(d.get("candidate")))
    for s, o, key, d in sorted(G.edges(keys=True, data=True)):
        H.add_edge(s, o, key=key, relation=key, support=int(d.get("weight", 1)))
    buffer = io.BytesIO()
    nx.write_graphml(H, buffer, encoding="utf-8")
    write_atomic(path, buffer.getvalue())
    return Path(path)


def write_neo4j(G: nx.MultiDiGraph, folder: str | os.PathLike) -> list[Path]:
    """`nodes.csv` and `relationships.csv` with neo4j-admin's typed headers (`:ID`, `:LABEL`,
    `:START_ID`, `:END_ID`, `:TYPE`): `neo4j-admin database import full --nodes=nodes.csv
    --relationships=relationships.csv`.  A candidate service is labelled Service;CandidateService."""
    folder = Path(folder)
    nodes = [[n, d["label"], NEO4J_ARRAY_DELIMITER.join(d.get("labels", [])), _flag(d.get("candidate")), G.degree(n),
              d["type"] + (NEO4J_ARRAY_DELIMITER + "CandidateService" if d.get("candidate") else "")]
             for n, d in sorted(G.nodes(data=True))]
    edges = [[s, o, key.upper(), d.get("weight", 1)] for s, o, key, d in sorted(G.edges(keys=True, data=True))]
    return [_write_rows(folder / "nodes.csv", ["iri:ID", "name", "otherNames:string[]", "candidate:boolean",
                                               "degree:int", ":LABEL"], nodes),
            _write_rows(folder / "relationships.csv", [":START_ID", ":END_ID", ":TYPE", "support:int"], edges)]


def read_csv_rows(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a CSV file written here, as dictionaries keyed by the header."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write_rows(path: Path, header: list[str], rows: list[list]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


def _flag(value) -> str:
    return "true" if value else "false"
