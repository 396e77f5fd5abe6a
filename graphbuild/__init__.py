"""graphbuild: a knowledge graph of talks, companies and AWS services from Japanese posts.

The flow, one module a step::

    ingest -> nlp -> extract -> rdf -> export / query

Importing the package loads no model and touches no network.
"""

from graphbuild.errors import ExtractionError, GraphbuildError, InputError, QueryError

__version__ = "0.1.0"
__all__ = ["GraphbuildError", "InputError", "ExtractionError", "QueryError", "__version__"]
