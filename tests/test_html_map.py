import json
import re

import networkx as nx

from graphbuild.outputs.html_map import LAYOUT_THRESHOLD, layout_positions, render_html
from graphbuild.graph.network import to_networkx
from graphbuild.graph.store import to_rdf
from tests.test_rdf import record

HOSTILE = "<img src=x onerror=alert(1)>"


def details_of(page: str) -> dict:
    return page_data(page)["details"]


def page_data(page: str) -> dict:
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


def test_links_carry_their_evidence_and_post_and_services_their_short_name():
    page = render_html(to_networkx(to_rdf([record()])))
    data = page_data(page)
    uses = [link for link in data["links"] if link[2] == "uses"]
    assert len(uses) == 1 and uses[0][3][0][1] == "サンプル商事では Amazon ECS を採用しています。"
    assert uses[0][3][0][0] in data["posts"] and data["posts"][uses[0][3][0][0]]["path"] == "post.txt"
    assert '"label": "Amazon ECS"' in page  # drawn short; the panel has the catalogue name
    assert not re.search(r'"label": "(uses|mentions|reportsOn)"', page)  # no edge label until hover or click


def test_layout_is_deterministic_and_puts_talks_next_to_their_event():
    G = nx.MultiDiGraph()
    for e in range(3):
        G.add_node(f"event{e}", type="Event", label=f"Event {e}")
        for t in range(6):
            talk = f"talk{e}-{t}"
            G.add_node(talk, type="Talk", label=talk)
            G.add_edge(talk, f"event{e}", relation="partOf")
            for k in range(3):
                G.add_node(f"svc{e}-{t}-{k}", type="Service", label=f"s{e}{t}{k}")
                G.add_edge(talk, f"svc{e}-{t}-{k}", relation="mentions")
    first, again = layout_positions(G), layout_positions(G.copy())
    assert first == again

    def distance(a, b):
        return ((first[a][0] - first[b][0]) ** 2 + (first[a][1] - first[b][1]) ** 2) ** 0.5

    for e in range(3):
        own = max(distance(f"talk{e}-{t}", f"event{e}") for t in range(6))
        other = min(distance(f"talk{e}-{t}", f"event{(e + 1) % 3}") for t in range(6))
        assert own < other


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

    from graphbuild.outputs.html_map import most_connected

    G = nx.MultiDiGraph()
    G.add_edges_from(("hub", f"leaf{i}") for i in range(10))
    G.add_edge("leaf0", "leaf1")
    assert most_connected(G, 100) is G
    small = most_connected(G, 3)
    assert set(small) == {"hub", "leaf0", "leaf1"} and small.number_of_edges() == 3


def test_every_edge_of_the_map_has_its_own_id():
    """A node named by two posts and linked to nothing is tied to both posts (vis-network refuses a repeated id)."""
    G = nx.MultiDiGraph()
    for doc in ("doc1", "doc2"):
        G.add_node(doc, type="Document", label=doc)
    G.add_node("svc", type="Service", label="Amazon S3", documents=["doc1", "doc2"])
    G.add_node("tech", type="Technology", label="Redis", documents=["doc1", "doc2"])
    G.add_edge("doc1", "doc2", relation="mentions")
    page = render_html(G)
    ids = re.findall(r'"id": "([de]\d+)"', page)
    assert len(ids) == 5 and len(set(ids)) == 5
