"""Clause parsing: turn a document's text into addressable clauses that cover it exactly.

Every non-blank line of the document ends up in exactly one clause, so nothing is lost
and every citation can show its clause verbatim. Structure comes from the marker table
in ``ingest.markers``; lines without a marker are continuations (no blank line before
them) or new paragraphs (after a blank line).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field

from common.analysis import mostly_chinese
from ingest.crossrefs import article_references
from ingest.markers import CLAUSE, SECTION, Marker, looks_like_heading, match_marker, numeral_value
from ingest.records import Clause, SourceDocument

log = logging.getLogger(__name__)

_FIRST_SENTENCE = re.compile(r"^(.+?(?:[.!?](?=\s|$)|[。！？]))")
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
    article: bool = False  # a law's article: holds its paragraphs and items, numbered across the document
    crumb_format: str = "{label}"  # how the unit shows in a breadcrumb (the marker's format, with its title)


def parse_clauses(doc: SourceDocument) -> list[Clause]:
    """Split ``doc`` into clauses with stable IDs, labels, breadcrumbs, offsets, pages and cross-references."""
    nodes = _read_structure(doc.text)
    return _link_references(_to_clauses(doc, nodes))


def _compact_title(title: str) -> str:
    """A Chinese heading spaced for print ("总　　则") reads as "总则"; spaces between Latin words stay."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s\u3000]+(?=[\u4e00-\u9fff])", "", title.strip())


def _structural_marker(stripped: str, first_content: bool) -> tuple[Marker, re.Match[str]] | None:
    """The marker opening a line; a Markdown heading whose text is itself a marker ("## 第二章 总则") is that
    marker, so a chapter is a chapter whether or not the file is Markdown."""
    found = match_marker(stripped)
    if found and found[0].name == "markdown-heading" and not (first_content and stripped.startswith("# ")):
        inner = match_marker(found[1].group("rest").strip())
        if inner and inner[0].level < CLAUSE:
            return inner
    return found


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
        found = _structural_marker(stripped, not seen_content)
        has_next = index < last_content
        article = next((n for n in reversed(stack) if n.article), None)
        if article is not None and (found is None or (not found[0].article and found[0].level >= CLAUSE)):
            article.end = end  # a paragraph (款) or an item (项, 目) of the open article
            current = article
        elif not seen_content and found and found[0].name == "markdown-heading" and stripped.startswith("# "):
            current = open_node(0, key="title", kind="title", number="", title=found[1].group("rest").strip(),
                                label_part="title", start=start, end=end)
            stack.clear()
        elif found:
            marker, match = found
            num = match.groupdict().get("num") or ""
            value = numeral_value(marker, num)
            rest = match.group("rest")
            title = "" if marker.article else _compact_title(rest) if marker.title_is_line else _short_title(rest)
            if marker.numbering == "none":
                sections += 1
            key = marker.key_format.format(num=num, value=value, seq=sections)
            label_part = marker.label_format.format(num=num, value=value, title=title)
            sub = match.groupdict().get("sub")
            if sub:  # 第十九条之一: an article inserted by an amendment
                key, label_part = f"{key}-{numeral_value(marker, sub)}", f"{label_part}之{sub}"
            kind = marker.kind or {1: "part", SECTION: "section", CLAUSE: "clause"}.get(marker.level, "item")
            current = open_node(marker.level, key=key, kind=kind, number=num, title=title, label_part=label_part,
                                start=start, end=end, article=marker.article, crumb_format=marker.crumb_format)
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
    """Keys of the node and its containers ("III.VII"); an article's number is unique, so it stands alone ("A19")."""
    if node.article:
        return node.key
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


def _crumb(node: _Node) -> str:
    return node.crumb_format.format(label=node.label_part, title=node.title) if node.title else node.label_part


def _to_clauses(doc: SourceDocument, nodes: list[_Node]) -> list[Clause]:
    meta = doc.meta
    chinese = mostly_chinese(doc.text)
    if chinese:  # unnumbered units are labelled in the reader's language
        for node in nodes:
            if node.kind == "paragraph":
                node.label_part = f"第{node.key[1:]}段"
            elif node.kind == "title":
                node.label_part = "标题"
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
        crumbs = [meta.short_title] + [_crumb(n) for n in path]
        if node.article:  # "劳动合同法 第十九条": how a Chinese reader cites an article; the chapter is in the crumbs
            label = f"{meta.short_title} {node.label_part}"
            heading = crumbs[-2] if len(crumbs) > 2 else ""
        elif chinese:  # "劳动合同法 第五章 第一节 集体合同", "计划 三、（七）…"
            label = re.sub(r"(?<=[、）)]) (?=\S)", "",
                           " ".join([meta.short_title] + [n.label_part for n in path[:-1]] + [_crumb(node)]))
            heading = node.title
        else:
            label = ", ".join([meta.short_title] + [n.label_part for n in path])
            if node.title and node.kind in {"part", "clause", "item"}:
                label += f": {node.title}"
            heading = node.title
        page = doc.page_at(node.start)
        clauses.append(Clause(
            clause_id=f"{meta.doc_id}#{key}", doc_id=meta.doc_id, key=key, kind=node.kind,
            number=node.number, title=node.title, label=label, breadcrumb=tuple(crumbs),
            text=doc.text[node.start:node.end], start=node.start, end=node.end,
            page=page.page if page else None, page_label=page.label if page else None, heading=heading,
        ))
    return clauses


def _link_references(clauses: list[Clause]) -> list[Clause]:
    """Each article's references to other articles of its document, and the articles that cite it."""
    keys = {c.key for c in clauses}
    refs = {c.key: tuple(k for k in article_references(c.text) if k in keys and k != c.key) for c in clauses}
    cited_by: dict[str, list[str]] = {}
    for key, targets in refs.items():
        for target in targets:
            cited_by.setdefault(target, []).append(key)
    return [dataclasses.replace(c, refs=refs[c.key], cited_by=tuple(cited_by.get(c.key, ()))) for c in clauses]
