"""A user's own services, companies and technologies, added to the shipped vocabulary.

The file is TOML with one table per type, each mapping a canonical name to its other
spellings (the curated files' format)::

    [companies]
    "ホシゾラ物流" = ["ホシゾラ", "Hoshizora Logistics"]
    [technologies]
    "Sakura DB" = []
    [services]
    "Amazon Foo" = ["Foo"]

`with_user_vocabulary` writes the shipped entries plus these into one vocabulary file named
by its content, so every executor loads the same terms and the build cache keys on them.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import tomllib
from pathlib import Path

from graphbuild.nlp.entities import KEY_PREFIX, slug
from graphbuild.errors import InputError
from graphbuild.nlp.vocabulary import DEFAULT_PATH

TABLES = {"services": "Service", "companies": "Company", "technologies": "Technology", "events": "Event"}


def user_entries(path: str | Path) -> list[dict]:
    """The vocabulary entries a user's TOML file defines; `InputError` names the file and the problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError(path, "no such vocabulary file") from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot be read ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise InputError(path, f"is not valid TOML ({e})") from e
    unknown = set(data) - set(TABLES)
    if unknown:
        raise InputError(path, f"has tables {sorted(unknown)}; a vocabulary file has {sorted(TABLES)}")
    entries = []
    for table, type_ in TABLES.items():
        for name, aliases in data.get(table, {}).items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise InputError(path, f"[{table}] {name!r}: other spellings must be a list of strings")
            entries.append({"id": f"{KEY_PREFIX[type_]}:{slug(name)}", "type": type_, "name": name,
                            "labels": [name, *aliases], "exact": [], "source": f"user:{path.name}"})
    return entries


def with_user_vocabulary(path: str | Path, shipped: str | Path = DEFAULT_PATH) -> str:
    """The path of a vocabulary file holding the shipped terms and the user's (theirs win a shared id)."""
    added = user_entries(path)
    ids = {e["id"] for e in added}
    lines = [line for line in Path(shipped).read_text(encoding="utf-8").splitlines()
             if line.strip() and json.loads(line)["id"] not in ids]
    lines += [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in added]
    content = "\n".join(lines) + "\n"
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"graphbuild-vocabulary-{digest}.jsonl"
    if not target.exists():
        partial = target.with_suffix(f".{digest}.tmp")
        partial.write_text(content, encoding="utf-8")
        partial.replace(target)
    return str(target)
