"""Check a graph against the SHACL shapes in graph/ontology/shapes.ttl.

No RDFS inference: the range of gb:partOf would otherwise make any object an Event
and hide the very errors the shapes are for. The ontology is mixed in for subclasses.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"


def validate_graph(g: Graph) -> tuple[bool, str]:
    """(conforms, report text) of `g` against the shapes."""
    from pyshacl import validate  # imported here: pySHACL is slow to import and only needed here

    shapes = Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    ontology = Graph().parse(ONTOLOGY_DIR / "graphbuild.ttl", format="turtle")
    conforms, _, text = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True)
    return bool(conforms), str(text)
