"""A build's outputs switched in one step: the old set or the new set, never a mix.

Each build writes a new generation, `OUT/.generations/<id>/` (graph.ttl, graph.html,
extractions/), then points the link `OUT/.current` at it with one rename.  `OUT/graph.ttl`,
`OUT/graph.html` and `OUT/extractions` are fixed links through `.current`, so every reader
(and a build killed at any point) sees one whole generation.  The previous generation is
kept until the next switch, for readers that were in the middle of it.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

GENERATIONS = ".generations"
CURRENT = ".current"
OUTPUT_NAMES = ("graph.ttl", "graph.trig", "graph.html", "extractions")


def new_generation(out: str | os.PathLike) -> Path:
    """An empty folder for the next generation of `out`'s outputs (with its `extractions/`)."""
    gen = Path(out) / GENERATIONS / f"{time.time_ns():x}-{os.getpid()}"
    (gen / "extractions").mkdir(parents=True)
    return gen


def current_generation(out: str | os.PathLike) -> Path | None:
    """The generation `out` shows now, or None (no build yet, or one from before generations)."""
    link = Path(out) / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    gen = Path(out) / target
    return gen if gen.is_dir() else None


def publish(out: str | os.PathLike, gen: Path) -> None:
    """Make `gen` the outputs of `out` in one step, then remove the generations older than the one it replaces."""
    out = Path(out)
    previous = current_generation(out)
    _replace_with_link(out / CURRENT, f"{GENERATIONS}/{gen.name}")
    _sync_folder(out)
    for name in OUTPUT_NAMES:  # the fixed links: made once (or replacing the files of an older graphbuild)
        link = out / name
        wanted = f"{CURRENT}/{name}"
        if not (link.is_symlink() and os.readlink(link) == wanted):
            _replace_with_link(link, wanted)
    keep = {gen.name, previous.name if previous else None}
    for old in (out / GENERATIONS).iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def discard(gen: Path) -> None:
    """Remove a generation that was never published (a failed build)."""
    shutil.rmtree(gen, ignore_errors=True)


def sweep(out: str | os.PathLike) -> None:
    """Remove what killed builds left: every generation but the current one, and half-made links
    (call under the build lock, so that no other build is writing one)."""
    out = Path(out)
    current = current_generation(out)
    if (out / GENERATIONS).is_dir():
        for gen in (out / GENERATIONS).iterdir():
            if current is None or gen.name != current.name:
                shutil.rmtree(gen, ignore_errors=True)
    for stale in out.glob(".*.link.tmp"):
        stale.unlink(missing_ok=True)


def _replace_with_link(path: Path, target: str) -> None:
    """Put a link to `target` where `path` is, in one rename (a real folder there is moved away first)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():  # outputs of a graphbuild from before generations
        old = path.with_name(f".{path.name}.{os.getpid()}.old")
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(tmp, path)


def _sync_folder(folder: Path) -> None:
    """Wait for the disk to have the switch (a power cut after it must not undo it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
