import json
import sys
from pathlib import Path

import pytest

from graphbuild.nlp.scorer import MODELS, LinearScorer

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def test_shipped_scorers_load_and_score_between_zero_and_one():
    for name in ("talk_title", "uses"):
        scorer = LinearScorer.load(name)
        assert scorer.weights and 0.0 < scorer.threshold < 1.0
        assert 0.0 <= scorer.probability({"an unknown feature": 1.0}) <= 1.0
        assert json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))["name"] == name


def test_a_scorer_prefers_what_its_weights_favour_and_round_trips_through_json(tmp_path):
    scorer = LinearScorer("t", {"slot": 3.0, "sentence_end": -3.0}, -1.0, 0.4)
    assert scorer.accepts({"slot": 1.0}) and not scorer.accepts({"sentence_end": 1.0})
    path = tmp_path / "t.json"
    path.write_text(scorer.to_json(), encoding="utf-8")
    assert LinearScorer.load("t", path) == scorer


def test_training_is_deterministic():
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(SCRIPTS))
    from train_scorers import fit

    rows = [({"slot": 1.0, "long": float(i % 3 == 0)}, int(i % 4 != 0), 1.0) for i in range(40)]
    rows += [({"sentence_end": 1.0, "long": float(i % 2)}, int(i % 7 == 0), 1.0) for i in range(40)]
    assert fit("t", rows).to_json() == fit("t", list(rows)).to_json()
    assert fit("t", rows).weights["slot"] > 0 > fit("t", rows).weights["sentence_end"]
