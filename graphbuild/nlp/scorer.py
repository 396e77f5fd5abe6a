"""Small learned scorers: logistic regression weights over named features, kept as JSON.

`scripts/train_scorers.py` fits them (scikit-learn, deterministic) on the development
gold and writes `graphbuild/models/<name>.json`; at run time only a dot product is left,
so the pipeline needs neither scikit-learn nor pickles.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

MODELS = Path(__file__).parent / "models"


@dataclass(frozen=True)
class LinearScorer:
    """P(yes | features) = sigmoid(bias + sum of weight * value); unknown features weigh nothing."""

    name: str
    weights: dict[str, float]
    bias: float
    threshold: float = 0.5

    @classmethod
    def load(cls, name: str, path: str | Path | None = None) -> "LinearScorer":
        path = Path(path) if path else MODELS / f"{name}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(name, dict(zip(data["features"], data["weights"])), data["bias"], data.get("threshold", 0.5))

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def accepts(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold

    def to_json(self) -> str:
        names = sorted(self.weights)
        return json.dumps({"name": self.name, "features": names, "weights": [round(self.weights[n], 6) for n in names],
                           "bias": round(self.bias, 6), "threshold": self.threshold}, ensure_ascii=False, indent=1) + "\n"
