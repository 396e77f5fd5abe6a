"""Structural patterns that find entities no vocabulary lists: @handles, company forms,
"Amazon X" names missing from the catalogue, and dated conference names.

Each rule gives (start, end, type, name) where `name` is the canonical spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleMatch:
    start: int
    end: int
    type: str
    name: str
    rule: str


_NAME_CHARS = r"A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff々ー・&'\.\-"
# legal forms of Japanese organisations ("株式会社X", "X合同会社", "(株)X")
COMPANY_FORM = r"(?:株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|\(株\)|（株）|㈱|\(有\)|（有）)"
HANDLE = re.compile(r"(?<![A-Za-z0-9_.])@([A-Za-z0-9_][A-Za-z0-9_\-]{1,38}[A-Za-z0-9_])")
# a company form and its name share a line ("...基盤\n株式会社X" is a title, then a speaker's company)
# hiragana may open a name ("株式会社ぐるなび"); where the name ends is decided on the tokens (vocabulary_ruler)
COMPANY_PREFIXED = re.compile(r"(?<![" + _NAME_CHARS + r"])" + COMPANY_FORM
                              + r"[ \u3000]?(?![のはがをにでともへや])([" + _NAME_CHARS + r"\u3040-\u309f]{2,30})")
COMPANY_SUFFIXED = re.compile(r"(?<![" + _NAME_CHARS + r"])([" + _NAME_CHARS + r"]{1,30}?)[ \u3000]?" + COMPANY_FORM)
CANDIDATE_SERVICE = re.compile(r"(?<![A-Za-z0-9])(?:Amazon|AWS)[ \u00a0]?((?:[A-Z][A-Za-z0-9]*|[0-9]+)(?:[ \u00a0][A-Z][A-Za-z0-9]+){0,3})")
_EVENT_WORD = r"(?:Conf|Conference|Fest|Festival|Summit|Days?|Kaigi|Camp|Meetup|Forum|Expo|Week|Talks)"
EVENT_DATED = re.compile(r"(?<![A-Za-z])((?:[A-Z][A-Za-z0-9.:]*[ \u00a0]){0,4}[A-Z]?[A-Za-z]*" + _EVENT_WORD
                         + r"(?:[ \u00a0]in[ \u00a0][A-Z][a-z]+(?:[ \u00a0][A-Z][a-z]+)?)?)[ \u00a0]?((?:19|20)\d\d)(?!\d)")
EVENT_NUMBERED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9\-]{2,30}\.(?:tokyo|osaka|nagoya|fukuoka|jp|dev|io|org))[ \u00a0]?#(\d{1,3})(?!\d)")
# "湾岸クラウド勉強会 #3", "JAWS-UG サーバーレス支部 #8", "Serverless Meetup Fukuoka #8": a numbered community event
_EVENT_NAME_CHARS = r"A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff々ー\-:."
_COMMUNITY_WORD = (r"(?:勉強会|Meetup|meetup|ミートアップ|Night|ナイト|支部|LT会|もくもく会|Festa|FESTA|Days|Conf|Online|Study|"
                   r"Seminar|セミナー|ハンズオン|Talks|Kaigi|re:Cap|Cafe|カフェ|祭り?|Summit|Meeting|ミーティング|Workshop)")
EVENT_COMMUNITY = re.compile(r"(?<![" + _EVENT_NAME_CHARS + r"])((?:[" + _EVENT_NAME_CHARS + r"]+[ \u3000]?){0,4}?"
                             + r"[" + _EVENT_NAME_CHARS + r"]*" + _COMMUNITY_WORD
                             + r"(?:[ \u3000][A-Za-z][A-Za-z]+){0,2}(?:[ \u3000]?(?:19|20)\d\d)?)[ \u3000]?#(\d{1,3})(?!\d)"
                             + r"(?:[ \u3000]?([〜~～][^〜~～\n]{1,30}[〜~～]))?")  # "#12 〜re:Invent 2024 ふりかえり〜"
# words that follow "AWS" but do not make a product name
NOT_PRODUCTS = {"the", "and", "for", "on", "in", "of", "to", "is", "a", "an", "blog", "japan", "partner",
                "partner network", "summit", "re", "console", "account", "team", "user", "users", "sdk",
                "cli", "docs", "documentation", "whitepaper", "region", "certified", "jp", "official",
                "support", "tokyo"}
# first words that make "AWS X" a job title, a programme or a place, not a product: "AWS CEO", "AWS Builders' Fair"
NOT_PRODUCT_WORDS = {"ceo", "cto", "cio", "cfo", "coo", "vp", "svp", "evp", "api", "apis", "account", "builder", "builders",
                     "village", "community", "hero", "heroes", "ambassador", "ambassadors", "japan", "partner", "partners",
                     "team", "booth", "expo", "jam", "gameday"}


# words that end an AWS product's name rather than extend it ("Amazon ECS Best Practices", "S3 Bucket", "EKS GA"):
# a product name followed by capitalised words names its feature ("S3 Metadata") unless they are these
NOT_FEATURE_WORDS = {"and", "or", "with", "for", "on", "in", "of", "to", "the", "a", "an", "is", "vs", "via", "from", "by",
                     "best", "practice", "practices", "deep", "dive", "workshop", "session", "sessions", "talk", "chalk",
                     "update", "updates", "overview", "intro", "introduction", "guide", "tips", "demo", "hands", "handson",
                     "console", "team", "user", "users", "group", "blog", "docs", "documentation", "pricing", "case",
                     "study", "architecture", "pattern", "patterns", "performance", "new", "launch", "preview", "ga",
                     "bucket", "buckets", "instance", "instances", "cluster", "clusters", "container", "containers",
                     "task", "tasks", "resource", "resources", "region", "regions", "account", "accounts", "endpoint", "endpoints",
                     "event", "events", "log", "logs", "metrics", "alarm", "alarms", "dashboard", "policy",
                     "policies", "role", "roles", "template", "templates", "stack", "stacks", "job", "jobs",
                     "support", "whitepaper", "certified", "summit", "day", "days", "week", "night", "meetup",
                     "japan", "tokyo", "osaka", "online", "live", "keynote", "lt", "q&a", "faq", "part", "vol"}
# words that name a feature only after another word ("Lambda Runtime API", "ECS Service Connect"; not "S3 API")
NOT_FEATURE_ALONE = {"api", "apis", "sdk", "cli", "service", "services", "function", "functions", "table", "data", "agent"}


def find_rule_matches(text: str) -> list[RuleMatch]:
    """All structural matches in `text`, in text order (they may overlap each other)."""
    found: list[RuleMatch] = []
    for m in HANDLE.finditer(text):
        found.append(RuleMatch(m.start(), m.end(), "Person", m.group(1), "handle"))
    for pattern in (COMPANY_PREFIXED, COMPANY_SUFFIXED):
        for m in pattern.finditer(text):
            name = m.group(1).strip("・.-")
            if len(name) >= 1:
                found.append(RuleMatch(m.start(), m.end(), "Company", name, "company-form"))
    for m in CANDIDATE_SERVICE.finditer(text):
        first = m.group(1).split()[0].lower().rstrip("'’s")
        if m.group(1).lower() not in NOT_PRODUCTS and first not in NOT_PRODUCT_WORDS and not m.group(1).isdigit():
            found.append(RuleMatch(m.start(), m.end(), "Service", m.group(0).replace("\u00a0", " "), "amazon-name"))
    for m in EVENT_DATED.finditer(text):
        name = f"{m.group(1).strip()} {m.group(2)}".replace("\u00a0", " ")
        found.append(RuleMatch(m.start(), m.end(), "Event", name, "event-name"))
    for m in EVENT_NUMBERED.finditer(text):
        found.append(RuleMatch(m.start(), m.end(), "Event", f"{m.group(1)} #{m.group(2)}", "event-number"))
    for m in EVENT_COMMUNITY.finditer(text):
        name = " ".join(f"{m.group(1)} #{m.group(2)} {m.group(3) or ''}".split())
        found.append(RuleMatch(m.start(), m.end(), "Event", name, "event-number"))
    return sorted(found, key=lambda r: (r.start, -r.end))
