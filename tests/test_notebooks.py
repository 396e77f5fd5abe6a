"""The notebooks run clean from top to bottom (as `jupyter nbconvert --execute` would run them)."""

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

pytestmark = pytest.mark.model


@pytest.mark.parametrize("name", ["explore.ipynb"])
def test_notebook_runs_without_errors(name, sample_build):
    _, out = sample_build
    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPHBUILD_GRAPH", str(out / "graph.ttl"))
        client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "ヤマブキ物流" in text and "AWS Fargate" in text
    assert any("text/html" in o.get("data", {}) and "graphbuild-details" in o["data"]["text/html"] for o in outputs)
