"""Score extractions against gold files (shared eval/GUIDELINES.md): P, R and F1 per type and relation.

An extracted entity matches a gold entity of the same type when one of its spellings,
normalised (NFKC, lower case, no leading "Amazon "/"AWS ", no spaces, hyphens, middle
dots or underscores), equals one of the gold entity's.  A relation matches when its
subject and object match the gold relation's and the predicate is the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from graphbuild.errors import GoldError
from graphbuild.normalize import fold_label
from graphbuild.records import Extraction

ENTITY_TYPES = ("Service", "Company", "Event", "Talk", "Person", "Technology")
RELATION_TYPES = ("partOf", "reportsOn", "mentions", "presentedBy", "uses", "authoredBy")


@dataclass
class Score:
    predicted: int = 0
    correct_predicted: int = 0
    gold: int = 0
    found_gold: int = 0

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    scores: dict[str, Score] = field(default_factory=dict)
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, type, doc, what)

    def score(self, key: str) -> Score:
        return self.scores.setdefault(key, Score())


def load_gold(directory: str | Path) -> dict[str, dict]:
    """Gold files by document file name."""
    gold = {}
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise GoldError(directory, "holds no gold .json files")
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            gold[data["doc"]] = data
            for e in data["entities"]:
                e["id"], e["type"], e["aliases"]  # noqa: B018  (shape check)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise GoldError(path, f"is not a gold file ({type(e).__name__}: {e})") from e
    return gold


def _keys(names) -> set[str]:
    return {fold_label(n) for n in names if fold_label(n)}


def evaluate(extractions: list[Extraction], gold: dict[str, dict]) -> Evaluation:
    result = Evaluation()
    for key in ENTITY_TYPES + RELATION_TYPES:
        result.score(key)
    for ex in extractions:
        doc_name = ex.to_json()["doc"]
        if doc_name not in gold:
            continue
        _score_document(ex, gold[doc_name], result)
    return result


def _score_document(ex: Extraction, gold: dict, result: Evaluation) -> None:
    doc = gold["doc"]
    gold_keys = {g["id"]: (g["type"], _keys(g["aliases"] + [g["name"]])) for g in gold["entities"]}
    mapping: dict[str, str] = {}
    sentence_of = {m.entity: m.evidence.sentence for m in reversed(ex.mentions)}
    for e in ex.entities:
        keys = _keys((e.name, *e.aliases))
        best = max(((len(keys & gk), gid) for gid, (gt, gk) in gold_keys.items() if gt == e.type and keys & gk),
                   default=None)
        score = result.score(e.type)
        score.predicted += 1
        if best:
            score.correct_predicted += 1
            mapping[e.id] = best[1]
        else:
            result.errors.append(("FP", e.type, doc, f"{e.name}  «{sentence_of.get(e.id, '')[:80]}»"))
    found = set(mapping.values())
    for g in gold["entities"]:
        score = result.score(g["type"])
        score.gold += 1
        if g["id"] in found:
            score.found_gold += 1
        else:
            result.errors.append(("FN", g["type"], doc, f"{g['name']} {g['aliases']}"))
    gold_relations = {(r["s"], r["p"], r["o"]) for r in gold["relations"]}
    names = {g["id"]: g["name"] for g in gold["entities"]} | {"doc": "doc"}
    predicted = set()
    for r in ex.relations:
        s = "doc" if r.s == "doc" else mapping.get(r.s, "?" + r.s)
        o = mapping.get(r.o, "?" + r.o)
        if (s, r.p, o) in predicted:
            continue
        predicted.add((s, r.p, o))
        score = result.score(r.p)
        score.predicted += 1
        if (s, r.p, o) in gold_relations:
            score.correct_predicted += 1
        else:
            result.errors.append(("FP", r.p, doc, f"{names.get(s, s)} -> {names.get(o, o)}  «{r.evidence[0].sentence[:80] if r.evidence else ''}»"))
    for s, p, o in sorted(gold_relations):
        score = result.score(p)
        score.gold += 1
        if (s, p, o) in predicted:
            score.found_gold += 1
        else:
            result.errors.append(("FN", p, doc, f"{names.get(s, s)} -> {names.get(o, o)}"))


def format_evaluation(ev: Evaluation, errors: bool = False) -> str:
    lines = [f"{'':14}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}"]
    for group, keys in (("entities", ENTITY_TYPES), ("relations", RELATION_TYPES)):
        lines.append(group)
        for key in keys:
            s = ev.scores.get(key, Score())
            lines.append(f"  {key:12}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.predicted:7d}{s.gold:7d}")
    if errors:
        for kind in ("FP", "FN"):
            lines.append(f"\n{'false positives' if kind == 'FP' else 'false negatives'}")
            for k, type_, doc, what in ev.errors:
                if k == kind:
                    lines.append(f"  {type_:12} {doc[:12]}  {what}")
    return "\n".join(lines)
