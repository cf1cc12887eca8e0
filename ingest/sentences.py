"""Sentence boundaries inside a clause, as character spans so quotes stay verbatim."""

from __future__ import annotations

import re

# Words whose trailing period does not end a sentence.
ABBREVIATIONS = frozenset({"no", "nos", "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "art", "vol",
                           "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
                           "u.s", "co", "ltd", "inc", "dept", "approx", "fig", "p", "pp"})
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\.?(?=\s+[\"“‘(\[A-Z0-9\u4e00-\u9fff])|[。！？；][”’）]*"
                       # a paragraph break in Chinese text ends a sentence even without a stop ("以下条款:" + items)
                       r"|(?<=[\u4e00-\u9fff：:，）])(?=\n[ \t\u3000]*\n\s*[\u4e00-\u9fff（(])")
_OPENERS, _CLOSERS = "《“「『", "》”」』"
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LEADING_MARKER = re.compile(r"^\s*\(?(?:[IVXLC]{1,7}|\d{1,3})$")  # "VII." or "3." opening a heading


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; together they cover every non-space character."""
    spans: list[tuple[int, int]] = []
    start = 0
    quoted = _quoted_ranges(text)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if any(a < match.start() < b for a, b in quoted):
            continue  # 《关于修改<…>的决定》 or “…。” : a title or a quotation is not split
        before = text[start:match.start()]
        if match.group(0).startswith(".") and (_is_abbreviation(before) or _LEADING_MARKER.match(before)):
            continue
        _append(text, spans, start, end)
        start = end
    _append(text, spans, start, len(text))
    return spans


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of 《》, “” and 「」 pairs; an unclosed opener protects nothing."""
    ranges, stack = [], []
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            stack.append((ch, i))
        elif ch in _CLOSERS and stack and _OPENERS.index(stack[-1][0]) == _CLOSERS.index(ch):
            ranges.append((stack.pop()[1], i))
    return ranges


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
