"""`python -m graphbuild ...` is the `graphbuild` command."""

from graphbuild.cli import main

main()
