"""Shared fixtures: the ja_ginza pipeline (loaded once per session) and the shared seeds and gold."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "eval" / "gold"


@pytest.fixture(scope="session")
def nlp():
    from graphbuild.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def vocabulary():
    from graphbuild.vocabulary import Vocabulary

    return Vocabulary.load()


@pytest.fixture(scope="session")
def shared_seeds() -> tuple[Path, Path]:
    """The seeds and gold next to the repository; skipped when absent, a failure in CI."""
    if not (SEEDS.is_dir() and GOLD.is_dir()):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared seeds and gold at {SHARED}")
        pytest.skip("../shared/seeds and ../shared/eval/gold are not next to this checkout")
    return SEEDS, GOLD


@pytest.fixture(scope="session")
def seeds_build(nlp, shared_seeds, tmp_path_factory):
    """The seeds built once: (report, out_dir)."""
    from graphbuild.build import build

    out = tmp_path_factory.mktemp("seeds-out")
    return build([shared_seeds[0]], out, nlp=nlp, progress=False), out


@pytest.fixture(scope="session")
def sample_build(nlp, tmp_path_factory):
    from graphbuild.build import build

    out = tmp_path_factory.mktemp("sample-out")
    return build(None, out, nlp=nlp, progress=False), out


def make_doc(nlp, text: str):
    """Run the whole pipeline on a string, as `build` does for a post."""
    from graphbuild.ingest import document_from_text
    from graphbuild.nlp import process_one

    document = document_from_text(text)
    return document, process_one(nlp, document)
