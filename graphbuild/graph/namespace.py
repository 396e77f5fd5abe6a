"""The graphbuild vocabulary as an rdflib namespace; every term is declared in ontology/graphbuild.ttl."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ID = Namespace("https://w3id.org/graphbuild/id/")
GRAPH = Namespace("https://w3id.org/graphbuild/graph/")  # named graphs: one per post, and the corpus totals


class GB(DefinedNamespace):
    """Classes and properties of the graphbuild ontology (a misspelt term fails at import)."""

    _NS = Namespace("https://w3id.org/graphbuild/ontology#")
    _fail = True

    # classes
    Talk: URIRef
    Event: URIRef
    Company: URIRef
    Service: URIRef
    Person: URIRef
    Technology: URIRef
    Document: URIRef
    Mention: URIRef
    Evidence: URIRef
    SentenceWindow: URIRef
    CandidateService: URIRef
    ServicePair: URIRef
    # relations between entities
    partOf: URIRef
    mentions: URIRef
    presentedBy: URIRef
    uses: URIRef
    reportsOn: URIRef
    authoredBy: URIRef
    # catalogue and evidence
    botoClient: URIRef
    isCandidate: URIRef
    mentionedIn: URIRef
    inDocument: URIRef
    sentenceIndex: URIRef
    spelling: URIRef
    method: URIRef
    confidence: URIRef
    supportCount: URIRef
    sourcePath: URIRef
    pairedService: URIRef
    talkCount: URIRef


class NIF(DefinedNamespace):
    """The terms graphbuild takes from NIF 2.0 Core for text anchors (declared in ontology/graphbuild.ttl too)."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    String: URIRef
    Sentence: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    anchorOf: URIRef
    sentence: URIRef
