"""The notebook: stored with its outputs (charts included) so it reads on a code host, and a copy
runs clean from top to bottom (as `jupyter nbconvert --execute` would run it)."""

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "explore.ipynb"


def outputs_of(nb):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def test_the_stored_notebook_has_its_outputs_and_charts():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.get("outputs") for cell in code), "every code cell shows its output"
    assert not [o for o in outputs_of(nb) if o.get("output_type") == "error"]
    charts = [o for o in outputs_of(nb) if "image/png" in o.get("data", {})]
    assert len(charts) >= 3


@pytest.mark.model
def test_notebook_runs_without_errors(sample_build):
    _, out = sample_build
    nb = nbformat.read(NOTEBOOK, as_version=4)  # a copy in memory: the stored one keeps the seeds' outputs
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPHBUILD_GRAPH", str(out / "graph.ttl"))
        client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = outputs_of(nb)
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    text += "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "ヤマブキ物流" in text and "AWS Fargate" in text
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) >= 4
    assert any("text/html" in o.get("data", {}) and "graphbuild-details" in o["data"]["text/html"] for o in outputs)
