"""Regenerate graphbuild/nlp/data/vocabulary.jsonl and graphbuild/graph/ontology/aws-services.ttl.

Sources: botocore's service models (every AWS service with an API: full name,
abbreviation, service id, client name) and the curated TOML files in
graphbuild/nlp/data/curated/ (products without an API, Japanese spellings, abbreviations,
companies, technologies, events).  Run after upgrading botocore or editing a
curated file:

    python scripts/build_vocabulary.py
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

from botocore.loaders import Loader
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "graphbuild" / "graph" / "ontology"
VOCABULARY = ROOT / "graphbuild" / "nlp" / "data"  # vocabulary.jsonl and the curated/ files it is made from
sys.path.insert(0, str(ROOT))
from graphbuild.nlp.normalize import fold  # noqa: E402
from graphbuild.nlp.entities import slug  # noqa: E402
from graphbuild.graph.namespace import GB, ID  # noqa: E402

PREFIX = re.compile(r"^(Amazon|AWS)\s+")
VERSION = re.compile(r"\s*(V\d+|v\d+)$")


def botocore_services() -> list[dict]:
    loader = Loader()
    services = []
    for client in sorted(loader.list_available_services("service-2")):
        meta = loader.load_service_model(client, "service-2")["metadata"]
        services.append({"client": client, "full": meta.get("serviceFullName") or "",
                         "abbr": meta.get("serviceAbbreviation") or "", "sid": meta.get("serviceId") or ""})
    return services


def display_name(full: str) -> str:
    """A reader's name for a botocore full name: "AWSServerlessApplicationRepository" is
    "AWS Serverless Application Repository", "AWSKendraFrontendService" "AWS Kendra"."""
    if full.endswith("SageMaker Service"):
        return full[: -len(" Service")]
    m = re.fullmatch(r"(AWS|Amazon)([A-Z][A-Za-z0-9]+)", full)
    if not m:
        return full
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", m.group(2))
    words = ["API" if w == "Api" else w for w in words]
    if words[-2:] == ["Frontend", "Service"]:
        words = words[:-2]
    return " ".join([m.group(1), *words])


def bare_forms(name: str) -> list[str]:
    """'Amazon Simple Queue Service' -> itself, 'Simple Queue Service', 'AWS Simple Queue Service'."""
    name = VERSION.sub("", name.strip())
    bare = PREFIX.sub("", name)
    return [name, bare, f"Amazon {bare}", f"AWS {bare}"]


def service_entries(curated: dict) -> list[dict]:
    needs_prefix = {fold(w) for w in curated.pop("_bare_needs_prefix")["words"]}
    in_japanese = {fold(w) for w in curated.pop("_bare_in_japanese")["words"]}
    entries: dict[str, dict] = {}
    for svc in botocore_services():
        client = svc["client"]
        labels, exact, ja_bare = [], [], []
        for raw in (svc["full"], svc["abbr"], svc["sid"]):
            if not raw:
                continue
            for form in bare_forms(raw):
                if " " not in form and fold(form) in needs_prefix:
                    cased = form[:1].upper() + form[1:]  # as a writer capitalises it ("kendra" is the service id)
                    if fold(form) in in_japanese and cased not in ja_bare:
                        ja_bare.append(cased)
                    continue
                if len(form) < 4:
                    continue  # "MQ", "RAM", "PI": too short to trust unless curated
                (exact if form.isupper() and len(form) <= 5 else labels).append(form)
        entries[client] = {"id": f"svc:{client}", "type": "Service", "name": display_name(svc["full"]),
                           "boto": client, "labels": labels, "exact": exact, "source": "botocore"}
        if ja_bare:
            entries[client]["ja_bare"] = ja_bare
    for key, extra in curated.items():
        entry = entries.setdefault(key, {"id": f"svc:{key}", "type": "Service", "name": extra.get("name", key),
                                         "labels": [], "exact": [], "source": "curated"})
        if "name" in extra:
            entry["name"] = extra["name"]
        if "boto" in extra:
            entry["boto"] = extra["boto"]
        if "broader" in extra:
            entry["broader"] = f"svc:{extra['broader']}"
        if "ja" in extra:
            entry["ja"] = extra["ja"]
        entry["labels"] = list(extra.get("labels", [])) + [entry["name"]] + entry["labels"]
        entry["exact"] = list(extra.get("exact", [])) + entry["exact"]
        if extra.get("context"):
            entry["context"] = list(extra["context"])
        entry["curated"] = True
    return list(entries.values())


def simple_entries(path: Path, type_: str, prefix: str) -> list[dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    exact = {fold(x) for x in data.get("exact", [])}
    out = []
    for name, aliases in data["entries"].items():
        labels = [name, *aliases]
        out.append({"id": f"{prefix}:{slug(name)}", "type": type_, "name": name,
                    "labels": [x for x in labels if fold(x) not in exact],
                    "exact": [x for x in labels if fold(x) in exact], "source": "curated", "curated": True})
    return out


def event_entries(path: Path) -> list[dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for key, series in data.items():
        entry = {"id": f"evt:{key}", "type": "Event", "name": series["name"], "labels": series["labels"],
                 "exact": [], "source": "curated", "curated": True, "dated": bool(series.get("dated"))}
        for field in ("cities", "default_city"):
            if field in series:
                entry[field] = series[field]
        out.append(entry)
    return out


DATA = ROOT.parent / "shared" / "data"  # reference name lists (see its README for sources and licences)
LABEL_SUFFIX = re.compile(r"\s*\((?:member|Zenn Publication|Wasm|[^)]*Publication|[^)]*Blog)\)\s*$", re.IGNORECASE)
NOT_A_NAME = re.compile(r"\bteam\b|チーム|部$|事業部|Blog|ブログ", re.IGNORECASE)


def risky(name: str) -> bool:
    """Names that are also ordinary words or too short to trust folded ("Go", "Nature", "PLAY"):
    matched only as written."""
    return len(name) <= 4 or (name.isalpha() and name.isascii() and " " not in name)


def common_word(name: str) -> bool:
    """Sudachi reads the name as an ordinary word it knows ("Architect" アーキテクト, "Harbor" ハーバー):
    in a Japanese post it is that word far more often than the product."""
    from sudachipy import dictionary, tokenizer

    global _SUDACHI
    if _SUDACHI is None:
        _SUDACHI = dictionary.Dictionary().create(tokenizer.Tokenizer.SplitMode.C)
    morphemes = _SUDACHI.tokenize(name)
    return len(morphemes) == 1 and morphemes[0].part_of_speech()[1] == "普通名詞" and bool(
        re.fullmatch(r"[\u30a0-\u30ff]+", morphemes[0].reading_form()))


_SUDACHI = None


def data_entries(path: Path, type_: str, prefix: str, source: str, rows, skip: set[str]) -> list[dict]:
    """Entries from a reference list; the curated files win where both name a thing (see `dedupe_labels`)."""
    out = {}
    for name in rows:
        name = LABEL_SUFFIX.sub("", name).strip()
        if not name or PREFIX.match(name) or NOT_A_NAME.search(name) or len(name) < 3 or fold(name) in skip:
            continue
        if " " not in name and common_word(name):
            continue
        key = f"{prefix}:{slug(name)}"
        entry = out.setdefault(key, {"id": key, "type": type_, "name": name, "labels": [], "exact": [],
                                     "source": source})
        (entry["exact"] if risky(name) else entry["labels"]).append(name)
    return list(out.values())


def reference_entries() -> list[dict]:
    """Technologies from ../shared/data: the CNCF landscape's projects and products, GitHub linguist's
    languages.  Absent folder: none.  (Its company lists, CNCF members and Japanese tech blogs, cost
    more precision than they gave recall on the development corpora: measured, left out.)"""
    if not DATA.is_dir():
        return []
    def rows(name: str) -> list[dict]:
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]
    skip = {fold(x) for x in tomllib.loads((VOCABULARY / "curated" / "technologies.toml").read_text(
        encoding="utf-8")).get("not_from_reference_lists", [])}
    cncf = rows("cncf-landscape.tsv")
    languages = [r for r in rows("linguist-languages.tsv") if r["type"] in ("programming", "markup", "data")]
    return (data_entries(DATA, "Technology", "tech", "cncf-landscape",
                         [r["name"] for r in cncf if r["category"] != "CNCF Members"], skip)
            + data_entries(DATA, "Technology", "tech", "github-linguist", [r["name"] for r in languages], skip))


def dedupe_labels(entries: list[dict]) -> None:
    """Give each folded spelling to one entry: curated entries first, then shorter client names."""
    owner: dict[str, str] = {}
    order = sorted(entries, key=lambda e: (not e.get("curated"), len(e.get("boto", "")), e["id"]))
    for entry in order:
        for field in ("labels", "exact"):
            kept = []
            for label in entry[field]:
                key = (field == "exact", label if field == "exact" else fold(label))
                if not entry.get("curated") and any(owner.get(k, entry["id"]) != entry["id"]
                                                    for k in ((False, fold(label)), (True, label))):
                    continue  # a reference list never takes a spelling a curated or earlier entry has
                if owner.setdefault(key, entry["id"]) == entry["id"] and label not in kept:
                    kept.append(label)
                    owner.setdefault((False, fold(label)), entry["id"])
            entry[field] = kept


def write_skos(services: list[dict], path: Path) -> None:
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("gb", GB)
    g.bind("svc", ID["service/"])
    scheme = URIRef(ID + "scheme/aws-services")
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal("AWS services", lang="en")))
    g.add((scheme, SKOS.prefLabel, Literal("AWS のサービス", lang="ja")))
    for e in services:
        node = URIRef(ID + "service/" + e["id"].split(":", 1)[1])
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, scheme))
        g.add((node, SKOS.prefLabel, Literal(e["name"], lang="en")))
        g.add((node, SKOS.prefLabel, Literal(e.get("ja") or e["name"], lang="ja")))
        for label in e["labels"] + e["exact"]:
            if label != e["name"]:
                lang = "ja" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", label) else "en"
                g.add((node, SKOS.altLabel, Literal(label, lang=lang)))
        if e.get("boto"):
            g.add((node, GB.botoClient, Literal(e["boto"])))
        if e.get("broader"):
            g.add((node, SKOS.broader, URIRef(ID + "service/" + e["broader"].split(":", 1)[1])))
        else:
            g.add((node, SKOS.topConceptOf, scheme))
    path.write_text(g.serialize(format="turtle"), encoding="utf-8")


def main() -> None:
    curated = tomllib.loads((VOCABULARY / "curated" / "services.toml").read_text(encoding="utf-8"))
    services = service_entries(curated)
    entries = (services
               + simple_entries(VOCABULARY / "curated" / "companies.toml", "Company", "org")
               + simple_entries(VOCABULARY / "curated" / "technologies.toml", "Technology", "tech")
               + event_entries(VOCABULARY / "curated" / "events.toml"))
    curated_ids = {e["id"] for e in entries}
    entries += [e for e in reference_entries() if e["id"] not in curated_ids]
    dedupe_labels(entries)
    entries = [e for e in entries if e["labels"] or e["exact"]]
    entries.sort(key=lambda e: e["id"])
    with open(VOCABULARY / "vocabulary.jsonl", "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")
    write_skos([e for e in entries if e["type"] == "Service"], ONTOLOGY / "aws-services.ttl")
    print(f"{len(entries)} entries ({len(services)} services) -> graphbuild/nlp/data/vocabulary.jsonl, graphbuild/graph/ontology/aws-services.ttl")


if __name__ == "__main__":
    main()
