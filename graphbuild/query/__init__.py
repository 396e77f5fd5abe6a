"""Reading a built graph: SPARQL and saved queries, the endpoint, stats, entity profiles, analyses."""
