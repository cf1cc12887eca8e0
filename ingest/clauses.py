"""Clause parsing: turn a document's text into addressable clauses that cover it exactly.

Every non-blank line of the document ends up in exactly one clause, so nothing is lost
and every citation can show its clause verbatim. Structure comes from the marker table
in ``ingest.markers``; lines without a marker are continuations (no blank line before
them) or new paragraphs (after a blank line).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ingest.markers import CLAUSE, SECTION, looks_like_heading, match_marker, numeral_value
from ingest.records import Clause, SourceDocument

log = logging.getLogger(__name__)

_FIRST_SENTENCE = re.compile(r"^(.+?[.!?。！？])(?=\s|$)")
_ENDS_PARAGRAPH = re.compile(r"[.!?:。！？：][\"”’)]*$")
TITLE_MAX_CHARS = 90
DOC_TITLE_MAX_CHARS = 200
WRAPPED_LINE_CHARS = 100  # documents whose lines are shorter than this are hard-wrapped prose


@dataclass
class _Node:
    """A unit while the document is being read; becomes a Clause when the document ends."""

    key: str
    kind: str
    level: int
    number: str
    title: str
    label_part: str
    parent: "_Node | None"
    start: int
    end: int
    paragraphs: int = 0
    path_labels: list[str] = field(default_factory=list)


def parse_clauses(doc: SourceDocument) -> list[Clause]:
    """Split ``doc`` into clauses with stable IDs, labels, breadcrumbs, offsets and pages."""
    nodes = _read_structure(doc.text)
    return _to_clauses(doc, nodes)


def _short_title(rest: str) -> str:
    """The unit's title: bold text, else the first sentence, cut at a comma when long."""
    rest = rest.strip()
    bold = re.match(r"^\*\*(.+?)\*\*", rest)
    if bold:
        return bold.group(1).strip().rstrip(":：")
    match = _FIRST_SENTENCE.match(rest)
    title = (match.group(1) if match else rest).rstrip(".。")
    if len(title) > TITLE_MAX_CHARS and "," in title:
        title = title.split(",", 1)[0]
    if len(title) > TITLE_MAX_CHARS:
        title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return title


def _is_document_title(line: str) -> bool:
    """The first line is the document's title when it reads like one (no sentence-final stop)."""
    return looks_like_heading(line) or (len(line) <= DOC_TITLE_MAX_CHARS and not _ENDS_PARAGRAPH.search(line)
                                        and line[:1].isupper())


def _lines_with_offsets(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) for each line, offsets into ``text`` without the newline."""
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        out.append((pos, pos + len(line), line))
        pos += len(raw)
    return out


def _read_structure(text: str) -> list[_Node]:
    lines = _lines_with_offsets(text)
    lengths = sorted(len(l[2].strip()) for l in lines if l[2].strip())
    one_line_paragraphs = bool(lengths) and lengths[len(lengths) // 2] >= WRAPPED_LINE_CHARS
    previous_line = ""
    last_content = max((i for i, l in enumerate(lines) if l[2].strip()), default=-1)
    nodes: list[_Node] = []
    stack: list[_Node] = []  # open containers and leaves, outermost first
    top_paragraphs = 0
    sections = 0
    current: _Node | None = None
    after_blank = True
    seen_content = False

    def open_node(level: int, **kw: object) -> _Node:
        while stack and stack[-1].level >= level:
            stack.pop()
        node = _Node(level=level, parent=stack[-1] if stack else None, **kw)  # type: ignore[arg-type]
        stack.append(node)
        nodes.append(node)
        return node

    for index, (start, end, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            after_blank = True
            continue
        lead = len(line) - len(line.lstrip())
        start += lead
        end = start + len(stripped)
        found = match_marker(stripped)
        has_next = index < last_content
        if found:
            marker, match = found
            num = match.groupdict().get("num") or ""
            value = numeral_value(marker, num)
            rest = match.group("rest")
            title = rest.strip() if marker.title_is_line else _short_title(rest)
            if marker.numbering == "none":
                sections += 1
            key = marker.key_format.format(num=num, value=value, seq=sections)
            kind = {1: "part", SECTION: "section", CLAUSE: "clause"}.get(marker.level, "item")
            current = open_node(marker.level, key=key, kind=kind, number=num, title=title,
                                label_part=marker.label_format.format(num=num, value=value, title=title),
                                start=start, end=end)
        elif not seen_content and _is_document_title(stripped):
            current = open_node(0, key="title", kind="title", number="", title=stripped,
                                label_part="title", start=start, end=end)
            stack.clear()
        elif has_next and looks_like_heading(stripped) and (after_blank or current is None or current.kind in {"paragraph", "title"} or current.level >= CLAUSE):
            sections += 1
            current = open_node(SECTION, key=f"S{sections}", kind="section", number="", title=stripped,
                                label_part=stripped, start=start, end=end)
        elif current is not None and current.kind != "title" and not after_blank and not (
                one_line_paragraphs and current.kind == "paragraph" and _ENDS_PARAGRAPH.search(previous_line)):
            current.end = end  # a continuation line of the open unit
        else:
            while stack and stack[-1].level > SECTION:
                stack.pop()
            parent = stack[-1] if stack else None
            if parent is None:
                top_paragraphs += 1
                count = top_paragraphs
            else:
                parent.paragraphs += 1
                count = parent.paragraphs
            current = _Node(key=f"p{count}", kind="paragraph", level=SECTION + 0.5, number="", title="",  # type: ignore[arg-type]
                            label_part=f"paragraph {count}", parent=parent, start=start, end=end)
            nodes.append(current)
        seen_content = True
        after_blank = False
        previous_line = stripped
    return nodes


def _full_key(node: _Node) -> str:
    parts = []
    walk: _Node | None = node
    while walk is not None:
        parts.append(walk.key)
        walk = walk.parent
    return ".".join(reversed(parts))


def _path(node: _Node) -> list[_Node]:
    path = []
    walk: _Node | None = node
    while walk is not None:
        path.append(walk)
        walk = walk.parent
    return list(reversed(path))


def _to_clauses(doc: SourceDocument, nodes: list[_Node]) -> list[Clause]:
    meta = doc.meta
    seen: dict[str, int] = {}
    clauses = []
    for node in nodes:
        key = _full_key(node)
        if key in seen:
            seen[key] += 1
            log.warning("%s: unit %s appears more than once; numbering it %s~%d", meta.doc_id, key, key, seen[key])
            key = f"{key}~{seen[key]}"
        else:
            seen[key] = 1
        path = _path(node)
        crumbs = [meta.short_title] + [
            f"{n.label_part}: {n.title}" if n.title and n.kind in {"part", "clause", "item"} else n.label_part
            for n in path
        ]
        label_parts = [n.label_part for n in path]
        label = ", ".join([meta.short_title] + label_parts)
        if node.title and node.kind in {"part", "clause", "item"}:
            label += f": {node.title}"
        page = doc.page_at(node.start)
        clauses.append(Clause(
            clause_id=f"{meta.doc_id}#{key}", doc_id=meta.doc_id, key=key, kind=node.kind,
            number=node.number, title=node.title, label=label, breadcrumb=tuple(crumbs),
            text=doc.text[node.start:node.end], start=node.start, end=node.end,
            page=page.page if page else None, page_label=page.label if page else None,
        ))
    return clauses
