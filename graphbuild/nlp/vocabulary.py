"""The term vocabulary (data/vocabulary.jsonl) and a matcher that finds its spellings in text.

Matching works on folded text (see `normalize.fold`), so width, case, spaces, hyphens and
middle dots do not matter; labels listed as `exact` must match in their written case,
and `context` labels only count right after a mention of the term they belong to.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graphbuild.nlp.normalize import fold, fold_with_offsets

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "vocabulary.jsonl"
FUZZY_MIN_LENGTH = 7  # shorter names have too many ordinary words one edit away
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9])")
CONTEXT_WINDOW = 40  # characters after a term within which its context labels count
_YEAR = re.compile(r"\s*'?((?:19|20)\d\d)(?!\d)")
_CITY_JA = {"東京": "Tokyo", "大阪": "Osaka"}


@dataclass(frozen=True)
class Term:
    """A canonical entity of the vocabulary: one node in the graph, whatever the spelling."""

    id: str
    type: str
    name: str
    boto: str | None = None
    broader: str | None = None
    ja: str | None = None


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    term: Term


class Vocabulary:
    """Spellings of services, companies, technologies and events, and where they occur in a text."""

    def __init__(self, entries: list[dict]) -> None:
        self.terms: dict[str, Term] = {}
        self._series: dict[str, dict] = {}
        self._loose: dict = {}
        self._exact: dict = {}
        self._context: dict = {}
        self._ja_bare: dict = {}
        self._near: dict[str, set[str]] = {}
        self._fuzzy_labels: dict[str, set[str]] = {}
        for e in entries:
            term = Term(e["id"], e["type"], e["name"], e.get("boto"), e.get("broader"), e.get("ja"))
            self.terms[term.id] = term
            if e.get("dated"):
                self._series[term.id] = e
            for label in e.get("labels", []):
                _insert(self._loose, fold(label), term.id)
                self._index_near(fold(label), term.id)
            for label in e.get("exact", []):
                _insert(self._exact, _fold_cased(label), term.id)
                self._index_near(_fold_cased(label), term.id)
            for label in e.get("context", []):
                _insert(self._context, fold(label), term.id)
            for label in e.get("ja_bare", []):
                _insert(self._ja_bare, _fold_cased(label), term.id)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "Vocabulary":
        return _load_cached(str(path))

    def term(self, term_id: str) -> Term:
        """The term for an id, including dated events such as `evt:aws-summit/tokyo/2019`."""
        if term_id in self.terms:
            return self.terms[term_id]
        series_id, _, rest = term_id.partition("/")
        series = self.terms[series_id]
        parts = [p for p in rest.split("/") if p]
        words = [series.name] + [p.replace("-", " ").title() if not p.isdigit() else p for p in parts]
        return Term(term_id, series.type, " ".join(words))

    def find(self, text: str) -> list[TermMatch]:
        """Every vocabulary term in `text`, longest spelling first, never overlapping."""
        folded, origin = fold_with_offsets(text)
        cased = _fold_cased(text)
        if len(cased) != len(folded):
            cased = folded
        matches: list[TermMatch] = []
        i = 0
        while i < len(folded):
            match = self._match_at(text, folded, cased, origin, i, matches)
            if match is None:
                i += 1
                continue
            matches.append(match)
            while i < len(folded) and origin[i] < match.end:
                i += 1
        return _whole_camel_words(text, matches)

    def find_near_misses(self, text: str) -> list[TermMatch]:
        """Misspelt Latin names one edit away from a known name ("fluetnd" for Fluentd).

        Only where that is safe: words of at least FUZZY_MIN_LENGTH letters, the same first
        letter, one unambiguous term, and never a word the vocabulary knows as it is.
        """
        found = []
        for m in _LATIN_WORD.finditer(text):
            word = fold(m.group())
            if len(word) < FUZZY_MIN_LENGTH or _ends(self._loose, word, 0) or _ends(self._exact, m.group(), 0):
                continue
            cased = _fold_cased(m.group())
            labels = set().union(*(self._near.get(key, ()) for key in _deletions(word) | {word}
                                   | _deletions(cased) | {cased}))
            terms = {t for label in labels if _edit_distance(word if label.islower() else cased, label) == 1
                     and label[0] in (word[0], cased[0])
                     for t in self._fuzzy_labels[label]}
            if len(terms) == 1:
                found.append(TermMatch(m.start(), m.end(), self.terms[terms.pop()]))
        return found

    def _index_near(self, label: str, term_id: str) -> None:
        if len(label) < FUZZY_MIN_LENGTH or not label.isascii() or not label.isalnum():
            return
        self._fuzzy_labels.setdefault(label, set()).add(term_id)
        for key in _deletions(label) | {label}:
            self._near.setdefault(key, set()).add(label)

    def _match_at(self, text: str, folded: str, cased: str, origin: list[int], i: int,
                  matches: list[TermMatch]) -> TermMatch | None:
        """The longest acceptable match starting at folded position `i`."""
        candidates = []
        for trie, source, kind in ((self._loose, folded, ""), (self._exact, cased, ""),
                                   (self._context, folded, "context"), (self._ja_bare, cased, "japanese")):
            candidates.extend((end, term_id, kind) for end, term_id in _ends(trie, source, i))
        for end_f, term_id, kind in sorted(candidates, reverse=True):
            start, end = origin[i], origin[end_f - 1] + 1
            if not _on_word_edges(text, start, end):
                continue
            if kind == "context" and not self._follows(matches, term_id, start):
                continue
            if kind == "japanese" and not _between_japanese(text, start, end):
                continue
            return self._extend_event(text, start, end, term_id)
        return None

    def _follows(self, matches: list[TermMatch], term_id: str, start: int) -> bool:
        """A context label ("レイヤー") counts only just after its own term or its broader one."""
        wanted = {term_id, self.terms[term_id].broader}
        for m in reversed(matches):
            if start - m.end > CONTEXT_WINDOW:
                return False
            if m.term.id in wanted:
                return True
        return False

    def _extend_event(self, text: str, start: int, end: int, term_id: str) -> TermMatch:
        """Take a following city and year into a dated event series ("AWS Summit" + " Tokyo 2019")."""
        series = self._series.get(term_id)
        if series is None:
            return TermMatch(start, end, self.term(term_id))
        city, pos = None, end
        rest = text[pos:pos + 40]
        for name in sorted(series.get("cities", []), key=len, reverse=True):
            m = re.match(r"\s*" + re.escape(name) + r"(?![A-Za-z])", rest, re.IGNORECASE)
            if m:
                city, pos = _CITY_JA.get(name, name), pos + m.end()
                break
        else:  # a city or qualifier the list does not know, right before the year ("AWS Dev Day Tokyo 2019")
            m = _QUALIFIER.match(rest)
            if m and _YEAR.match(text, pos + m.end()):
                city, pos = m.group(1), pos + m.end()
        year = _YEAR.match(text, pos)
        if year is None:
            return TermMatch(start, pos if city else end, self.terms[term_id])
        city = city or series.get("default_city")
        parts = [p for p in (city, year.group(1)) if p]
        event_id = term_id + "/" + "/".join(p.lower().replace(" ", "-") for p in parts)
        return TermMatch(start, year.end(), self.term(event_id))


_QUALIFIER = re.compile(r"\s*([A-Z][a-z]+(?: [A-Z][a-z]+)?)(?![A-Za-z])")


_JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def _between_japanese(text: str, start: int, end: int) -> bool:
    """"Config の設定", "- Shield は…", "アカウントの管理は Organizations、": Japanese (or the line's start) on either side,
    past spaces and list marks."""
    before = text[max(0, start - 12):start].rstrip(" \u3000")
    line = before.rsplit("\n", 1)
    before = line[-1].rstrip(" -*・•")
    after = text[end:end + 2].lstrip(" \u3000")
    left_ok = (not before and (len(line) > 1 or start <= 12)) or bool(_JAPANESE.fullmatch(before[-1:]))
    return left_ok and bool(after) and bool(_JAPANESE.fullmatch(after[0]))


def _camel_step(text: str, i: int) -> bool:
    """A step from a small to a capital Latin letter at `i` ("Deep|Lens", "Kubernetes|AWS")."""
    return 0 < i < len(text) and text[i - 1].isascii() and text[i - 1].islower() and text[i].isascii() and text[i].isupper()


def _whole_camel_words(text: str, matches: list[TermMatch]) -> list[TermMatch]:
    """A name inside one CamelCase word ("Lens" in "DeepLens") is no mention; run-together names
    ("KubernetesAWS") are, since every piece of the word is a name of its own."""
    starts, ends = {m.start for m in matches}, {m.end for m in matches}
    return [m for m in matches if not (_camel_step(text, m.start) and m.start not in ends)
            and not (_camel_step(text, m.end) and m.end not in starts)]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Vocabulary:
    with open(path, encoding="utf-8") as f:
        return Vocabulary([json.loads(line) for line in f if line.strip()])


def _fold_cased(text: str) -> str:
    return fold_with_offsets(text, lower=False)[0]


def _insert(trie: dict, key: str, value: str) -> None:
    node = trie
    for ch in key:
        node = node.setdefault(ch, {})
    node.setdefault("", value)


def _ends(trie: dict, text: str, i: int) -> list[tuple[int, str]]:
    """Every (end, value) of a key in `trie` that starts at text[i]."""
    node, found = trie, []
    for j in range(i, len(text)):
        node = node.get(text[j])
        if node is None:
            break
        if "" in node:
            found.append((j + 1, node[""]))
    return found


def _script(ch: str) -> str:
    c = unicodedata.normalize("NFKC", ch)[:1]
    if c.isascii() and c.isalnum():
        return "latin"
    if "\u30a0" <= c <= "\u30ff":
        return "katakana"
    return "other"


def _on_word_edges(text: str, start: int, end: int) -> bool:
    """A match must not start or end inside a Latin or katakana word ("ECS" in "ECSTASY")."""
    if start > 0 and not _edge_ok(text[start - 1], text[start]):
        return False
    if end < len(text) and not _edge_ok(text[end - 1], text[end]):
        return False
    return True


def _edge_ok(left: str, right: str) -> bool:
    a, b = _script(left), _script(right)
    if a != b or a == "other":
        return True
    if a == "latin":
        # "KubernetesAWS", "Summit2019": case and digit steps are word edges in run-together text
        return (left.islower() and right.isupper()) or (left.isdigit() != right.isdigit())
    return False
