"""Benchmarks: query latency against the embedder floor and a llama-index baseline, scaling, ingest, serving.

Run with ``policy-assistant bench`` (``--quick`` for the small sizes) or ``make bench``;
see benchmarks/README.md for the latest figures.
"""
