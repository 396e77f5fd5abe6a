"""The `graphbuild` command: parses arguments, calls the library, turns its errors into messages."""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from graphbuild.util.display_text import printable
from graphbuild.errors import GraphbuildError


@click.group()
@click.version_option(package_name="graphbuild")
def main() -> None:
    """Build a knowledge graph of talks, companies and AWS services from Japanese posts."""


_finished = {"build": False}  # a build ran to its end: the command may exit without freeing its heap


def entry_point() -> None:
    """The `graphbuild` console script: `main`, and after a finished build an exit that does not
    free the kept graph's millions of objects one by one (a third of a second for 100 posts)."""
    try:
        main()
    except SystemExit as e:
        if not _finished["build"]:
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(e.code if isinstance(e.code, int) else 0 if e.code is None else 1)


def _fail(e: Exception | str) -> None:
    click.echo(f"graphbuild: error: {printable(str(e))}", err=True)
    sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
              help="Folder for graph.ttl, graph.html and extractions/.")
@click.option("--strict", is_flag=True, help="Stop at the first post that cannot be read.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (or Dask workers) for the NLP.  [default: every core]")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run the per-post NLP here (local) or on Dask distributed.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --executor dask: the scheduler to use (default: a LocalCluster of --jobs workers).")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of cached extractions.  [default: OUT/.graphbuild-cache]")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=None,
              help="Also keep the graph in this pyoxigraph store folder (for `query --store` and `serve --store`).")
@click.option("--timings", is_flag=True, help="Print the seconds each stage took and the peak memory.")
@click.option("--watch", is_flag=True,
              help="Keep running with the pipeline loaded; rebuild when a post is added, changed or removed.")
@click.option("--interval", default=2.0, show_default=True, help="With --watch: seconds between looks at PATHS.")
@click.option("--follow-links", is_flag=True, help="Also read links in the given folders that lead out of them.")
@click.option("--no-wait", is_flag=True, help="Stop with a message when another build is writing OUT (default: wait).")
@click.option("--cache-limit", "cache_limit_mb", type=click.IntRange(min=1), default=2048, show_default=True,
              help="MB the cache may keep of the entries of the last builds.")
@click.option("--vocabulary", "vocabulary_file", type=click.Path(path_type=Path), default=None,
              help="A TOML file of your own services, companies and technologies, added to the shipped vocabulary.")
@click.option("--no-daemon", is_flag=True,
              help="Neither use nor start the build daemon that keeps the pipeline loaded between builds "
                   "(also GRAPHBUILD_DAEMON=off).")
def build(paths: tuple[Path, ...], out_dir: Path, strict: bool, quiet: bool, jobs: int | None, executor: str,
          scheduler: str | None, cache_dir: Path | None, store_dir: Path | None, timings: bool, watch: bool,
          interval: float, follow_links: bool, no_wait: bool, cache_limit_mb: int, vocabulary_file: Path | None,
          no_daemon: bool) -> None:
    """Build the graph of PATHS (files or folders); the bundled sample corpus when none are given.

    Posts whose text and pipeline have not changed since the last build come from the cache, and
    the last build's graph is kept there too: only the changed posts are taken out and put back.
    A build daemon keeps the pipeline loaded for the next builds (`graphbuild daemon --help`)."""
    if not watch and store_dir is None and vocabulary_file is None:
        from graphbuild.build.state import up_to_date

        last = up_to_date(paths, out_dir, cache_dir, strict=strict)
        if last is not None:  # nothing to do: the model is not loaded, the outputs stay as they are
            click.echo(f"{last['posts']} posts unchanged since the last build, {len(last['skipped'])} skipped, "
                       f"{last['triples']} triples -> {out_dir}")
            return
    from graphbuild.build import daemon
    from graphbuild.build.executors import default_jobs, open_executor, start_workers_early
    from graphbuild.build.state import CACHE_DIR

    use_daemon = not (watch or no_daemon) and executor == "local" and jobs is None
    if not watch and executor == "local" and jobs is None and not (
            use_daemon and daemon.running(cache_dir or out_dir / CACHE_DIR)):
        start_workers_early()  # posts to extract go to worker processes, whose server imports spaCy meanwhile
    from graphbuild.build.job import build as run_build

    if scheduler is not None and executor != "dask":
        _fail(f"--scheduler {scheduler} needs --executor dask (the local executor has no scheduler)")
    pipeline = _pipeline(vocabulary_file)
    options = dict(strict=strict, progress=not quiet, cache_dir=cache_dir, store_dir=store_dir,
                   follow_links=follow_links, wait=not no_wait, cache_limit=cache_limit_mb << 20, daemon=use_daemon)
    if watch and store_dir is None:
        from graphbuild.build.live_graph import LiveGraph

        options["live"] = LiveGraph()  # kept between rebuilds, which then redo only the changed posts' part
    with ExitStack() as keep:
        if watch and executor == "dask":  # one cluster for every rebuild
            options["executor"] = keep.enter_context(open_executor("dask", jobs or default_jobs(), scheduler))
        else:
            options.update(executor=executor, scheduler=scheduler)
        try:
            report = run_build(paths, out_dir, pipeline, jobs=jobs, **options)
        except GraphbuildError as e:
            _fail(e)
        _print_report(report, timings)
        if watch:
            _watch(paths, out_dir, interval, pipeline, options, timings, (cache_dir, store_dir), follow_links)
    _finished["build"] = not watch


@main.group("daemon")
def daemon_group() -> None:
    """The build daemon, which keeps the pipeline loaded between builds of one cache folder.

    A `graphbuild build` with posts to extract starts it (it loads while the build runs); builds
    with a post or two to extract send them to it.  It ends by itself after GRAPHBUILD_DAEMON_IDLE
    seconds without a build (1800 by default), when its cache folder is removed, or when
    graphbuild changes; GRAPHBUILD_DAEMON=off (or `build --no-daemon`) builds without one."""


def _cache_option(command):
    command = click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=None,
                           help="The build's cache folder.  [default: OUT/.graphbuild-cache]")(command)
    return click.option("-o", "--out", "out_dir", default="out", show_default=True, type=click.Path(path_type=Path),
                        help="The build's output folder.")(command)


def _ask_daemon(action: str, out_dir: Path, cache_dir: Path | None):
    """(the cache folder, what `daemon.status` or `daemon.stop` of it gives)."""
    from graphbuild.build import daemon
    from graphbuild.build.state import CACHE_DIR

    folder = cache_dir or out_dir / CACHE_DIR
    try:
        return folder, getattr(daemon, action)(folder)
    except GraphbuildError as e:
        _fail(e)


@daemon_group.command("status")
@_cache_option
def daemon_status(out_dir: Path, cache_dir: Path | None) -> None:
    """Say whether the daemon of a build's cache folder runs, and what it has done."""
    folder, info = _ask_daemon("status", out_dir, cache_dir)
    if info is None:
        click.echo(f"no build daemon runs for {printable(str(folder))}")
        return
    details = "" if "posts" not in info else (
        f": {info['posts']} posts extracted, {info['pipelines']} pipelines loaded; it ends after "
        f"{max(0, info['idle_left'])} s more without a build")
    click.echo(f"build daemon pid {info['pid']} ({info.get('state', 'ready')}) for {printable(info['cache'])}{details}")


@daemon_group.command("stop")
@_cache_option
def daemon_stop(out_dir: Path, cache_dir: Path | None) -> None:
    """End the daemon of a build's cache folder (the next build starts a new one)."""
    folder, pid = _ask_daemon("stop", out_dir, cache_dir)
    click.echo(f"stopped the build daemon (pid {pid})" if pid else f"no build daemon runs for {printable(str(folder))}")


def _print_report(report, timings: bool) -> None:
    click.echo(report.summary())
    if timings:
        import resource

        click.echo("seconds: " + ", ".join(f"{stage} {s:.2f}" for stage, s in report.seconds.items()))
        peak = {who: resource.getrusage(which).ru_maxrss / 1024 for who, which in
                (("this process", resource.RUSAGE_SELF), ("largest worker", resource.RUSAGE_CHILDREN))}
        click.echo("peak RSS MB: " + ", ".join(f"{who} {mb:.0f}" for who, mb in peak.items()))


def _pipeline(vocabulary_file: Path | None):
    """The pipeline value: the default one, or with the user's terms added to the shipped vocabulary."""
    from graphbuild.nlp.pipeline import Pipeline

    if vocabulary_file is None:
        return Pipeline()
    from graphbuild.nlp.user_vocabulary import with_user_vocabulary

    try:
        return Pipeline(vocabulary_path=with_user_vocabulary(vocabulary_file))
    except GraphbuildError as e:
        _fail(e)


def _watch(paths: tuple[Path, ...], out_dir: Path, interval: float, pipeline, options: dict, timings: bool,
           own_folders: tuple, follow_links: bool) -> None:
    """Rebuild with one loaded pipeline whenever the posts under `paths` change (and have stopped changing);
    stop with a message when a watched folder or file is gone."""
    import time

    from graphbuild.build.job import SAMPLE_CORPUS, build as run_build
    from graphbuild.build.safe_paths import snapshot_posts

    watched = list(paths) or [SAMPLE_CORPUS]
    # loaded once here; a Dask cluster loads it once per worker and is kept (options["executor"])
    nlp = pipeline if "executor" in options and not isinstance(options["executor"], str) else pipeline.load()
    snapshot = lambda: snapshot_posts(watched, out_dir, own_folders, follow_links)  # noqa: E731
    last, pending = snapshot(), None
    click.echo(f"graphbuild: watching {len(last)} posts; Ctrl-C stops", err=True)
    try:
        while True:
            time.sleep(interval)
            try:
                now = snapshot()
            except GraphbuildError as e:
                _fail(f"{e}; stopped watching (the outputs of the last build are kept)")
            if now == last or now != pending:
                pending = None if now == last else now  # rebuild once a change has held still for one interval
                continue
            last, pending = now, None
            try:
                _print_report(run_build(paths, out_dir, nlp, **options), timings)
            except GraphbuildError as e:
                click.echo(f"graphbuild: error: {printable(str(e))} (still watching)", err=True)
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--evidence", is_flag=True, help="Also print mentions and the evidence of each relation.")
@click.option("--vocabulary", "vocabulary_file", type=click.Path(path_type=Path), default=None,
              help="A TOML file of your own services, companies and technologies, added to the shipped vocabulary.")
def extract(file: Path, evidence: bool, vocabulary_file: Path | None) -> None:
    """Print one post's extraction record as JSON (the gold files' shape)."""
    from graphbuild.ingest.posts import read_document
    from graphbuild.nlp.extract import extract as run_extract
    from graphbuild.nlp.pipeline import process_one

    pipeline = _pipeline(vocabulary_file)
    try:
        document = read_document(file)
        record = run_extract(document, process_one(pipeline.load(), document), pipeline.vocabulary())
    except GraphbuildError as e:
        _fail(e)
    click.echo(json.dumps(record.to_json(evidence=evidence), ensure_ascii=False, indent=2))


@main.command()
@click.argument("graph", required=False, type=click.Path(path_type=Path))
@click.argument("query", required=False)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A saved query's parameter, e.g. service=Fargate (any spelling the vocabulary or the graph knows).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="How to print rows; CONSTRUCT and DESCRIBE print Turtle unless csv or json is asked for.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop the query after this many seconds.")
@click.option("--prefixes", "show_prefixes", is_flag=True, help="List the predefined prefixes and exit.")
@click.option("--saved", "show_saved", is_flag=True, help="List the saved queries and their parameters and exit.")
def query(graph: Path | None, query: str | None, params: tuple[str, ...], fmt: str, timeout: float | None,
          show_prefixes: bool, show_saved: bool) -> None:
    """Run a SPARQL QUERY on GRAPH (a Turtle file or a --store folder) and print the answer.

    QUERY is SPARQL text, a .rq file or the name of a saved query (see --saved).  The graph's
    prefixes (gb:, skos:, svc:, ...) are predefined.  Ctrl-C stops a running query."""
    from graphbuild.query.sparql import format_result, prefixes_text
    from graphbuild.query.process import run_query_file

    if show_prefixes:
        return click.echo(prefixes_text())
    if show_saved:
        return click.echo(_saved_queries_text())
    if graph is None or query is None:
        raise click.UsageError("give GRAPH and QUERY (or --prefixes, --saved)")
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        values[name.strip()] = value.strip()
    try:
        result = run_query_file(graph, query, values, timeout)
    except GraphbuildError as e:
        _fail(e)
    except KeyboardInterrupt:
        click.echo("graphbuild: query stopped (Ctrl-C)", err=True)
        sys.exit(130)
    text = format_result(result, fmt)
    click.echo(text, nl=not text.endswith("\n"))


def _saved_queries_text() -> str:
    from graphbuild.query.saved import saved_queries

    lines = []
    for q in saved_queries().values():
        lines.append(f"{q.name}: {q.description}")
        lines += [f"    --param {p.name}=<{p.type}>  {p.description}" for p in q.parameters]
    return "\n".join(lines)


@main.command()
@click.argument("name")
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--type", "type_", type=click.Choice(["Service", "Company", "Technology", "Talk", "Event", "Person"]),
              default=None, help="Only entities of this type.")
def show(name: str, graph: Path, type_: str | None) -> None:
    """Everything GRAPH says about the entity called NAME (any spelling, or its IRI): its type,
    spellings, talks, companies, services and events, with the sentences and posts behind them."""
    from graphbuild.query.entity_lookup import resolve_entity
    from graphbuild.query.entity_profile import entity_profile
    from graphbuild.query.sparql import load_store

    try:
        store = load_store(graph)
        click.echo(entity_profile(store, resolve_entity(store, name, type_).iri).format())
    except GraphbuildError as e:
        _fail(e)


@main.command("export")
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "graphml", "neo4j"]), required=True,
              help="csv: nodes.csv and edges.csv; graphml: graph.graphml (Gephi, yEd); neo4j: neo4j-admin import CSVs.")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the files.  [default: export-FORMAT next to GRAPH]")
def export_graph(graph: Path, fmt: str, out_dir: Path | None) -> None:
    """Write GRAPH (a Turtle file or a --store folder) for tools that do not read RDF: its entities and relations."""
    from graphbuild.graph.network import to_networkx
    from graphbuild.query.sparql import load_store
    from graphbuild.outputs.tool_export import write_export

    try:
        G = to_networkx(load_store(graph), evidence=False)
    except GraphbuildError as e:
        _fail(e)
    written = write_export(G, out_dir or graph.parent / f"export-{fmt}", fmt)
    click.echo(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges -> " + ", ".join(map(str, written)))


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, metavar="URL",
              help="The Graph Store Protocol URL, e.g. http://localhost:7878/store (Oxigraph) or "
                   "http://localhost:3030/ds/data (Fuseki).")
@click.option("--full", is_flag=True, help="Send every graph again, not only those that changed since the last publish.")
@click.option("--state", "state_path", type=click.Path(path_type=Path), default=None,
              help="File of what was sent to each endpoint.  [default: .graphbuild-publish.json next to GRAPH]")
@click.option("--update-endpoint", "update_endpoint", default=None, metavar="URL",
              help="SPARQL Update URL for the corpus graph's change, e.g. http://localhost:7878/update (Oxigraph), "
                   "http://localhost:3030/ds/update (Fuseki), https://CLUSTER:8182/sparql (Neptune); '' sends it "
                   "whole.  [default: the one beside --endpoint]")
@click.option("--retries", default=4, show_default=True, help="Tries again after a failed connection or a 5xx/429 answer.")
def publish(graph: Path, endpoint: str, full: bool, state_path: Path | None, update_endpoint: str | None,
            retries: int) -> None:
    """PUT each changed post graph of GRAPH (graph.trig, or the build's output folder) to a triple store, DELETE those
    gone, and send the corpus graph's change as one SPARQL update.

    Credentials: GRAPHBUILD_PUBLISH_TOKEN (bearer), or GRAPHBUILD_PUBLISH_USER and GRAPHBUILD_PUBLISH_PASSWORD,
    or the endpoint host's entry in the netrc file."""
    from graphbuild.outputs.publish import publish as run_publish

    try:
        report = run_publish(graph, endpoint, full=full, state_path=state_path, update_endpoint=update_endpoint,
                             retries=retries, log=lambda line: click.echo(f"graphbuild: {printable(line)}", err=True))
    except GraphbuildError as e:
        _fail(e)
    click.echo(report.summary(endpoint))


@main.command("eval")
@click.option("--gold", "pairs", multiple=True, nargs=2, type=click.Path(path_type=Path), metavar="GOLD POSTS",
              help="A folder of gold .json files and the posts (file or folder) they annotate; repeatable.")
@click.option("--errors", is_flag=True, help="Also list false positives and false negatives with their sentences.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--vocabulary", "vocabulary_file", type=click.Path(path_type=Path), default=None,
              help="A TOML file of your own services, companies and technologies, added to the shipped vocabulary.")
def evaluate(pairs: tuple[tuple[Path, Path], ...], errors: bool, paths: tuple[Path, ...],
             vocabulary_file: Path | None) -> None:
    """Precision, recall and F1 per entity type and relation against gold files.

    PATHS are corpus folders (each holding texts/ and gold/), or, after a single --gold
    pair, more posts of that corpus.  Every post needs a gold file."""
    from graphbuild.nlp.evaluate import Corpus, evaluate_corpora, format_evaluation

    try:
        corpora = [Corpus(posts.resolve().name or str(posts), gold, (posts,)) for gold, posts in pairs]
        if len(corpora) == 1 and paths and not any((p / "gold").is_dir() for p in paths):
            corpora[0] = Corpus(corpora[0].name, corpora[0].gold_dir, corpora[0].paths + paths)
        else:
            corpora += [Corpus.from_folder(p) for p in paths]
        if not corpora:
            raise click.UsageError("give --gold GOLD POSTS or a corpus folder holding texts/ and gold/")
        pipeline = _pipeline(vocabulary_file)
        tables = evaluate_corpora(pipeline.load(), corpora, pipeline.vocabulary())
    except GraphbuildError as e:
        _fail(e)
    for name, table in tables:
        click.echo(format_evaluation(table, errors=errors and name != "pooled", heading=name[-14:]))
        click.echo()


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
def validate(graph: Path) -> None:
    """Check GRAPH (a Turtle file or a --store folder) against the SHACL shapes; exit 1 when it does not conform."""
    from graphbuild.outputs.export import read_graph
    from graphbuild.graph.validate import validate_graph

    try:
        g = read_graph(graph)
        conforms, report = validate_graph(g)
    except GraphbuildError as e:
        _fail(e)
    click.echo(f"{graph}: {len(g)} triples, {'conforms' if conforms else 'does NOT conform'} to the shapes")
    if not conforms:
        click.echo(report)
        sys.exit(1)


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--top", default=10, show_default=True, help="How many entities to list per type.")
def stats(graph: Path, top: int) -> None:
    """Counts per type and relation in GRAPH (a Turtle file or a --store folder), and the top entities
    of each type by the number of posts that name them."""
    from graphbuild.query.sparql import load_store
    from graphbuild.query.stats import graph_stats

    try:
        store = load_store(graph)
    except GraphbuildError as e:
        _fail(e)
    click.echo(graph_stats(store, top=top).format())


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback exposes the graph to the network.")
@click.option("--port", default=3030, show_default=True)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds a query may run.")
@click.option("--limit", default=10_000, show_default=True, help="Most rows (or triples) in one answer.")
@click.option("--memory", "memory_mb", default=512, show_default=True, help="MB of memory one query may use.")
@click.option("--allow-service", is_flag=True,
              help="Run SERVICE clauses (federated queries): the endpoint then sends requests to other servers.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
              help="Queries run at once (each in its own process); 16 more may wait, the rest get 503.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Another name (or address) clients may reach the server by; others are refused (DNS rebinding).")
@click.option("--cors", metavar="ORIGIN", default=None,
              help="Let pages from ORIGIN (e.g. https://yasgui.triply.cc, or *) call the endpoint.  [default: off]")
def serve(graph: Path, host: str, port: int, timeout: float, limit: int, memory_mb: int, allow_service: bool,
          workers: int, allowed_hosts: tuple[str, ...], cors: str | None) -> None:
    """Serve GRAPH (a Turtle file or a --store folder) as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql."""
    from graphbuild.query.sparql import load_store
    from graphbuild.query.serve import make_server

    if not 0 <= port <= 65535:
        _fail(f"--port {port}: a port is a number from 0 to 65535 (0 picks a free one)")
    try:
        store = load_store(graph)
        server = make_server(store, host, port, timeout, limit, memory_mb=memory_mb, allow_service=allow_service,
                             workers=workers, allowed_hosts=allowed_hosts, cors=cors)
    except GraphbuildError as e:
        _fail(e)
    click.echo(f"graphbuild: {len(store)} triples from {printable(str(graph))}; SPARQL at http://{host}:{server.server_port}/sparql "
               f"(query page at /; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
