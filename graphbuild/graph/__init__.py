"""Extraction records -> RDF: IRIs and triples, provenance, the store, the NetworkX view, SHACL."""
