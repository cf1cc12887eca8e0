"""Low-level pieces shared by ``ingest`` and ``assistant``: settings, offline switches, text analysis, numerals.

They live below both packages so that neither imports the other's internals for them.
"""
