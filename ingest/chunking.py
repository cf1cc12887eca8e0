"""Clause-aware chunking: one clause is one chunk while it fits the token budget.

A longer clause is cut on sentence boundaries into consecutive windows that keep the
clause's ID and label (``…#VIII.XXVII/2``), so a citation still names the clause.
"""

from __future__ import annotations

import functools
import re

from common import offline  # noqa: F401  (points tiktoken at its bundled BPE files)
from ingest.records import Chunk, Clause
from ingest.sentences import sentence_spans

ENCODING = "cl100k_base"


@functools.lru_cache(maxsize=1)
def _encoder():
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in cl100k_base (loaded from the files llama-index-core ships)."""
    return len(_encoder().encode(text, disallowed_special=()))


def chunk_clause(clause: Clause, budget: int) -> list[Chunk]:
    """The chunks of one clause; each window's text is a verbatim slice of the clause."""
    spans = _heading_apart(clause.text, sentence_spans(clause.text))
    if count_tokens(clause.text) <= budget:
        return [Chunk(clause.clause_id, clause, clause.text, 0, tuple(clause.text[a:b] for a, b in spans))]
    windows: list[list[tuple[int, int]]] = [[]]
    used = 0
    for span in _bounded(clause.text, spans, budget):
        tokens = count_tokens(clause.text[span[0]:span[1]])
        if windows[-1] and used + tokens > budget:
            windows.append([])
            used = 0
        windows[-1].append(span)
        used += tokens
    chunks = []
    for n, window in enumerate(windows, start=1):
        text = clause.text[window[0][0]:window[-1][1]]
        chunks.append(Chunk(f"{clause.clause_id}/{n}", clause, text, n,
                            tuple(clause.text[a:b] for a, b in window)))
    return chunks


def _heading_apart(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A clause's heading line without final punctuation ("I. General Guidelines") is a sentence of its own, not
    the start of the first sentence of the text under it: quoted, "I. General Guidelines The formulation …" reads
    as one sentence, and its vector mixes the heading into the sentence."""
    newline = text.find("\n")
    if not spans or newline < 0 or newline >= spans[0][1] or text[:newline].rstrip()[-1:] in ".!?:;。！？：；":
        return spans
    rest = re.compile(r"\S").search(text, newline).start()  # the first character of the line after the heading
    return [(spans[0][0], len(text[:newline].rstrip())), (rest, spans[0][1])] + spans[1:]


def _bounded(text: str, spans: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """Sentence spans, with any single sentence longer than the budget cut into token-sized pieces."""
    out: list[tuple[int, int]] = []
    enc = _encoder()
    for start, end in spans:
        tokens = enc.encode(text[start:end], disallowed_special=())
        if len(tokens) <= budget:
            out.append((start, end))
            continue
        pos = start
        for i in range(0, len(tokens), budget):
            piece = enc.decode(tokens[i:i + budget])
            found = text.find(piece, pos)
            piece_end = found + len(piece) if found >= 0 else min(end, pos + len(piece))
            out.append((pos, min(piece_end, end) if i + budget < len(tokens) else end))
            pos = out[-1][1]
    return [(a, b) for a, b in out if b > a]


def chunk_clauses(clauses: list[Clause], budget: int) -> list[Chunk]:
    """Chunks for every clause, in document order."""
    return [chunk for clause in clauses for chunk in chunk_clause(clause, budget)]
