"""What a graph is written as: the map, exports for other tools, charts, publishing, notebooks."""
