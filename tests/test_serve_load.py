"""A short, bounded version of benchmarks/endpoint_load.py: saved queries stay correct while
runaway, deeply nested and memory-doubling queries hit the same server."""

from __future__ import annotations

import pytest

from benchmarks.endpoint_load import serve_and_load

pytestmark = pytest.mark.model


def test_saved_queries_stay_correct_under_a_mix_of_bad_queries(sample_build):
    _, out = sample_build
    result, code, _ = serve_and_load(out / "graph.ttl", clients=8, seconds=4, timeout=1.0, memory=200, workers=6)
    assert result.saved_latencies and not result.saved_failures, result.saved_failures[:5]
    kinds = {kind for kind, _, _ in result.bad}
    assert kinds == {"runaway", "nested", "memory"}
    for (kind, status, why), count in result.bad.items():
        expected = {"runaway": (503, "timed out"), "nested": (400, "refused before parsing"),
                    "memory": (503, "out of memory")}[kind]
        assert (status, why) == expected or (kind == "memory" and (status, why) == (503, "timed out")), \
            (kind, status, why)
    assert result.alive_after and code == 0
