"""graphbuild: a knowledge graph of talks, companies and AWS services from Japanese posts.

The flow, one subpackage a step (each imports only those before it; `tests/test_layers.py`)::

    posts -> ingest/ -> nlp/ -> graph/ -> query/ -> outputs/      build/ runs the steps, cli.py parses arguments
             Document   Doc, records   RDF      SPARQL   map, exports

`errors` and `util/` are shared by every step.

Importing the package loads no model and touches no network.
"""

from importlib import metadata

from graphbuild.errors import ExtractionError, GraphbuildError, InputError, QueryError

try:
    __version__ = metadata.version("graphbuild")  # the one version is pyproject.toml's
except metadata.PackageNotFoundError:  # sources on the path, not installed
    __version__ = "0+unknown"
__all__ = ["GraphbuildError", "InputError", "ExtractionError", "QueryError", "open_graph", "__version__"]


def open_graph(path):
    """A built graph (Turtle file or `--store` folder) opened for notebooks: `.query_df(sparql)`,
    `.networkx()`, `.map()`; see `graphbuild.outputs.notebook.OpenGraph`."""
    from graphbuild.outputs.notebook import open_graph as _open  # imported here: importing graphbuild stays light

    return _open(path)
