"""The graphbuild vocabulary as an rdflib namespace; every term is declared in ontology/graphbuild.ttl."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ID = Namespace("https://w3id.org/graphbuild/id/")


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
    startChar: URIRef
    endChar: URIRef
    anchorOf: URIRef
    sentence: URIRef
    sentenceIndex: URIRef
    method: URIRef
    confidence: URIRef
    supportCount: URIRef
    sourcePath: URIRef
    pairedService: URIRef
    talkCount: URIRef
