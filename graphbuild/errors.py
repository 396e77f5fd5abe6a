"""The exceptions graphbuild raises; the CLI turns them into messages."""

from __future__ import annotations

from pathlib import Path


class GraphbuildError(Exception):
    """Base class of every error graphbuild raises on purpose."""


class InputError(GraphbuildError):
    """A post or graph file that cannot be read: names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OutputError(InputError):
    """An output that cannot be written (a full disk): names the file and what to do."""


class ExtractionError(GraphbuildError):
    """The NLP pipeline failed on a document."""


class QueryError(GraphbuildError):
    """A SPARQL query that cannot be parsed or run."""


class GoldError(InputError):
    """A gold-standard file that does not have the documented shape."""
