"""PDF text extraction with the clean-up clause parsing needs.

pypdf gives page text with running headers, footers and page numbers mixed in, and
paragraphs hard-wrapped (sometimes with hyphenated breaks). We drop lines that repeat
on most pages or are bare page numbers, rejoin wrapped lines and hyphenations, and
remember where each page starts so a citation can name the page its clause starts on.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.markers import match_marker
from ingest.records import PageSpan

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*[-–—]?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；][\"”’)]*$")
WRAP_FRACTION = 0.75  # a line at least this share of the page's longest line was wrapped, not ended


class PdfError(ValueError):
    """A PDF that cannot be read as text."""


def read_pdf(path: Path) -> tuple[str, tuple[PageSpan, ...]]:
    """The cleaned text of a PDF and where each page starts in it."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):  # owner-only passwords open without one
            raise PdfError("the PDF is encrypted")
        labels = list(reader.page_labels)
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise PdfError(f"the PDF is damaged or unreadable ({exc.__class__.__name__})") from exc
    except Exception as exc:  # pypdf raises a wide range of errors on broken files
        raise PdfError(f"the PDF is damaged or unreadable ({exc.__class__.__name__})") from exc
    if not any(p.strip() for p in pages):
        raise PdfError("the PDF has no text layer (a scan?)")
    page_lines = _drop_running_lines([p.splitlines() for p in pages])
    text_parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for index, lines in enumerate(page_lines):
        body = _reflow(lines)
        if not body:
            continue
        if text_parts:
            joiner = " " if _continues(text_parts[-1], body) else "\n"
            text_parts.append(joiner)
            offset += len(joiner)
        spans.append(PageSpan(start=offset, page=index + 1, label=str(labels[index]) if index < len(labels) else str(index + 1)))
        text_parts.append(body)
        offset += len(body)
    return "".join(text_parts), tuple(spans)


def _normalise(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and lines repeated at the top or bottom of most pages."""
    edges: Counter[str] = Counter()
    for lines in pages:
        content = [l for l in lines if l.strip()]
        for line in set(content[:2] + content[-2:]):
            edges[_normalise(line)] += 1
    threshold = max(2, (len(pages) + 1) // 2)
    running = {key for key, count in edges.items() if count >= threshold} if len(pages) > 1 else set()
    cleaned = []
    for lines in pages:
        content = [l for l in lines if l.strip()]
        edge = set(content[:2] + content[-2:])
        cleaned.append([l for l in lines if not (_PAGE_NUMBER.match(l.strip()) or (l in edge and _normalise(l) in running))])
    return cleaned


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues the paragraph that ``previous`` ends (no sentence end, lower-case start)."""
    prev = previous.rstrip()
    if not prev or not line:
        return False
    return not _SENTENCE_END.search(prev) and line[:1].islower()


def _reflow(lines: list[str]) -> str:
    """Join hard-wrapped lines of a page into paragraphs, one per line, and undo hyphenation."""
    lines = [l.rstrip() for l in lines]
    longest = max((len(l) for l in lines), default=0)
    out: list[str] = []
    previous_raw = ""  # the previous physical line: whether it was wrapped depends on its own length
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if out and out[-1] != "":
                out.append("")
            previous_raw = ""
            continue
        if out and out[-1] and previous_raw and not match_marker(stripped):
            prev = out[-1]
            wrapped = len(previous_raw) >= WRAP_FRACTION * longest
            if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and stripped[:1].islower():
                out[-1] = prev[:-1] + stripped
            elif wrapped or _continues(prev, stripped):
                out[-1] = prev + " " + stripped
            else:
                out.append(stripped)
        else:
            out.append(stripped)
        previous_raw = stripped
    return "\n".join(l for l in out if l).strip()
