import json
import re

import networkx as nx

from graphbuild.html_map import LAYOUT_THRESHOLD, layout_positions, render_html
from graphbuild.network import to_networkx
from graphbuild.rdf import to_rdf
from tests.test_rdf import record

HOSTILE = "<img src=x onerror=alert(1)>"


def details_of(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="graphbuild-details">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


def test_map_is_offline_and_keeps_hostile_names_out_of_the_markup():
    page = render_html(to_networkx(to_rdf([record(company=HOSTILE)])), title=HOSTILE)
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert HOSTILE not in page  # escaped everywhere: as &lt;img in the title, as \u003c in JSON
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert any(d["label"] == HOSTILE for d in details_of(page).values())


def test_side_panel_data_has_labels_and_evidence_with_the_post():
    page = render_html(to_networkx(to_rdf([record()])))
    ecs = next(d for d in details_of(page).values() if d["label"] == "Amazon Elastic Container Service")
    assert ecs["type"] == "Service" and "Amazon ECS" in ecs["labels"]
    assert ecs["evidence"] == [["post.txt", "サンプル商事では Amazon ECS を採用しています。"]]


def test_type_filters_and_search_box_are_on_the_page():
    page = render_html(to_networkx(to_rdf([record()])))
    for t in ("Service", "Company", "Document"):
        assert f'data-type="{t}"' in page
    assert 'data-type="Talk"' not in page  # only the types the graph has
    assert 'id="graphbuild-search"' in page


def test_big_graphs_get_fixed_positions_and_no_physics():
    G = nx.MultiDiGraph()
    for i in range(LAYOUT_THRESHOLD + 50):
        G.add_node(f"n{i}", type="Service", label=f"service {i}")
        if i:
            G.add_edge(f"n{i}", f"n{i // 3}", relation="mentions")
    G.add_node("alone", type="Company", label="alone")
    positions = layout_positions(G)
    assert set(positions) == set(G) and len(set(positions.values())) == len(G)
    page = render_html(G)
    assert '"physics": {"enabled": false' in page and '"x": ' in page


def test_a_graph_too_big_to_draw_keeps_its_best_connected_nodes():
    import networkx as nx

    from graphbuild.html_map import most_connected

    G = nx.MultiDiGraph()
    G.add_edges_from(("hub", f"leaf{i}") for i in range(10))
    G.add_edge("leaf0", "leaf1")
    assert most_connected(G, 100) is G
    small = most_connected(G, 3)
    assert set(small) == {"hub", "leaf0", "leaf1"} and small.number_of_edges() == 3
