"""Ingestion: loading corpus files, parsing clauses, chunking, embedding and indexing."""
