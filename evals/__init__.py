"""Evaluation of answer quality: the gold set, the scorer, the systems compared and the report harness."""
