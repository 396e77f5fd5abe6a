"""Shared fixtures: the ja_ginza pipeline (loaded once per session) and the shared seeds and gold."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "eval" / "gold"

# Builds in tests start no build daemon (each would keep a model loaded for half an hour in the
# background); tests/test_daemon.py turns it on for the builds it runs and stops what they start.
os.environ["GRAPHBUILD_DAEMON"] = "off"


@pytest.fixture(scope="session")
def nlp():
    from graphbuild.nlp.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def vocabulary():
    from graphbuild.nlp.vocabulary import Vocabulary

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
    from graphbuild.build.job import build

    out = tmp_path_factory.mktemp("seeds-out")
    return build([shared_seeds[0]], out, nlp=nlp, progress=False), out


@pytest.fixture(scope="session")
def sample_build(nlp, tmp_path_factory):
    from graphbuild.build.job import build

    out = tmp_path_factory.mktemp("sample-out")
    return build(None, out, nlp=nlp, progress=False), out


def make_doc(nlp, text: str):
    """Run the whole pipeline on a string, as `build` does for a post."""
    from graphbuild.ingest.posts import document_from_text
    from graphbuild.nlp.pipeline import process_one

    document = document_from_text(text)
    return document, process_one(nlp, document)


ARTIFACTS = REPO / "test-artifacts"  # screenshots and other files a reader of a CI run looks at
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright; skipped when absent, a failure in CI."""
    import shutil

    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def chromium_page(browser):
    """A page that records console errors, page errors, alerts and every request that is not a local file
    (those are blocked): `page.errors`, `window.__alerts`, `page.requests_out`."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.errors, page.requests_out = [], []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            page.requests_out.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.add_init_script("window.__alerts = []; window.alert = window.confirm = window.prompt ="
                         " function (m) { window.__alerts.push(String(m)); };")
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: (page.errors.append("dialog: " + d.message), d.dismiss()))
    try:
        yield page
    finally:
        context.close()
