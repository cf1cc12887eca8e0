"""Sentence boundaries inside a clause, as character spans so quotes stay verbatim."""

from __future__ import annotations

import re

# Words whose trailing period does not end a sentence.
ABBREVIATIONS = frozenset({"no", "nos", "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "art", "vol",
                           "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
                           "u.s", "co", "ltd", "inc", "dept", "approx", "fig", "p", "pp"})
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\.?(?=\s+[\"“‘(\[A-Z0-9\u4e00-\u9fff])|[。！？；][”’）]*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LEADING_MARKER = re.compile(r"^\s*\(?(?:[IVXLC]{1,7}|\d{1,3})$")  # "VII." or "3." opening a heading


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; together they cover every non-space character."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        before = text[start:match.start()]
        if match.group(0).startswith(".") and (_is_abbreviation(before) or _LEADING_MARKER.match(before)):
            continue
        _append(text, spans, start, end)
        start = end
    _append(text, spans, start, len(text))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _is_abbreviation(before: str) -> bool:
    word = _WORD_BEFORE.search(before)
    if not word:
        return False
    token = word.group(1).lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _append(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
