"""The evaluation stage: gold items and their quotes, metric functions, the runner over configurations, and the
report."""
