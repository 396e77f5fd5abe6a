"""Train graphbuild's small learned scorers on the development gold, and cross-validate them.

    python scripts/train_scorers.py              # fit on every corpus, write graphbuild/nlp/models/*.json
    python scripts/train_scorers.py --cv         # leave-one-document-out: the honest figures

Each scorer is a logistic regression (scikit-learn, lbfgs, fixed settings: deterministic)
over the named features its stage computes for each candidate; a candidate's label says
whether it matches the gold (the same matching as `graphbuild eval`).  With `--cv`,
each post is extracted with scorers fitted on the other posts only, and the tables are
those of `graphbuild eval` over these held-out extractions.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphbuild.nlp.evaluate import (Corpus, Evaluation, _keys, _similarity, evaluate,  # noqa: E402
                                 format_evaluation, load_gold, match_entities)
from graphbuild.nlp.extract import extract  # noqa: E402
from graphbuild.ingest.posts import list_posts, read_posts  # noqa: E402
from graphbuild.nlp.normalize import fold  # noqa: E402
from graphbuild.nlp.person_names import gold_person_keys  # noqa: E402
from graphbuild.nlp.pipeline import load_pipeline, process_one  # noqa: E402
from graphbuild.nlp.scorer import MODELS, LinearScorer  # noqa: E402
from graphbuild.nlp.talks import _blocks_of, _marked  # noqa: E402

SHARED = ROOT.parent / "shared"
DEFAULT_CORPORA = [Corpus("seeds", SHARED / "eval" / "gold", (SHARED / "seeds",)),
                   Corpus("styles", SHARED / "eval" / "styles" / "gold", (SHARED / "eval" / "styles" / "texts",))]
C = 1.0  # inverse regularisation strength of every scorer, unless --c NAME=VALUE says otherwise
STRENGTH: dict[str, float] = {}
# The seeds are real posts, the styles corpus imitations of real layouts: each real post counts more
# for talk titles, whose layouts differ most between the two (uses candidates weigh the same).
REAL_POST_WEIGHT = 3.0
THRESHOLD = 0.4
USES_THRESHOLD = 0.4
NAME_THRESHOLD = 0.5


def corpus_weight(corpus: Corpus) -> float:
    return REAL_POST_WEIGHT if corpus.name == "seeds" else 1.0


@dataclass
class Post:
    corpus: str
    document: object
    doc: object
    gold: dict
    talk_rows: list  # (features, label, weight) of every talk-title candidate
    use_rows: list  # the same for every (company, service/technology) pair
    name_rows: list  # the same for every Latin person-name candidate


def talk_rows(nlp, doc, gold: dict, weight: float) -> list[tuple[dict, int, float]]:
    """Each talk-title candidate's features, labelled 1 when it matches a gold talk."""
    detector = nlp.get_pipe("graphbuild_talks")
    text = doc.text
    gold_talks = [_keys(g["aliases"] + [g["name"]], "Talk") for g in gold["entities"] if g["type"] == "Talk"]
    rows = []
    for c in detector.candidates(doc, text, _blocks_of(doc, text)):
        if _marked(c):
            continue  # kept by rule whatever the scorer says
        keys = _keys([text[c.start:c.end], text[c.line[0]:c.line[1]]], "Talk")
        rows.append((c.features, int(any(_similarity(keys, g, "Talk") for g in gold_talks)), weight))
    return rows


def use_rows(nlp, document, doc, gold: dict, weight: float) -> list[tuple[dict, int, float]]:
    """Each (company, object) pair's features, labelled 1 when the gold says the company uses it."""
    relations = nlp.get_pipe("graphbuild_relations")
    mentions, talks, found, orgs = relations.prepare(doc)
    mapping = match_entities(extract(document, doc), gold)
    uses = {(r["s"], r["o"]) for r in gold["relations"] if r["p"] == "uses"}
    rows = []
    for c in relations.use_candidates(doc, mentions, orgs, talks, found):
        label = (mapping.get(c.subject.key), mapping.get(c.object.key)) in uses
        rows.append((c.features, int(label), weight))
    return rows


def name_rows(nlp, doc, gold: dict, weight: float) -> list[tuple[dict, int, float]]:
    """Each Latin person-name candidate's features, labelled 1 when it is a gold person's name or alias."""
    people = gold_person_keys(gold)
    candidates = nlp.get_pipe("graphbuild_targeted_ner").name_candidates(doc)
    return [(c.features, int(fold(c.name(doc.text)) in people), weight) for c in candidates]


def fit(name: str, rows: list[tuple[dict, int, float]], threshold: float = 0.5) -> LinearScorer:
    vectorizer = DictVectorizer(sparse=False)
    x = vectorizer.fit_transform([f for f, _, _ in rows])
    y = [label for _, label, _ in rows]
    model = LogisticRegression(C=STRENGTH.get(name, C), max_iter=2000, solver="lbfgs").fit(x, y, sample_weight=[w for _, _, w in rows])
    weights = dict(zip(vectorizer.get_feature_names_out(), model.coef_[0]))
    return LinearScorer(name, {k: float(v) for k, v in weights.items()}, float(model.intercept_[0]), threshold)


def load_posts(nlp, corpora: list[Corpus]) -> list[Post]:
    posts = []
    for corpus in corpora:
        gold = load_gold(corpus.gold_dir)
        for path, name in list_posts(corpus.paths):
            document = read_posts(path, name)[0]
            doc = process_one(nlp, document)
            g = gold[path.name]
            weight = corpus_weight(corpus)
            posts.append(Post(corpus.name, document, doc, g, talk_rows(nlp, doc, g, weight),
                              use_rows(nlp, document, doc, g, 1.0), name_rows(nlp, doc, g, 1.0)))
        print(f"read {corpus.name}", file=sys.stderr)
    return posts


def rerun(nlp, post: Post, talk_scorer: LinearScorer, uses_scorer: LinearScorer, name_scorer: LinearScorer):
    """The post's extraction with the given scorers (the whole pipeline again: names change what follows)."""
    nlp.get_pipe("graphbuild_targeted_ner").names_scorer = name_scorer
    nlp.get_pipe("graphbuild_talks").scorer = talk_scorer
    nlp.get_pipe("graphbuild_relations").uses_scorer = uses_scorer
    return extract(post.document, process_one(nlp, post.document))


def cross_validate(nlp, posts: list[Post], threshold: float = 0.5) -> list[tuple[str, Evaluation]]:
    tables: dict[str, Evaluation] = {}
    for i, post in enumerate(posts):
        others = [p for j, p in enumerate(posts) if j != i]
        talk_scorer = fit("talk_title", [row for p in others for row in p.talk_rows], threshold)
        uses_scorer = fit("uses", [row for p in others for row in p.use_rows], USES_THRESHOLD)
        name_scorer = fit("person_name", [row for p in others for row in p.name_rows], NAME_THRESHOLD)
        record = rerun(nlp, post, talk_scorer, uses_scorer, name_scorer)
        table = tables.setdefault(post.corpus, Evaluation())
        table.add(evaluate([record], {post.gold["doc"]: post.gold}))
    pooled = Evaluation()
    for ev in tables.values():
        pooled.add(ev)
    return [*tables.items(), ("pooled", pooled)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", action="store_true", help="Leave-one-document-out figures instead of training.")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="Probability from which a candidate is kept.")
    parser.add_argument("--c", action="append", default=[], metavar="SCORER=C",
                        help="Another inverse regularisation strength for one scorer (talk_title, uses, person_name).")
    args = parser.parse_args()
    for setting in args.c:
        name, value = setting.split("=")
        STRENGTH[name] = float(value)
    nlp = load_pipeline()
    posts = load_posts(nlp, DEFAULT_CORPORA)
    if args.cv:
        for name, table in cross_validate(nlp, posts, args.threshold):
            print(format_evaluation(table, heading=f"{name} (LOO)"))
            print()
        return
    for name, rows, threshold in (("talk_title", [r for p in posts for r in p.talk_rows], args.threshold),
                                  ("uses", [r for p in posts for r in p.use_rows], USES_THRESHOLD),
                                  ("person_name", [r for p in posts for r in p.name_rows], NAME_THRESHOLD)):
        scorer = fit(name, rows, threshold)
        (MODELS / f"{name}.json").write_text(scorer.to_json(), encoding="utf-8")
        print(f"wrote {MODELS / (name + '.json')} ({len(scorer.weights)} features, {len(rows)} candidates, "
              f"{sum(r[1] for r in rows)} positive)")


if __name__ == "__main__":
    main()
