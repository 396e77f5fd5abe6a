"""The saved queries work from a built, non-editable package, outside the checkout."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.model

RUN_CLI = "import sys, graphbuild; print('package at', graphbuild.__file__, file=sys.stderr); " \
          "from graphbuild.cli import main; main()"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package as a wheel installs it: built from a copy of the sources, unpacked into a folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for folder in ("graphbuild",):
        shutil.copytree(REPO / folder, source / folder, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "curated"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(source)],
                   check=True, capture_output=True)
    site = tmp / "site"
    zipfile.ZipFile(next((tmp / "dist").glob("graphbuild-*.whl"))).extractall(site)
    return site


def test_saved_query_by_name_with_a_japanese_parameter_from_the_wheel(installed, sample_build, tmp_path):
    _, out = sample_build
    done = subprocess.run([sys.executable, "-c", RUN_CLI, "query", str(out / "graph.ttl"), "companies-using-service",
                           "--param", "service=ファーゲート", "--format", "csv"],
                          cwd=tmp_path, env={"PYTHONPATH": str(installed), "PATH": ""}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"package at {installed}" in done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["serviceName", "company", "posts", "evidence"]
    assert {row[1] for row in rows[1:]} == {"サンプルメディア", "ヤマブキ物流"}


def test_the_wheel_holds_every_data_file_the_package_reads(installed):
    package = REPO / "graphbuild"
    data = {p.relative_to(package) for p in package.rglob("*") if p.is_file() and p.suffix in
            (".ttl", ".jsonl", ".rq", ".json", ".js", ".css", ".html", ".txt", ".md")}
    assert data and all((installed / "graphbuild" / path).is_file() for path in data), data
    assert not [p for p in package.rglob("*") if p.is_symlink()]  # package data reaches the wheel without links
    assert (next(installed.glob("graphbuild-*.dist-info")) / "licenses" / "LICENSE").is_file()
