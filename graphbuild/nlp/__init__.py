"""`Document` -> spaCy `Doc` -> extraction records: the pipeline, its components and their data."""
