"""`uses` candidates: every (company, service or technology) pair a post could be saying is used,
with the features the `uses` scorer reads (how the pair was found, what the sentence says around
the object), and the rules that rule a pair out whatever the scorer says.

A pair comes from a sentence naming both, a case-study block headed by the company, a talk the
company gives (its guest part of a keynote), or the writer's own company.  The component in
`relations` scores them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from graphbuild.nlp.doc_view import view_of
from graphbuild.nlp.entities import EntityRef, FoundRelation
from graphbuild.nlp.normalize import fold
from graphbuild.nlp.talks import SECTIONS_KEY, SPEAKERS_KEY

AWS_ITSELF = ("org:amazonwebservices", "org:amazon-com")  # the vendor: its products are no customer's use


USE_CUES = ("導入", "採用", "利用", "使用", "使っ", "使い", "使う", "使え", "活用", "移行", "載せ替え", "乗り換え",
            "構築", "運用", "基盤", "ベース", "構成", "入れ", "組み合わせ", "選定", "選択", "事例", "本番")


USE_VERBS = ("使う", "利用", "使用", "採用", "導入", "活用", "用いる", "運用")


NEGATIONS = re.compile(r"^\s*(は|を|も)?\s*(使わ|利用せ|利用しな|採用せ|採用しな|導入せ|導入しな|不要|やめ|ではなく|じゃなく|ではない|以外|なし|無し)")


CASE_STUDY = re.compile(r"事例|導入|ケーススタディ|case study", re.IGNORECASE)


CASE_STUDY_TITLE = re.compile(r"事例|導入|活用|利用|採用|移行|ケーススタディ|case study|での|における", re.IGNORECASE)


TOPIC_MARK = re.compile(r"^\s*(における|に於ける|では|での|の事例|が(導入|採用|利用|運用|開発))")


CARRY_SENTENCES = 3  # how far a first-person subject carries in a paragraph


FIRST_PERSON = re.compile(r"弊社|当社|自社|私たち|我々|うちの|私のチーム|チームでは")


@dataclass
class UseCandidate:
    """A (company, service or technology) pair with the evidence and features of every sentence that pairs them."""

    subject: EntityRef
    object: EntityRef
    start: int
    end: int
    method: str
    features: dict[str, float]

    def add(self, method: str, features: dict[str, float]) -> None:
        f = self.features
        f[f"via_{method}"] = 1.0
        f["sentences"] = f.get("sentences", 0.0) + 1.0
        for name, value in features.items():
            if name in ALL_OF:  # a rejection counts only when every sentence says so
                f[f"all_{name}"] = min(f.get(f"all_{name}", 1.0), value)
            f[f"any_{name}"] = max(f.get(f"any_{name}", 0.0), value)
        for name in ALL_OF:
            if name not in features:
                f[f"all_{name}"] = 0.0
        f["many_sentences"] = float(f["sentences"] >= 2)


ALL_OF = ("negated", "moved_from", "rejected", "planned", "considered", "negated_by_parse", "was_before", "gave_up",
          "advice", "definition", "someone_else")


MOVED_FROM = re.compile(r"^\s*(?:から|より)")


REWRITTEN = re.compile(r"^\s*(?:の[^、。]{0,10})?を[^、。]{0,20}(?:書き換え|置き換え|移行|移し|リプレース|卒業|やめ|捨て|廃止)")


MOVE_WORDS = re.compile(r"移行|移し|移っ|乗り換え|置き換え|書き換え|脱却|リプレース|卒業|やめ|捨て|廃止|撤退|切り替え|寄せ")


REJECTED = re.compile(r"^\s*(?:は|も|を)?\s*(?:ではなく|じゃなく|ではない|の代わりに|使わず|不採用|見送|採用しな|選ばな|使わな|使っていな|でなく)")


PLANNED = re.compile(r"予定|検討中|今後|将来|したい|してみたい|計画|ロードマップ|つもり|来年|いずれ")


CONSIDERED = re.compile(r"検討|比較|候補|評価した|迷っ|悩ん")


# a post about the writer's own system: "…へ移行しました", "【事例】…に移した", "…を選んだ理由", "…で作り直した話"
OWN_SYSTEM_TITLE = re.compile(r"移行|移し|移っ|乗り換え|置き換え|寄せ|作り直|リプレース|刷新|導入|採用|構築|選んだ|選ばなかった|"
                              r"事例|構成|運用して|振り返|やってみた|してみた|した話|になった話|migrat", re.IGNORECASE)


KEYNOTE = re.compile(r"基調講演|キーノート|Keynote", re.IGNORECASE)


USED_NOW = re.compile(r"本番|運用して|使って(?:い|お)|利用して|動かして|導入し|採用し|移行し|構築し|載せ|稼働|使い始め|入れ")


# what a sentence says besides "uses": the system before a move, a use given up, advice, a product's definition
WAS_BEFORE = re.compile(r"以前|もともと|元々|移行前|従来|かつて|旧来|昔は|最初は|当初は|ていたが|ていたところ|ていましたが|ていたけど")


GAVE_UP = re.compile(r"使わ(?:ず|ない|なかった)|採用しなかった|採用せず|見送|不採用|選ばなかった|やめ|使っていない|なくなった|廃止|戻れない")


ADVICE = re.compile(r"なら\s|なら$|場合は|のが定番|がおすすめ|おすすめ|べき|必要がある|注意|がよい|といい|すると良い")


CLAUSE_ENDS = ("、", "，", ",", "。", "\n")


DEFINITION = re.compile(r"^\s*(?:[-・*●]\s*)?[^:：。、]{1,40}[:：]")


SENTENCE_CUES = (("advice", ADVICE), ("definition", DEFINITION), ("used_now", USED_NOW), ("planned", PLANNED),
                 ("considered", CONSIDERED))


def ruled_out(features: dict[str, float]) -> bool:
    """What the guidelines never count as `uses`, whatever the scorer says: every sentence pairing them
    rejects the object, gives it up, negates it, moves away from it or has another subject use it, or only plans it."""
    if any(features.get(f"all_{name}") for name in ("negated", "rejected", "gave_up", "moved_from", "someone_else")):
        return True
    return bool(features.get("all_planned")) and not features.get("any_used_now")


def _sentence_features(sentence: str, cued: bool, first_person: bool, companies: int) -> dict[str, float]:
    """What a sentence pairing a company with an object says, as the scorer's features."""
    said = {name: bool(pattern.search(sentence)) for name, pattern in SENTENCE_CUES}
    said.update(use_cue=cued, first_person=first_person, several_companies=companies > 1, bullet=_is_bullet(sentence))
    return {name: 1.0 for name, holds in said.items() if holds}


def _object_features(text: str, span: Span, mentions, sentence: tuple[int, int]) -> dict[str, float]:
    f = {}
    after = text[span.end_char:span.end_char + 16]
    if _negated(text, span, mentions):
        f["negated"] = 1.0
    if REJECTED.match(after):
        f["rejected"] = 1.0
    if (MOVED_FROM.match(after) or REWRITTEN.match(after)) and MOVE_WORDS.search(text[sentence[0]:sentence[1]]):
        f["moved_from"] = 1.0
    # the object's own clause: "以前は EC2 上の Kafka だったが、MSK に移した" says "before" of EC2 and Kafka only
    clause_start = max(text.rfind(c, sentence[0], span.start_char) for c in CLAUSE_ENDS) + 1
    clause_end = min([i for i in (text.find(c, span.end_char, sentence[1]) for c in CLAUSE_ENDS) if i >= 0] or [sentence[1]])
    if WAS_BEFORE.search(text, max(sentence[0], clause_start), clause_end):
        f["was_before"] = 1.0
    if GAVE_UP.search(text, span.end_char, clause_end):
        f["gave_up"] = 1.0
    return f


def _negated(text: str, span: Span, mentions: list[tuple[Span, EntityRef]]) -> bool:
    """"ASGやCloudWatchを使わず": a negation after the object, or after the list the object opens."""
    end = span.end_char
    starts = {s.start_char: s.end_char for s, _ in mentions}
    while True:
        gap = re.match(r"\s*(や|、|と|,|・|\(|（)\s*", text[end:end + 4])
        if not gap or end + gap.end() not in starts:
            break
        end = starts[end + gap.end()]
    return bool(NEGATIONS.match(text[end:end + 12]))


def _negated_by_parse(span: Span) -> bool:
    """The verb that takes the object is negated, or, when that verb only modifies a noun
    ("fluentd を使った転送は行っていなかった"), the verb over that noun is."""
    verb = _governing_verb(span.root)
    if verb.lemma_ not in USE_VERBS:
        return False
    for _ in range(2):
        if any(_dep(child) == "aux" and child.lemma_ in ("ない", "ず", "ぬ") for child in verb.children):
            return True
        if _dep(verb) != "acl":
            return False
        verb = _governing_verb(verb.head)
    return False


def _used_by_its_verb(span: Span) -> bool:
    """The verb that takes the object is itself a use cue ("Aurora に移行し", not "Kubernetes も検討し")."""
    verb = _governing_verb(span.root)
    return any(cue in verb.lemma_ or cue in verb.text for cue in USE_CUES)


def _governing_verb(token: Token) -> Token:
    """The first verb or adjective above `token` in the dependency tree (the root if there is none)."""
    for _ in range(8):
        if token.head is token:
            return token
        token = token.head
        if token.pos_ in ("VERB", "ADJ", "AUX"):
            return token
    return token


def _dep(token) -> str:
    """The dependency label without the "_bunsetu" mark GiNZA's parser puts on bunsetu heads
    (GiNZA's bunsetu recognizer, which graphbuild leaves out, would strip it)."""
    return token.dep_.removesuffix("_bunsetu")


def _done_by_someone_else(span: Span, companies: list[Span]) -> bool:
    """The parse says another subject does the using ("Allan は X で働き、カスタマーが Docker を利用する")."""
    token = span.root
    for _ in range(6):
        if _dep(token) in ("obj", "obl", "nsubj", "iobj") or token.head is token:
            break
        token = token.head
    verb = token.head
    company_tokens = {t.i for c in companies for t in c}
    for child in verb.children:
        if _dep(child) == "nsubj" and child.i not in {t.i for t in span}:
            subtree = {t.i for t in child.subtree}
            if not subtree & company_tokens and not FIRST_PERSON.search(child.text):
                return True
    return False


def _speaker_parts(doc: Doc, talks: list[tuple[Span, EntityRef]],
                   mentions: list[tuple[Span, EntityRef]]) -> dict[str, list[tuple[int, int, set[str]]]]:
    """A keynote with guests is cut at each speaker line: (start, end, companies on that line) per part."""
    text = view_of(doc).text
    sections = {s.label_: s for s in doc.spans.get(SECTIONS_KEY, [])}
    lines: dict[str, list[tuple[int, int]]] = {}
    for span in doc.spans.get(SPEAKERS_KEY, []):
        lines.setdefault(span.label_, []).append((span.start_char, span.end_char))
    parts = {}
    for n, (title, talk) in enumerate(talks):
        label = f"talk{n}"
        section = sections.get(label)
        if section is None:
            continue
        # a company alone on a line ("dely株式会社") opens its guest's part too
        heads = set(lines.get(label, [])) | {
            (text.rfind("\n", 0, s.start_char) + 1, s.end_char) for s, r in
            _starting_in(mentions, title.end_char, section.end_char) if r.type == "Company" and _alone_on_line(text, s)}
        heads = sorted(heads)
        if len(heads) < 2:
            continue
        found = []
        blocks = [b for b in (doc._.graphbuild_blocks or []) if section.start_char <= b.start < section.end_char]
        for i, (line_start, line_end) in enumerate(heads):
            end = heads[i + 1][0] if i + 1 < len(heads) else section.end_char
            # a guest's part also ends at a rule, a heading, or a new paragraph that is not a list
            head_paragraph = next((b.paragraph for b in blocks if b.start <= line_start < b.end + 1), None)
            for b in blocks:
                if line_end < b.start < end and (b.kind in ("rule", "heading") or (
                        b.kind == "line" and head_paragraph is not None and b.paragraph > head_paragraph + 1)):
                    end = b.start
                    break
            companies = {r.key for s, r in _starting_in(mentions, line_start, line_end) if r.type == "Company"}
            found.append((line_start, end, companies))
        if sum(1 for *_, companies in found if companies) >= 2:
            parts[talk.key] = found
    return parts


def _in_own_part(parts: list[tuple[int, int, set[str]]], company: EntityRef, offset: int) -> bool:
    """Outside a talk cut into guests' parts, or inside the part of the guest's own speaker line."""
    if not parts or not any(company.key in companies for *_, companies in parts):
        return True
    return any(start <= offset < end and company.key in companies for start, end, companies in parts)


def _talk_sections(doc: Doc, talks: list[tuple[Span, EntityRef]]) -> list[tuple[int, int, EntityRef]]:
    """(start, end, talk) of each talk's part of the document."""
    sections = {s.label_: s for s in doc.spans.get(SECTIONS_KEY, [])}
    found = []
    for n, (title, talk) in enumerate(talks):
        section = sections.get(f"talk{n}", title)
        found.append((section.start_char, section.end_char, talk))
    return found


def _company_blocks(doc: Doc, mentions: list[tuple[Span, EntityRef]],
                    talk_starts: list[int]) -> list[tuple[tuple[int, int], EntityRef]]:
    """Case-study blocks: a heading that is a company (or "<company>の事例") and the lines under it."""
    view = view_of(doc)
    text, lines = view.text, view.lines
    blocks = []
    for span, ref in mentions:
        if ref.type != "Company" or _is_aws(ref):
            continue
        index = next((i for i, l in enumerate(lines) if l.start <= span.start_char < l.end), None)
        if index is None:
            continue
        line = lines[index].text
        rest = fold(line.replace(span.text, "", 1))
        if not (_alone_on_line(text, span) or (len(line) <= 30 and CASE_STUDY.search(rest) and "。" not in line)):
            continue
        end = lines[index].end
        for following in lines[index + 1:index + 40]:
            if following.text.startswith(("---", "───", "===")) or following.start in talk_starts:
                break
            if not _is_bullet(following.text) and len(following.text) <= 30 and "。" not in following.text \
                    and following.start > lines[index].end + 2 and not CASE_STUDY.search(following.text):
                break
            end = following.end
        blocks.append(((lines[index].start, end), ref))
    return blocks


def _topic_blocks(doc: Doc, mentions: list[tuple[Span, EntityRef]]) -> list[tuple[tuple[int, int], EntityRef]]:
    """"• クックパッドにおける…": a bullet about a company owns the sibling bullets that follow it."""
    view = view_of(doc)
    text, lines = view.text, view.lines
    blocks = []
    for span, ref in mentions:
        if ref.type != "Company" or _is_aws(ref) or not TOPIC_MARK.match(text[span.end_char:span.end_char + 6]):
            continue
        index = next((i for i, l in enumerate(lines) if l.start <= span.start_char < l.end), None)
        if index is None or not _is_bullet(lines[index].text):
            continue
        indent = _indent(text, lines[index].start)
        end = lines[index].end
        for following in lines[index + 1:]:
            if not _is_bullet(following.text) or _indent(text, following.start) < indent:
                break
            end = following.end
        blocks.append(((lines[index].start, end), ref))
    return blocks


def _indent(text: str, start: int) -> int:
    return start - (text.rfind("\n", 0, start) + 1)


def _is_bullet(text: str) -> bool:
    return bool(re.match(r"^\s*([•・\-*+]|\d+[.)])", text))


def _intro_end(lines) -> int:
    """End of the opening paragraph, where writers introduce themselves and their work."""
    return lines[min(2, len(lines) - 1)].end if lines else 0


def use_candidates(doc: Doc, mentions: list[tuple[Span, EntityRef]], author_orgs: list[EntityRef],
                   talks: list[tuple[Span, EntityRef]], talk_found: list[FoundRelation],
                   parse: Callable[[str, tuple[int, int], list[Span]], list[Span | None]]) -> list[UseCandidate]:
    """Every (company, service or technology) pair a sentence could be saying is used, with its features.

    A pair comes from a sentence naming both with a use cue, a case-study block headed by the
    company, a talk the company gives, or the writer's own company; its features say how, and
    what the sentence says around the object (a use cue, a move away from it, a rejection, a plan)."""
    text = view_of(doc).text
    sections = _talk_sections(doc, talks)
    talk_starts = [start for start, _, _ in sections]
    owners = {r.s.key: r.o for r in talk_found if r.p == "presentedBy" and r.method == "title" and not _is_aws(r.o)}
    presenters: dict[str, list[EntityRef]] = {}
    aws_talks = set()
    for r in talk_found:
        if r.p == "presentedBy" and r.o.type == "Company":
            if _is_aws(r.o):
                aws_talks.add(r.s.key)
            elif r.o not in presenters.setdefault(r.s.key, []):
                presenters[r.s.key].append(r.o)
    blocks = _company_blocks(doc, mentions, talk_starts) + _topic_blocks(doc, mentions)
    owned_talks, presented = [], []
    for start, end, talk in sections:
        owner = owners.get(talk.key)
        if owner is not None:
            owned_talks.append(((start, end), owner))
            if CASE_STUDY_TITLE.search(talk.name):
                blocks.append(((start, end), owner))
        for company in presenters.get(talk.key, []):
            presented.append(((start, end), company, talk))
    parts = _speaker_parts(doc, talks, mentions)
    code = [(b.start, b.end) for b in (doc._.graphbuild_blocks or []) if b.kind == "code"]
    title = doc._.graphbuild_title or text[:text.find("\n")]
    # what kind of post it is: a story of the writer's own system, or a report of others' talks
    post = {"post_own_system": float(bool(OWN_SYSTEM_TITLE.search(title))), "post_has_talks": float(bool(talks))}
    candidates: dict[tuple[str, str], UseCandidate] = {}
    we_paragraph, we_index = -1, -10
    intro_end = _intro_end(view_of(doc).lines)
    for index, (start, end) in enumerate(view_of(doc).sentences):
        sentence = text[start:end]
        paragraph = text.rfind("\n\n", 0, start)
        carried = (we_paragraph == paragraph and index - we_index <= CARRY_SENTENCES
                   and not _is_bullet(sentence) and not FIRST_PERSON.search(sentence))
        first_person = bool(FIRST_PERSON.search(sentence))
        if first_person:
            we_paragraph, we_index = paragraph, index
        inside = _starting_in(mentions, start, end)
        objects = [(s, r) for s, r in inside if r.type in ("Service", "Technology")
                   and not any(a <= s.start_char < b for a, b in code)]
        if not objects:
            continue
        company_spans = [(s, r) for s, r in inside if r.type == "Company" and not _is_aws(r)]
        cued = any(c in sentence for c in USE_CUES)
        sources: list[tuple[EntityRef, str]] = []
        if company_spans:
            sources += [(r, "sentence" if cued else "sentence-uncued") for _, r in company_spans]
        sources += [(owner, "case-study") for (bs, be), owner in blocks if bs <= start < be]
        sources += [(owner, "own-talk") for (bs, be), owner in owned_talks if bs <= start < be]
        for (bs, be), company, talk in presented:
            if bs <= start < be and _in_own_part(parts.get(talk.key, []), company, start):
                # a keynote's guests speak for a few minutes of it: their company is no presenter of the rest
                method = "presenter-keynote" if KEYNOTE.search(talk.name) else \
                    "presenter-aws" if talk.key in aws_talks else "presenter"
                sources.append((company, method))
        for org in author_orgs:
            if cued and (first_person or start < intro_end):
                sources.append((org, "first-person"))
            elif carried:
                sources.append((org, "first-person-paragraph"))
            else:
                sources.append((org, "writer"))
        if not sources:
            continue
        shared = _sentence_features(sentence, cued, first_person, len(company_spans))
        shared.update({k: v for k, v in post.items() if v})
        if any(bs <= start < be for bs, be, _ in sections):
            shared["in_talk"] = 1.0
        for span, obj in objects:
            features = dict(shared)
            features.update(_object_features(text, span, mentions, (start, end)))
            if obj.type == "Technology":
                features["object_technology"] = 1.0
            if fold(obj.name) in fold(title) or fold(span.text) in fold(title):
                features["object_in_title"] = 1.0
            parse_methods = {m for _, m in sources} & {"sentence", "first-person", "first-person-paragraph"}
            if parse_methods and not features.get("negated"):
                parsed = parse(text, (start, end), [span] + [s for s, _ in company_spans])
                if parsed[0] is not None:
                    if _negated_by_parse(parsed[0]):
                        features["negated_by_parse"] = 1.0
                    if company_spans and _done_by_someone_else(parsed[0], [s for s in parsed[1:] if s is not None]):
                        features["someone_else"] = 1.0
                    if _used_by_its_verb(parsed[0]):
                        features["use_verb"] = 1.0
            for subject, method in sources:
                if subject.key == obj.key:
                    continue
                key = (subject.key, obj.key)
                candidate = candidates.get(key)
                if candidate is None:
                    candidate = candidates[key] = UseCandidate(subject, obj, start, end, method, {})
                candidate.add(method, features)
    return list(candidates.values())


def _starting_in(mentions: list[tuple[Span, EntityRef]], start: int, end: int) -> list[tuple[Span, EntityRef]]:
    """The mentions (sorted by offset, as `collect_mentions` gives them) that start in [start, end)."""
    lo = bisect_left(mentions, start, key=lambda m: m[0].start_char)
    hi = bisect_left(mentions, end, key=lambda m: m[0].start_char)
    return mentions[lo:hi]


def _is_aws(ref: EntityRef) -> bool:
    """AWS and its local arms describe their own products; that is not a customer using them."""
    return ref.key in AWS_ITSELF or "amazonwebservices" in fold(ref.name) or "アマゾンウェブサービス" in fold(ref.name)


def _alone_on_line(text: str, span: Span) -> bool:
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    line_end = len(text) if line_end < 0 else line_end
    rest = (text[line_start:span.start_char] + text[span.end_char:line_end]).strip()
    return rest in ("", "様", "株式会社", "(株)", "の事例", "事例", "さん")
