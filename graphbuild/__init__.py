"""graphbuild: a knowledge graph of talks, companies and AWS services from Japanese posts.

The flow, one module a step::

    ingest -> nlp -> extract -> rdf -> export / query

Importing the package loads no model and touches no network.
"""

from graphbuild.errors import ExtractionError, GraphbuildError, InputError, QueryError

__version__ = "0.1.0"
__all__ = ["GraphbuildError", "InputError", "ExtractionError", "QueryError", "open_graph", "__version__"]


def open_graph(path):
    """A built graph (Turtle file or `--store` folder) opened for notebooks: `.query_df(sparql)`,
    `.networkx()`, `.map()`; see `graphbuild.notebook.OpenGraph`."""
    from graphbuild.notebook import open_graph as _open  # imported here: importing graphbuild stays light

    return _open(path)
