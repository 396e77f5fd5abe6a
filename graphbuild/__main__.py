"""`python -m graphbuild ...` is the `graphbuild` command."""

from graphbuild.cli import entry_point

entry_point()
