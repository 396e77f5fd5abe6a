import os

import pytest

from graphbuild.util.atomic_files import write_atomic
from graphbuild.outputs.export import serialize, write_turtle
from graphbuild.graph.store import to_rdf
from tests.test_rdf import record


def test_turtle_is_byte_identical_for_the_same_input(tmp_path):
    write_turtle(to_rdf([record()]), tmp_path / "a.ttl")
    write_turtle(to_rdf([record()]), tmp_path / "b.ttl")
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old graph")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new graph")
    assert target.read_bytes() == b"old graph"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_writers_accept_open_files(tmp_path):
    with open(tmp_path / "g.ttl", "wb") as f:
        write_turtle(to_rdf([record()]), f)
    assert (tmp_path / "g.ttl").read_bytes() == serialize(to_rdf([record()]))
