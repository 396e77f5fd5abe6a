"""Posts (files) -> `Document`s: text, HTML pages, front matter, blog exports, metadata."""
