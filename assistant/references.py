"""Explicit clause references in a question ("clause (XIV) of the Beijing plan", "Beijing XIV", "Beijing plan
clause 14", "the 7th clause of part III", "part III clause VII", "item 4 of the Opinions", "劳动合同法第十九条",
"《人力资源市场暂行条例》第四十二条", "暂行条例42条", "Article 19 of the Labor Contract Law", or a clause_id)
resolved before any search.

A policy officer who names a clause wants that clause, not the nearest neighbours of
the words around it. Documents are recognised by the words that only their own ID or
short title contains, so this works for any corpus without a list of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from common.analysis import STOPWORDS, has_cjk, quiet_jieba, tokenize
from ingest.markers import cjk_value, roman_value, to_cjk, to_roman

_CLAUSE_ID = re.compile(r"\b([a-z0-9][a-z0-9_-]*#[A-Za-z0-9.~]+)(?:/\d+)?")
_KEYWORD_NUMBER = re.compile(
    r"\b(?P<kw>part|clause|article|item|measure|point|section|paragraph)s?\s*(?:no\.?\s*)?\(?(?P<num>[IVXLC]{1,7}|\d{1,3})\)?(?![\w])"
    r"|\b(?P<ord>\d{1,3})(?:st|nd|rd|th)\s+(?P<okw>part|clause|article|item|measure|point|section|paragraph)\b",
    re.IGNORECASE)
# 第十九条, 第19条, 42条 (digits need no 第); a 第X款 or 第X项 after it stays inside the article
_ZH_ARTICLE = re.compile(r"第(?P<num>[一二三四五六七八九十百千零〇两\d]+)条(?:之(?P<sub>[一二三四五六七八九十]+))?"
                         r"|(?<![\d第])(?P<digits>\d{1,3})\s*条(?![例件款])")
_PAREN_ROMAN = re.compile(r"\((?P<num>[IVXLC]{1,7})\)")
_BARE_ROMAN = re.compile(r"(?<![\w(])(?P<num>[IVXLC]{2,7})(?![\w)])")
_KIND_BY_KEYWORD = {"part": "part", "clause": "clause", "article": "clause", "item": "item", "measure": "item",
                    "point": "item", "section": "section", "paragraph": "paragraph"}
_GENERIC = {"hr", "human", "resources", "resource", "service", "services", "plan", "document", "policy", "national",
            "ministry", "news", "press", "conference", "2021", "2023", "2024", "2025", "china"}


@dataclass(frozen=True)
class Reference:
    """A resolved reference: which documents, which number, which kind of unit."""

    doc_ids: tuple[str, ...]
    number: str = ""
    kind: str = ""
    part: str = ""
    clause_id: str = ""
    key: str = ""  # an article's key ("A19"): articles are numbered across their document

    def named_in(self, docs: dict[str, dict[str, Any]]) -> str:
        """How the reader would write this reference ("劳动合同法 第一百零五条", "Beijing plan, clause XL") when it
        names a numbered unit of particular documents; "" for a clause_id or a reference to no document."""
        if self.clause_id or not self.doc_ids or not self.number:
            return ""
        title = " / ".join(str(docs.get(d, {}).get("meta", {}).get("short_title", d)) for d in self.doc_ids)
        value = int(self.number) if self.number.isdigit() else roman_value(self.number)
        if self.key and value:
            return f"{title} 第{to_cjk(value)}条"
        return f"{title}, {self.kind or 'clause'} {self.number}"

    def spellings(self) -> list[str]:
        """The number as any document may print it: "14", "XIV" and "十四" are the same clause number."""
        value = int(self.number) if self.number.isdigit() else roman_value(self.number) or cjk_value(self.number)
        found = [self.number]
        if value:
            found += [str(value), to_roman(value), to_cjk(value)]
        return list(dict.fromkeys(found))

    def where(self) -> dict[str, Any]:
        """The Chroma condition selecting the referenced unit's first window."""
        if self.clause_id:
            return {"clause_id": self.clause_id}
        conditions: list[dict[str, Any]] = [{"window": {"$lte": 1}}]
        if self.key and "-" in self.key:  # 第十九条之一 shares its printed number with 第十九条
            conditions.append({"key": self.key})
        elif self.key:  # "第14条" of a plan whose clauses are numbered (XIV) is that clause
            conditions.append({"$or": [{"key": self.key}, {"number": {"$in": self.spellings()}}]})
        elif self.kind == "paragraph":  # unnumbered paragraphs are addressed by position, as their label shows
            conditions.append({"key": {"$in": [f"p{n}" for n in self.spellings() if n.isdigit()]}})
        elif self.part:
            conditions.append({"key": {"$in": [f"{p}.{n}" for p in Reference(self.doc_ids, self.part).spellings()
                                              for n in self.spellings()]}})
        else:
            conditions.append({"number": {"$in": self.spellings()}})
        if self.doc_ids:
            conditions.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.kind and self.kind != "paragraph":
            conditions.append({"kind": self.kind})
        return {"$and": conditions}


def distinctive_words(docs: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """For each document, the words of its ID and short title that no other document's contain."""
    words = {}
    for doc_id, info in docs.items():
        text = doc_id + " " + info.get("meta", {}).get("short_title", "")
        words[doc_id] = {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _GENERIC
                         and w not in STOPWORDS}
    counts: dict[str, int] = {}
    for ws in words.values():
        for w in ws:
            counts[w] = counts.get(w, 0) + 1
    return {doc_id: {w for w in ws if counts[w] == 1} for doc_id, ws in words.items()}


@dataclass(frozen=True)
class DocumentNames:
    """Which words name which document. Built once per opened index: with thousands of documents,
    recomputing it for every question cost tens of milliseconds."""

    words: dict[str, set[str]]  # doc_id → its distinctive words
    stems: dict[str, set[str]]  # doc_id → their stems, as questions are compared
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # doc_id → other names, casefolded
    titles: dict[str, str] = field(default_factory=dict)  # doc_id → its title (in the document's own language)
    # a character → the Chinese names one of whose words starts with it: (doc_id, name, offset of that word), so a
    # question is scanned once for shortened names, however many documents there are
    word_starts: dict[str, tuple[tuple[str, str, int], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, docs: dict[str, dict[str, Any]]) -> "DocumentNames":
        words = distinctive_words(docs)
        aliases = {}
        for doc_id, info in docs.items():
            meta = info.get("meta", {})
            names = meta.get("aliases", "").split(",")
            # a Chinese title is typed as text, so it names its document like an alias does ("劳动合同法")
            names += [meta.get(k, "") for k in ("short_title", "title") if has_cjk(meta.get(k, ""))]
            aliases[doc_id] = tuple(dict.fromkeys(a.strip().casefold() for a in names if a.strip()))
        titles = {doc_id: str(info.get("meta", {}).get("title", "")) for doc_id, info in docs.items()}
        word_starts: dict[str, list[tuple[str, str, int]]] = {}
        for doc_id, names in aliases.items():
            for name in filter(_CJK_NAME.fullmatch, names):
                for start in _word_starts(name):
                    word_starts.setdefault(name[start], []).append((doc_id, name, start))
        return cls(words, {doc_id: set(tokenize(" ".join(ws))) for doc_id, ws in words.items()}, aliases, titles,
                   {ch: tuple(found) for ch, found in word_starts.items()})

    def mentioned(self, question: str) -> list[str]:
        """Documents the question names by one of their distinctive words (compared as stems: "grant" names
        "Grants") or by one of their aliases (as text: Chinese has no spaces between words)."""
        stems = set(tokenize(question))
        by_alias = self._named_by_alias(question)
        return [doc_id for doc_id, ws in self.stems.items() if ws & stems or doc_id in by_alias]

    def named(self, question: str) -> set[str]:
        """The documents the question names outright, which then bound what may answer it: by an alias or title
        (as text), or by a distinctive word written as a name ("Shenyang", not the "market" of "HR market")."""
        capitalised = set(tokenize(" ".join(re.findall(r"(?<![\w'’])[A-Z][\w'’-]*", question))))
        return {doc_id for doc_id, ws in self.stems.items() if ws & capitalised} | self._named_by_alias(question)

    def _named_by_alias(self, question: str) -> set[str]:
        """Documents one of whose aliases occurs in the question, unless inside a longer name of another
        document: "北京市就业援助规定" names that regulation, not every document called "北京"."""
        folded = question.casefold()
        spans = {doc_id: [span for alias in self.aliases.get(doc_id, ()) for span in _name_spans(alias, folded)]
                 for doc_id in self.stems}
        for doc_id, span in self._shortened_names(folded):
            spans.setdefault(doc_id, []).append(span)
        every = [span for found in spans.values() for span in found]

        def inside_longer(span: tuple[int, int]) -> bool:
            return any(a <= span[0] and span[1] <= b and b - a > span[1] - span[0] for a, b in every)

        return {doc_id for doc_id, found in spans.items() if any(not inside_longer(span) for span in found)}

    def _shortened_names(self, folded_question: str) -> list[tuple[str, tuple[int, int]]]:
        """(doc_id, span) where the question writes a Chinese name the way Chinese shortens names: some of its
        characters, in order, from the start of one of its words to its last character (就业促进法 → 就促法,
        北京市人才市场管理条例 → 北京人才市场条例, 北京市就业援助规定 → 援助规定). Shorter than three characters is
        no name."""
        found = []
        for i, ch in enumerate(folded_question):
            matched: set[tuple[str, str]] = set()
            for doc_id, name, start in self.word_starts.get(ch, ()):
                if (doc_id, name) in matched:
                    continue
                j, k = i + 1, start + 1  # question offset, name offset
                while j < len(folded_question) and k < len(name):
                    at = name.find(folded_question[j], k)
                    if at < 0:
                        break
                    j, k = j + 1, at + 1
                if k == len(name) and j - i >= MIN_ABBREVIATION:
                    found.append((doc_id, (i, j)))
                    matched.add((doc_id, name))
        return found

    def for_embedding(self, question: str, mentioned: list[str]) -> str:
        """The question as it is embedded. When an English question names Chinese documents by their English
        names ("… under the Labor Contract Law"), the name is taken out: across languages it matches every clause
        of that document about equally and drowns what the question asks; which document it is stays known from
        ``mentioned``. (A Chinese name of an English text is kept: measured on the development sets, it helps.)"""
        if not mentioned or has_cjk(question) or not all(has_cjk(self.titles.get(d, "")) for d in mentioned):
            return question
        folded = question.casefold()
        spans = sorted(span for d in mentioned for alias in self.aliases.get(d, ()) for span in _name_spans(alias, folded))
        out, pos = [], 0
        for start, end in spans:
            if start >= pos:
                out.append(question[pos:start])
                pos = end
        stripped = " ".join("".join(out + [question[pos:]]).split())
        return stripped if re.search(r"\w", stripped) else question


def _name_spans(alias: str, folded_question: str) -> list[tuple[int, int]]:
    """Where an alias names a document in the question: a Chinese one anywhere, any other as whole words."""
    if len(alias) < 2:
        return []
    if has_cjk(alias):
        return [(m.start(), m.end()) for m in re.finditer(re.escape(alias), folded_question)]
    return [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", folded_question)]


_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{4,}")
MIN_ABBREVIATION = 3


def _word_starts(name: str) -> frozenset[int]:
    """Offsets in a Chinese name where jieba starts a word (中华人民共和国|就业|促进|法)."""
    starts, offset = set(), 0
    for word in quiet_jieba().lcut(name):
        starts.add(offset)
        offset += len(word)
    return frozenset(starts)


def without_references(text: str) -> str:
    """``text`` with its clause references taken out ("劳动合同法第十九条说了什么" → "劳动合同法说了什么"), so what
    is left shows whether the question asks anything beyond naming a clause."""
    return _ZH_ARTICLE.sub(" ", _KEYWORD_NUMBER.sub(" ", _CLAUSE_ID.sub(" ", text)))


def resolve(question: str, names: DocumentNames, mentioned: list[str] | None = None) -> Reference | None:
    """The clause the question points at explicitly, or None. ``mentioned``: ``names.mentioned(question)`` when
    the caller has it already."""
    match = _CLAUSE_ID.search(question)
    if match and match.group(1).split("#", 1)[0] in names.words:
        return Reference(doc_ids=(match.group(1).split("#", 1)[0],), clause_id=match.group(1))

    doc_ids = tuple(names.mentioned(question) if mentioned is None else mentioned)
    article = _ZH_ARTICLE.search(question)
    if article:
        value = cjk_value((article.group("num") or article.group("digits")).replace("两", "二"))
        sub = article.group("sub")
        if value:
            key = f"A{value}-{cjk_value(sub)}" if sub else f"A{value}"
            return Reference(doc_ids, str(value), "clause", key=key)
    found = [((m.group("kw") or m.group("okw")).lower(), _number(m.group("num") or m.group("ord")))
             for m in _KEYWORD_NUMBER.finditer(question)]
    part = next((num for kw, num in found if kw == "part"), "")
    leaf = [(kw, num) for kw, num in found if kw != "part"]
    if leaf:
        kw, num = leaf[0]
        return _checked(Reference(doc_ids, num, _KIND_BY_KEYWORD[kw], part))
    paren = _PAREN_ROMAN.search(question)
    if paren:
        return _checked(Reference(doc_ids, paren.group("num"), "clause", part))
    if part:
        return _checked(Reference(doc_ids, part, "part"))
    bare = _BARE_ROMAN.search(question)
    if bare and doc_ids:
        return _checked(Reference(doc_ids, bare.group("num"), "clause"))
    return None


def _number(text: str) -> str:
    return text.upper() if not text.isdigit() else str(int(text))


def _checked(ref: Reference) -> Reference | None:
    """Drop numbers that are not numerals at all (e.g. 'CL')."""
    if ref.number and not ref.number.isdigit() and roman_value(ref.number) is None:
        return None
    return ref
