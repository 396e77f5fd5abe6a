"""spaCy component `graphbuild_vocabulary`: vocabulary terms and structural rules as entity spans.

Placed after GiNZA's stages: it splits tokens at match edges (Sudachi runs
"KubernetesAWS" together), puts its matches into `doc.ents` ahead of the statistical
NER's (which keeps only the entities around them), and keeps every match in
`doc.spans["graphbuild_mentions"]` with the canonical term id as `kb_id_`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from graphbuild.nlp.rules import COMPANY_FORM, NOT_FEATURE_ALONE, NOT_FEATURE_WORDS, RuleMatch, find_rule_matches
from graphbuild.nlp.vocabulary import DEFAULT_PATH, Vocabulary

MENTIONS_KEY = "graphbuild_mentions"
RULE_PREFIX = "rule:"
FUZZY_PREFIX = "fuzzy:"
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
# "docs.aws.amazon.com", "https://speakerdeck.com/...": names inside addresses are not mentions
URL_OR_HOST = re.compile(r"https?://\S+|(?<![@\w])(?:[A-Za-z0-9-]+\.)+(?:com|net|org|jp|io|dev|info|me|co|tokyo)\b(?:/\S*)?")  # kb_id_ of a rule match: "rule:<rule>|<canonical name>"


@Language.factory(
    "graphbuild_vocabulary",
    assigns=["doc.ents", "doc.spans"],
    default_config={"vocabulary_path": None, "spans_key": MENTIONS_KEY},
)
def make_vocabulary_ruler(nlp: Language, name: str, vocabulary_path: str | None, spans_key: str) -> "VocabularyRuler":
    return VocabularyRuler(Vocabulary.load(vocabulary_path or DEFAULT_PATH), spans_key)


class VocabularyRuler:
    """Finds vocabulary terms, then annotates; see the module docstring."""

    def __init__(self, vocabulary: Vocabulary, spans_key: str = MENTIONS_KEY) -> None:
        self.vocabulary = vocabulary
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """(start_char, end_char, type, kb_id) of every match; vocabulary first, rules fill gaps."""
        text = doc.text  # Doc.text is rebuilt on every access
        matches = _with_feature_names(text, [_with_company_form(text, (m.start, m.end, m.term.type, m.term.id))
                                             for m in self.vocabulary.find(text)], self.vocabulary)
        starts = [t.idx for t in doc]
        for r in find_rule_matches(text):
            if r.rule == "company-form":
                r = company_on_tokens(doc, text, r, starts)
                if r is None:
                    continue
            overlapping = [m for m in matches if m[0] < r.end and r.start < m[1]]
            # "Amazon CodeGuru": a product name wins over the bare vendor name inside it
            # "JAWS-UG サーバーレス支部 #8": a numbered event wins over the group or series inside it
            if overlapping and all(r.start <= m[0] and m[1] <= r.end for m in overlapping) and (
                    (r.type == "Service" and all(m[2] == "Company" and m[1] - m[0] < r.end - r.start for m in overlapping))
                    # "Datadog Japan合同会社": the company wins over the product named inside it
                    or (r.rule == "company-form" and all(m[2] in ("Technology", "Company") for m in overlapping))
                    # "サーバーレス事例ナイト #4 〜Lambda / SQS 編〜": and over the products in its subtitle
                    or r.rule == "event-number"):
                matches = [m for m in matches if m not in overlapping]
                overlapping = []
            if not overlapping:
                matches.append((r.start, r.end, r.type, f"{RULE_PREFIX}{r.rule}|{r.name}"))
        matches += _bare_company_names(text, matches)
        for m in self.vocabulary.find_near_misses(text):
            if not any(o[0] < m.end and m.start < o[1] for o in matches) and not _in_dictionary(doc, m.start, m.end):
                matches.append((m.start, m.end, m.term.type, f"{FUZZY_PREFIX}{m.term.id}"))
        hosts = [(m.start(), m.end()) for m in URL_OR_HOST.finditer(text)]
        return sorted(m for m in matches if not any(a <= m[0] and m[1] <= b for a, b in hosts))

    def set_annotations(self, doc: Doc, matches: Iterable[tuple[int, int, str, str]]) -> None:
        matches = list(matches)
        _split_tokens_at(doc, {o for s, e, _, _ in matches for o in (s, e)})
        spans = []
        for start, end, label, kb_id in matches:
            span = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        ours = filter_spans(spans)
        theirs = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in ours)]
        doc.set_ents(sorted(ours + theirs, key=lambda s: s.start), default="outside")


_FORM_AFTER = re.compile(r"[ \u3000]?" + COMPANY_FORM)
_FORM_BEFORE = re.compile(COMPANY_FORM + r"[ \u3000]?$")


def _with_company_form(text: str, match: tuple[int, int, str, str]) -> tuple[int, int, str, str]:
    """A known company written with its legal form ("アマゾン ウェブ サービス ジャパン合同会社"): the form is part of the mention."""
    start, end, type_, term = match
    if type_ != "Company":
        return match
    after = _FORM_AFTER.match(text, end)
    before = _FORM_BEFORE.search(text, max(0, start - 12), start)
    return (before.start() if before else start, after.end() if after else end, type_, term)


# a capitalised Latin word, a version ("v1") or a number joined to a word ("1-Click") after a product name
_FEATURE_WORD = re.compile(r"[ \u00a0]+([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|[0-9]+-[A-Z][A-Za-z]+|v[0-9]+)(?![A-Za-z0-9\-])")
_VENDOR = re.compile(r"^(?:Amazon|AWS)\b")
MAX_FEATURE_WORDS = 3
_INSTANCE_AFTER = re.compile(r"[ \u00a0]?(?:インスタンス|[Ii]nstances?\b)")  # "EC2 Trn2 インスタンス": an instance type


def _with_feature_names(text: str, matches: list[tuple[int, int, str, str]],
                        vocabulary: Vocabulary) -> list[tuple[int, int, str, str]]:
    """"S3 Metadata", "Amazon Neptune Analytics", "Aurora PostgreSQL": a known AWS product followed by capitalised
    words the vocabulary does not know is a feature of its own, named with the product's vendor ("Amazon S3 Metadata").
    The words may be a technology ("PostgreSQL") but not another product, generic words end the name, and an
    instance type ("EC2 Trn2 インスタンス") is no feature."""
    out: list[tuple[int, int, str, str]] = []
    skip_until = -1
    for i, (start, end, type_, kb_id) in enumerate(matches):
        if start < skip_until:
            continue
        if type_ != "Service" or kb_id.startswith((RULE_PREFIX, FUZZY_PREFIX)):
            out.append((start, end, type_, kb_id))
            continue
        pos, words, feature_end = end, 0, end
        while words < MAX_FEATURE_WORDS:
            w = _FEATURE_WORD.match(text, pos)
            if w is None or w.group(1).lower() in NOT_FEATURE_WORDS:
                break
            inside = []
            for m in matches[i + 1:]:
                if m[0] >= w.end(1):
                    break
                if w.start(1) < m[1]:
                    inside.append(m)
            if any(m[2] != "Technology" or m[1] > w.end(1) for m in inside):
                break
            pos, words = w.end(), words + 1
            if w.group(1).lower() not in NOT_FEATURE_ALONE or words > 1:
                feature_end = pos
        if feature_end == end or _INSTANCE_AFTER.match(text, feature_end):
            out.append((start, end, type_, kb_id))
            continue
        written = " ".join(text[start:feature_end].split())
        vendor = _VENDOR.match(vocabulary.term(kb_id).name)
        name = written if _VENDOR.match(written) or vendor is None else f"{vendor.group()} {written}"
        out.append((start, feature_end, "Service", f"{RULE_PREFIX}feature|{name}"))
        skip_until = feature_end
    return out


_NAME_CHAR = r"A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff々ー"


def _bare_company_names(text: str, matches: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """"株式会社ツバメフードテック の森下さん … ツバメフードテックは": once a post has named a company with
    its legal form, the bare name elsewhere is the same company (a word of its own, three letters or more)."""
    found = []
    taken = [(m[0], m[1]) for m in matches]
    for start, end, type_, kb_id in matches:
        if type_ != "Company" or not kb_id.startswith(f"{RULE_PREFIX}company-form|"):
            continue
        name = re.sub(COMPANY_FORM, "", text[start:end]).strip(" \u3000・")
        if len(name) < 3 or _HIRAGANA.fullmatch(name) or not re.search(f"[{_NAME_CHAR}]", name):
            continue
        for m in re.finditer(f"(?<![{_NAME_CHAR}]){re.escape(name)}(?![{_NAME_CHAR}])", text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                found.append((m.start(), m.end(), type_, kb_id))
                taken.append((m.start(), m.end()))
    return found


_NAME_POS = {"PROPN", "NOUN", "NUM", "X"}
_NAME_JOINERS = {"・", "&", "-", ".", "＆"}


def company_on_tokens(doc: Doc, text: str, match: RuleMatch, starts: list[int]) -> RuleMatch | None:
    """Where "株式会社X" / "X株式会社" begins and ends, from the tokens: a name is a run of nouns, so
    "今回はさくらインターネット株式会社の" gives さくらインターネット and "株式会社ぐるなびの方" ぐるなび."""
    form = re.search(COMPANY_FORM, text[match.start:match.end])
    if form is None:
        return match
    form_start, form_end = match.start + form.start(), match.start + form.end()
    if form.start() == 0:  # prefixed: the name runs forward from the form
        start = end = form_end
        while end < len(text) and text[end] in " \u3000" and end == form_end:
            end += 1
            start = end
        token = _token_at(doc, starts, end)
        while token is not None and _in_name(doc, token, +1) and token.idx >= start:
            end = token.idx + len(token.text)
            token = token.nbor(1) if token.i + 1 < len(doc) and not token.whitespace_ else None
        if end - start < 2 and not re.match(r"[A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff]{2}", text[start:]):
            return None
        name = text[start:end].strip("・.-")
        return RuleMatch(match.start, end, "Company", name, match.rule) if name else None
    # suffixed: the name runs back from the form, over nouns, within the line
    start = form_start
    while start > 0 and text[start - 1] in " \u3000":
        start -= 1
    name_end = start
    token = _token_at(doc, starts, start - 1) if start > 0 else None
    while token is not None and _in_name(doc, token, -1) and "\n" not in token.text:
        start = token.idx
        if token.i == 0:
            break
        # "Datadog Japan合同会社": Latin words of one name stand apart
        if doc[token.i - 1].whitespace_ and not (token.text.isascii() and token.text[:1].isupper()
                                                 and doc[token.i - 1].text.isascii() and doc[token.i - 1].text[:1].isupper()):
            break
        token = doc[token.i - 1]
    start = min(start, match.start)  # never shorter than the pattern's own name
    name = text[start:name_end].strip("・.- \u3000")
    if not name:
        return None
    return RuleMatch(start, form_end, "Company", name, match.rule)


def _token_at(doc: Doc, starts: list[int], offset: int):
    """The token covering character `offset` (None past the end); `starts` are the tokens' offsets."""
    i = bisect_right(starts, offset) - 1
    if i < 0 or offset >= doc[i].idx + len(doc[i].text) + len(doc[i].whitespace_):
        return None
    return doc[i]


_HIRAGANA = re.compile(r"[\u3040-\u309f]+")


def _in_name(doc: Doc, token, step: int) -> bool:
    """A noun, a joiner, or hiragana between nouns that Sudachi read as another word ("ほし|ぞら", "さくら|ば")."""
    if token.pos_ in _NAME_POS or token.text in _NAME_JOINERS:
        return True
    if token.pos_ in ("ADP", "AUX", "PART", "PUNCT", "SPACE") or not _HIRAGANA.fullmatch(token.text) or token.whitespace_:
        return False
    j = token.i + step
    return 0 <= j < len(doc) and doc[j].pos_ in _NAME_POS and not (step < 0 and doc[j].whitespace_)


def _in_dictionary(doc: Doc, start: int, end: int) -> bool:
    """Sudachi knows the word (it gives a katakana reading, as for "Container"), so it is no misspelling."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is None or any(_KATAKANA.search("".join(t.morph.get("Reading"))) for t in span)


def _split_tokens_at(doc: Doc, offsets: set[int]) -> None:
    """Split every token that an offset falls inside, so matches align with tokens."""
    ordered = sorted(offsets)
    with doc.retokenize() as retokenizer:
        for token in doc:
            lo, hi = token.idx, token.idx + len(token.text)
            cuts = [o - lo for o in ordered[bisect_right(ordered, lo):bisect_left(ordered, hi)]]
            if not cuts:
                continue
            bounds = [0, *cuts, len(token.text)]
            orths = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
            # the first piece keeps the token's place in the tree, the others hang from it
            first = token.head if token.head.i != token.i else (token, 0)
            retokenizer.split(token, orths, heads=[first] + [(token, 0)] * (len(orths) - 1),
                              attrs={"POS": [token.pos_] * len(orths), "TAG": [token.tag_] * len(orths)})
