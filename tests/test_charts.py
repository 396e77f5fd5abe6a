"""The notebook API and its charts on the sample graph: DataFrames, and charts that say why they are empty."""

import pyoxigraph as ox
import pytest

import graphbuild
from graphbuild.outputs import charts
from graphbuild.graph.rdf import SCHEMA

pytestmark = pytest.mark.model


def figure_text(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts + [ax.title])


@pytest.fixture(scope="module")
def sample_graph(sample_build):
    return graphbuild.open_graph(sample_build[1] / "graph.ttl")


def test_query_df_takes_saved_queries_with_parameters_and_gives_numbers(sample_graph):
    frame = sample_graph.query_df("companies-using-service", service="ファーゲート")
    assert set(frame["company"]) == {"サンプルメディア", "ヤマブキ物流"}
    assert frame["posts"].dtype.kind == "i"
    assert sample_graph.networkx().number_of_nodes() > 10
    assert "graphbuild-details" in sample_graph.map().data


def test_charts_draw_the_graph(sample_graph):
    fig = charts.top_entities_chart(sample_graph, top=5)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "AWS Fargate" in labels or "AWS Lambda" in labels
    heat = charts.company_service_heatmap(sample_graph)
    assert "ヤマブキ物流" in [t.get_text() for t in heat.axes[0].get_yticklabels()]
    assert "Amazon ECS" in [t.get_text() for t in heat.axes[0].get_xticklabels()]  # the short name
    assert "communities" in figure_text(charts.communities_chart(sample_graph))


def test_services_per_year_says_when_posts_have_no_dates_and_plots_when_they_do(sample_graph):
    dated = graphbuild.open_graph(sample_graph.path)
    for quad in list(dated.store.quads_for_pattern(None, ox.NamedNode(SCHEMA + "datePublished"), None)):
        dated.store.remove(quad)  # the sample's Markdown posts carry dates in their front matter
    assert "No post in this graph has a date" in figure_text(charts.services_per_year_chart(dated))
    for i, r in enumerate(dated.store.query("SELECT ?doc WHERE { ?doc a gb:Document }",
                                            prefixes={"gb": "https://w3id.org/graphbuild/ontology#"})):
        dated.store.add(ox.Quad(r["doc"], ox.NamedNode(SCHEMA + "datePublished"),
                                ox.Literal(f"{2018 + i % 2}-06-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))))
    fig = charts.services_per_year_chart(dated)
    assert fig.axes[0].get_lines() and [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2018", "2019"]
