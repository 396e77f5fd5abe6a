"""Charts of a graph for notebooks (matplotlib): the entities most posts name, which company uses
which service, services per year once posts have dates, and the communities of services."""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from graphbuild.outputs.map_layout import community_positions
from graphbuild.outputs.short_names import short_label

TYPE_COLOUR = {"Service": "#59a14f", "Company": "#4e79a7", "Technology": "#76b7b2", "Event": "#e15759"}


def top_entities_chart(graph, types: tuple[str, ...] = ("Service", "Company"), top: int = 12):
    """Horizontal bars: for each type, the entities named by the most posts."""
    plt = _pyplot()
    stats = graph.stats(top=top)
    fig, axes = plt.subplots(1, len(types), figsize=(6 * len(types), 0.35 * top + 1.5), squeeze=False)
    G = graph.networkx()
    short = {d["label"]: short_label(n, d["label"], d["type"], d.get("labels", [])) for n, d in G.nodes(data=True)}
    for ax, type_ in zip(axes[0], types):
        rows = stats.top.get(type_, [])[::-1]
        ax.barh([short.get(label, label) for label, _, _ in rows], [posts for _, posts, _ in rows], color=TYPE_COLOUR.get(type_, "#999"))
        ax.set_title(f"{type_}: posts naming it")
        ax.set_xlabel("posts")
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


def company_service_heatmap(graph, max_companies: int = 25, max_services: int = 25):
    """Companies (rows) by services (columns): how many evidence sentences say the company uses it."""
    plt = _pyplot()
    frame = graph.query_df("""SELECT ?company ?service ?support WHERE {
        ?c gb:uses ?s ; a gb:Company ; skos:prefLabel ?company . ?s a gb:Service .
        ?st rdf:subject ?c ; rdf:predicate gb:uses ; rdf:object ?s ; gb:supportCount ?support .
        BIND(STR(?s) AS ?service) }""")
    if frame.empty:
        return _message("No company is said to use a service in this graph (no gb:uses triples).")
    frame["service"] = [_service_name(graph, iri) for iri in frame["service"]]
    table = frame.pivot_table(index="company", columns="service", values="support", aggfunc="sum", fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:max_companies]]
    table = table[table.sum(axis=0).sort_values(ascending=False).index[:max_services]]
    fig, ax = plt.subplots(figsize=(0.45 * len(table.columns) + 3, 0.4 * len(table) + 2))
    image = ax.imshow(table.values, cmap="Reds", aspect="auto", vmin=0)
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=60, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_title("company uses service (evidence sentences)")
    fig.colorbar(image, ax=ax, shrink=0.6)
    fig.tight_layout()
    return fig


def services_per_year_chart(graph, top: int = 8):
    """Lines: posts naming each of the `top` services, per year of the post's schema:datePublished."""
    plt = _pyplot()
    frame = graph.query_df("""SELECT ?service ?year (COUNT(DISTINCT ?doc) AS ?posts) WHERE {
        ?doc a gb:Document ; schema:datePublished ?date .
        ?s a gb:Service ; gb:mentionedIn/gb:inDocument ?doc .
        BIND(STR(?s) AS ?service) BIND(SUBSTR(STR(?date), 1, 4) AS ?year) } GROUP BY ?service ?year""")
    if frame.empty:
        return _message("No post in this graph has a date (schema:datePublished),\n"
                        "so services cannot be counted per year. Build from posts that carry dates.")
    frame["service"] = [_service_name(graph, iri) for iri in frame["service"]]
    table = frame.pivot_table(index="year", columns="service", values="posts", aggfunc="sum", fill_value=0)
    table = table[table.sum().sort_values(ascending=False).index[:top]].sort_index()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for column in table.columns:
        ax.plot(table.index.astype(str), table[column], marker="o", label=column)
    ax.set_title("posts naming each service, per year")
    ax.set_ylabel("posts")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def communities_chart(graph, min_size: int = 2, labels_per_community: int = 3):
    """The services discussed together (one talk or post names both), coloured by Louvain community,
    each community apart; the best-connected services of each are named."""
    from graphbuild.query.analysis import service_comention_graph

    plt = _pyplot()
    H = service_comention_graph(graph.networkx())
    H.remove_nodes_from([n for n in list(H) if H.degree(n) == 0])
    if H.number_of_edges() == 0:
        return _message("No two services are named in the same talk or post.")
    groups = [sorted(c) for c in nx.community.louvain_communities(H, weight="weight", seed=7) if len(c) >= min_size]
    groups.sort(key=lambda g: (-len(g), g))
    H = H.subgraph([n for g in groups for n in g])
    pos = community_positions(H, groups)
    pos = {n: (x, -y) for n, (x, y) in pos.items()}
    fig, ax = plt.subplots(figsize=(11, 8))
    palette = plt.get_cmap("tab10")
    degree = dict(H.degree(weight="weight"))
    nx.draw_networkx_edges(H, pos, ax=ax, alpha=0.15)
    for i, group in enumerate(groups):
        nx.draw_networkx_nodes(H, pos, nodelist=group, ax=ax, node_color=[palette(i % 10)],
                               node_size=[20 + 12 * degree[n] for n in group], label=f"community {i + 1}")
    named = [n for g in groups for n in sorted(g, key=lambda n: (-degree[n], n))[:labels_per_community]]
    nx.draw_networkx_labels(H, pos, {n: _service_name(graph, n) for n in named}, ax=ax, font_size=8,
                            font_family=plt.rcParams["font.family"])
    ax.set_title(f"services discussed together: {len(groups)} communities")
    ax.axis("off")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), markerscale=0.3)
    fig.tight_layout()
    return fig


def _service_name(graph, iri: str) -> str:
    G = graph.networkx()
    data = G.nodes[iri] if iri in G else {"label": iri.rsplit("/", 1)[-1], "labels": []}
    return short_label(iri, data["label"], "Service", data.get("labels", []))


def _message(text: str):
    """A figure that says why there is no chart, rather than an empty or failing cell."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 1.6))
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, wrap=True)
    ax.axis("off")
    return fig


@lru_cache(maxsize=1)
def _pyplot():
    """matplotlib's pyplot with a font that has Japanese glyphs, when one is installed."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "Noto Sans JP"):
        if name in installed:
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            break
    return plt

