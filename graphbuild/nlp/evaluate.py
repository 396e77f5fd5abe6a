"""Score extractions against gold files (shared eval/GUIDELINES.md): P, R and F1 per type and relation.

An extracted entity matches a gold entity of the same type when one of its spellings,
normalised (NFKC, lower case, no leading "Amazon "/"AWS ", no spaces, hyphens, middle
dots or underscores), equals one of the gold entity's.  Talk titles also match without
a leading session code or time slot and a trailing colon, and when their normalised
forms are at least 0.85 similar.  Matching is one-to-one: each gold entity is matched
by at most one prediction, so three spellings of one person count once.  A relation
matches when its subject and object match the gold relation's and the predicate is
the same.
"""

from __future__ import annotations

import json
import sys
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import networkx as nx

from graphbuild.errors import GoldError
from graphbuild.nlp.normalize import fold_label
from graphbuild.nlp.records import Extraction

ENTITY_TYPES = ("Service", "Company", "Event", "Talk", "Person", "Technology")
RELATION_TYPES = ("partOf", "reportsOn", "mentions", "presentedBy", "uses", "authoredBy")
TITLE_SIMILARITY = 0.85
# what a post may put before a talk title: 【C-1】, [A-1], ARC303-R:, KEY-01, CUS-07, 13:00-13:40
SESSION_PREFIX = re.compile(
    r"^\s*(?:[【\[［(（][^】\]］)）]{1,12}[】\]］)）]|[A-Za-z]{2,5}[-‐]?\d{2,4}(?:[-‐][A-Za-z0-9]{1,3})?\b"
    r"|\d{1,2}[:：]\d{2}\s*(?:[-~〜–－]\s*\d{1,2}[:：]\d{2})?)\s*[:：.．]?\s*")


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

    def add(self, other: "Score") -> None:
        self.predicted += other.predicted
        self.correct_predicted += other.correct_predicted
        self.gold += other.gold
        self.found_gold += other.found_gold


@dataclass
class Evaluation:
    scores: dict[str, Score] = field(default_factory=dict)
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, type, doc, what)

    def score(self, key: str) -> Score:
        return self.scores.setdefault(key, Score())

    def add(self, other: "Evaluation") -> None:
        for key, score in other.scores.items():
            self.score(key).add(score)
        self.errors.extend(other.errors)


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


def talk_keys(title: str) -> set[str]:
    """A talk title's matching keys: as written, and without a session code, time slot or trailing colon."""
    keys = {title}
    stripped = title
    for _ in range(3):  # "13:00-13:40 【A-1】 ..." carries two prefixes
        stripped = SESSION_PREFIX.sub("", stripped, count=1)
    keys.add(stripped)
    keys |= {k.rstrip(":： ") for k in keys}
    return {fold_label(k) for k in keys if fold_label(k)}


def _keys(names, type_: str) -> set[str]:
    if type_ == "Talk":
        return set().union(*(talk_keys(n) for n in names))
    return {fold_label(n) for n in names if fold_label(n)}


def _similarity(a: set[str], b: set[str], type_: str) -> float:
    """1.0 for a shared key; for talks, else the best SequenceMatcher ratio if it reaches the threshold."""
    if a & b:
        return 1.0 + len(a & b)
    if type_ != "Talk":
        return 0.0
    best = max((SequenceMatcher(None, x, y).ratio() for x in a for y in b), default=0.0)
    return best if best >= TITLE_SIMILARITY else 0.0


def evaluate(extractions: list[Extraction], gold: dict[str, dict]) -> Evaluation:
    """Score every extraction that has a gold file; raise `GoldError` for one that has none."""
    result = Evaluation()
    for key in ENTITY_TYPES + RELATION_TYPES:
        result.score(key)
    for ex in extractions:
        doc_name = ex.to_json()["doc"]
        if doc_name not in gold:
            raise GoldError(ex.source, f"has no gold file (no gold entry with \"doc\": \"{doc_name}\")")
        _score_document(ex, gold[doc_name], result)
    return result


def match_entities(ex: Extraction, gold: dict) -> dict[str, str]:
    """Predicted entity id -> gold entity id, one-to-one, maximising matched pairs then their strength."""
    gold_keys = {g["id"]: (g["type"], _keys(g["aliases"] + [g["name"]], g["type"])) for g in gold["entities"]}
    graph = nx.Graph()
    for e in ex.entities:
        keys = _keys((e.name, *e.aliases), e.type)
        for gid, (gtype, gkeys) in gold_keys.items():
            if gtype == e.type:
                strength = _similarity(keys, gkeys, e.type)
                if strength:
                    # a large constant first: the most pairs win, then the strongest
                    graph.add_edge(("p", e.id), ("g", gid), weight=1000 + strength)
    mapping = {}
    for a, b in nx.max_weight_matching(graph):
        pred, gid = (a, b) if a[0] == "p" else (b, a)
        mapping[pred[1]] = gid[1]
    return mapping


def _score_document(ex: Extraction, gold: dict, result: Evaluation) -> None:
    doc = gold["doc"]
    mapping = match_entities(ex, gold)
    sentence_of = {m.entity: m.evidence.sentence for m in reversed(ex.mentions)}
    for e in ex.entities:
        score = result.score(e.type)
        score.predicted += 1
        if e.id in mapping:
            score.correct_predicted += 1
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
            sentence = r.evidence[0].sentence[:80] if r.evidence else ""
            result.errors.append(("FP", r.p, doc, f"{names.get(s, s)} -> {names.get(o, o)}  «{sentence}»"))
    for s, p, o in sorted(gold_relations):
        score = result.score(p)
        score.gold += 1
        if (s, p, o) in predicted:
            score.found_gold += 1
        else:
            result.errors.append(("FN", p, doc, f"{names.get(s, s)} -> {names.get(o, o)}"))


def format_evaluation(ev: Evaluation, errors: bool = False, heading: str = "") -> str:
    lines = [f"{heading:14}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}"]
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


@dataclass(frozen=True)
class Corpus:
    """Posts and the folder of their gold files; `name` heads its table."""

    name: str
    gold_dir: Path
    paths: tuple[Path, ...]

    @classmethod
    def from_folder(cls, folder: Path) -> "Corpus":
        """A folder holding `texts/` and `gold/`, as ../shared/eval/styles does."""
        if not (folder / "texts").is_dir() or not (folder / "gold").is_dir():
            raise GoldError(folder, "is not a corpus folder (it needs texts/ and gold/ inside)")
        return cls(folder.name or str(folder), folder / "gold", (folder / "texts",))


def extract_corpus(nlp, corpus: Corpus, vocabulary=None, progress: bool = True) -> list[Extraction]:
    """Run the pipeline over a corpus's posts (the corpus's gold is not read here)."""
    from tqdm import tqdm

    from graphbuild.nlp.extract import extract
    from graphbuild.ingest.posts import list_posts, read_posts
    from graphbuild.nlp.pipeline import process_one

    records = []
    posts = list_posts(corpus.paths)
    for path, name in tqdm(posts, desc=f"extracting {corpus.name}", unit="post", file=sys.stderr, disable=not progress):
        for document in read_posts(path, name):
            records.append(extract(document, process_one(nlp, document), vocabulary))
    return records


def evaluate_corpora(nlp, corpora: list[Corpus], vocabulary=None, progress: bool = True) -> list[tuple[str, Evaluation]]:
    """A table per corpus, then the pooled one when there are several."""
    tables = []
    for corpus in corpora:
        gold = load_gold(corpus.gold_dir)
        tables.append((corpus.name, evaluate(extract_corpus(nlp, corpus, vocabulary, progress), gold)))
    if len(tables) > 1:
        pooled = Evaluation()
        for _, ev in tables:
            pooled.add(ev)
        tables.append(("pooled", pooled))
    return tables
