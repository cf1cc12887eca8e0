"""Checks on generated sentences, in code, before anyone sees them.

A language model writes fluent text and invents facts; a small one invents many. So a
generated sentence is kept only when

- it cites at least one clause, and every clause it cites was given to the model
  (a fabricated ``[7]`` drops the whole sentence: it must never reach the answer);
- every number, amount, date, percentage and duration in it is stated by a clause it
  cites, however that clause writes it (``common.numerals``: 二百万元 = 2,000,000 yuan,
  十五日 = 15 days);
- every proper name in it occurs in a clause it cites (capitalised multi-word names in
  English; 《》-quoted titles and named bodies such as …部, …局, …委员会 in Chinese).

Each dropped sentence carries a short reason, so ``Answer.to_dict()`` can say why.
The checks are deliberately strict: a true sentence dropped costs a fallback to the
extractive answer; an invented figure kept would cost the user's trust.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from common.numerals import find_quantities

# [1], [1, 2], [1][2], 【1】, ［1］: the model's citation markers
# (one or two digits: "[2022] No. 83" is a document number, not a citation)
_MARKER = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*)\s*[\]】］]")
# A sentence ends at terminal punctuation (not a decimal point), plus any markers and closing quotes after it on the
# same line (a marker that starts the next line belongs to the next sentence: "[2] The subsidy …").
_END = re.compile(r"(?<!\d)[.!?](?!\d)|[。！？]|\n+")
# a full stop after these is an abbreviation, not a sentence end ("Ren She Bu Fa [2022] No. 83")
_ABBREVIATION = re.compile(r"\b(?:No|Nos|Art|Arts|Para|Mr|Ms|Mrs|Dr|St|Fig|Vol|pp|e\.g|i\.e|etc|vs)$", re.IGNORECASE)
_TRAILING = re.compile(r"(?:[ \t]*[\[【［]\s*\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*\s*[\]】］]|[\"'”’)）])*")
# English proper names: two or more capitalised words, allowing "of", "and", "for", "the" inside
_CAP = r"[A-Z][A-Za-z'’\-]*[a-z][A-Za-z'’\-]*|[A-Z]{2,}"
_NAME = re.compile(rf"\b(?:{_CAP})(?:\s+(?:(?:of|and|for|the|on|in|de)\s+)*(?:{_CAP}))+\b")
# capitalised words that start sentences or are generic, not part of a name
_NOT_NAME_WORDS = frozenset("""
a an the this that these those it its in on at by for to of from under with according as and or but if when where
while which who what how yes no also there here each every all any some such both either neither not so thus
however therefore moreover furthermore additionally first second third finally then
article articles clause clauses item items part parts section sections paragraph chapter measure measures point
""".split())
_TITLE_ZH = re.compile(r"《[^》]{1,60}》")
# named bodies in Chinese: a run of Chinese characters ending in an organisation word (longest words first),
# unless the characters around it make it an ordinary word (部门, 全部, 内部, 局面, 大局, 格局 …)
_BODY_SUFFIX = re.compile("委员会|办公室|办公厅|人民政府|协会|集团|公司|银行|大学|学院|中心|部|局|厅|委|院")
_NOT_BODY_AFTER = {"部": set("门分署长位件队"), "局": set("面势部长限"), "厅": set("长"), "委": set("员托屈婉"),
                   "院": set("长士子校"), "中心": set("城区")}
_NOT_BODY_BEFORE = {"部": set("全内外干局东西南北中腹胸头背足细上下"), "局": set("全大格布结当出开终饭赌"),
                    "厅": set("大餐客舞"), "院": set("医庭剧影"), "中心": set("核重为")}
# characters that cannot be inside the name of a body: they end the run before it
_NAME_BREAK = set("的由经向对在请到是为将把从按据等给让被使之及或并其以于各该本此同")
# generic bodies a sentence may name without the clause naming them ("有关部门", "相关部门")
_GENERIC_BODIES = ("有关部门", "相关部门", "各部门", "主管部门", "政府部门", "部门", "全局", "大局", "格局", "布局", "结局",
                   "当局", "出局", "开局", "服务中心")
# the model telling us the clauses do not answer ("The clauses do not state…", "条款未提及…")
_NOT_STATED = re.compile(
    r"\b(?:do(?:es)?\s+not|don't|doesn't|did\s+not|cannot|can't|is\s+not|are\s+not|isn't|aren't)\s+"
    r"(?:\w+\s+){0,3}(?:state|say|mention|specify|answer|provide|include|contain|address|cover|give|stated|"
    r"mentioned|specified|provided)\b|\bno\s+(?:information|mention|details?|answer)\b|\bnot\s+(?:stated|mentioned|"
    r"specified|provided|given|answered)\b|\bunable\s+to\s+(?:answer|find|determine)\b|"
    r"未(?:提及|提到|说明|规定|明确|涉及|载明|列出|给出)|没有(?:提及|提到|说明|规定|明确|涉及|相关|给出)|无法(?:回答|确定|得知)|"
    r"并未|不包含|未包含|没有包含",
    re.IGNORECASE)


@dataclass
class SentenceCheck:
    """One generated sentence and the verdict on it."""

    text: str  # as generated, markers included
    cited: list[int]  # the [n] it cites, in order
    kept: bool
    reason: str = ""  # why it was dropped, e.g. "no citation", "cites [7], which was not given", "number 3,000 yuan not in [1]"

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "cited": self.cited, "kept": self.kept, "reason": self.reason}


@dataclass
class Verification:
    """All sentences of one generated answer, kept and dropped."""

    sentences: list[SentenceCheck] = field(default_factory=list)
    says_not_stated: bool = False  # the model said the clauses do not answer

    @property
    def kept(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.kept]

    @property
    def dropped(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if not s.kept]


def split_sentences(text: str) -> list[str]:
    """Generated text as sentences, each with the ``[n]`` markers written right after its full stop.

    Models put the marker before or after the full stop ("… yuan [1]." or "… yuan. [1]"); both stay with their
    sentence. Decimal points (2.5%) do not end a sentence; line breaks (list items) do.
    """
    out: list[str] = []
    pos = 0
    for m in _END.finditer(text):
        if m.start() < pos or m.group() == "." and _ABBREVIATION.search(text[pos:m.start()]):
            continue
        end = m.end()
        end = _TRAILING.match(text, end).end()
        piece = text[pos:end].strip()
        if piece:
            out.append(piece)
        pos = end
    rest = text[pos:].strip()
    if rest:
        out.append(rest)
    return [s for s in (_clean_list_marker(s) for s in out) if _has_content(s)]


def _clean_list_marker(sentence: str) -> str:
    return re.sub(r"^(?:[-*•]\s+|\d{1,2}[.)]\s+)", "", sentence).strip()


def _has_content(sentence: str) -> bool:
    return bool(re.search(r"[A-Za-z\u4e00-\u9fff]", _MARKER.sub("", sentence)))


def citations_of(sentence: str) -> list[int]:
    """The clause numbers a sentence cites, in order, without repeats."""
    seen: list[int] = []
    for m in _MARKER.finditer(sentence):
        for n in re.split(r"[^\d]+", m.group(1)):
            if n and int(n) not in seen:
                seen.append(int(n))
    return seen


def strip_markers(sentence: str) -> str:
    """The sentence without its ``[n]`` markers (what the number and name checks read)."""
    return re.sub(r"\s+([.,;:!?。，；：！？])", r"\1", _MARKER.sub("", sentence)).strip()


def _norm(text: str) -> str:
    """Compare texts without case, width or spacing differences (全角 vs half-width, line breaks in PDFs)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).lower().replace("’", "'")


def unsupported_quantities(sentence: str, evidence: str) -> list[str]:
    """Surface forms of the quantities in ``sentence`` that ``evidence`` does not state."""
    stated = find_quantities(evidence)
    missing = []
    for q in find_quantities(sentence):
        if q.kind == "number" and q.text.lower() in {"one", "a"}:
            continue  # "one of the measures": a word, not a figure
        if not any(q.matches(s) for s in stated):
            missing.append(q.text)
    return missing


def proper_names(sentence: str) -> list[str]:
    """The proper names a sentence states: English capitalised multi-word names, Chinese titles and bodies."""
    names: list[str] = []
    for m in _NAME.finditer(sentence):
        words = m.group().split()
        while words and words[0].lower().strip("'’") in _NOT_NAME_WORDS:
            words.pop(0)  # "The Beijing Plan" -> "Beijing Plan"; "Under Article" -> nothing
        while words and words[-1].lower() in {"of", "and", "for", "the", "on", "in", "de"}:
            words.pop()
        if len(words) >= 2 and not all(w.lower() in _NOT_NAME_WORDS for w in words):
            names.append(" ".join(words))
    names += [m.group() for m in _TITLE_ZH.finditer(sentence)]
    names += _bodies(sentence)
    return names


def _bodies(sentence: str) -> list[str]:
    """Chinese names of bodies: from an organisation word back to a character no name contains."""
    found = []
    for m in _BODY_SUFFIX.finditer(sentence):
        word, after = m.group(), sentence[m.end():m.end() + 1]
        before = sentence[m.start() - 1:m.start()] if m.start() else ""
        if after in _NOT_BODY_AFTER.get(word, ()) or before in _NOT_BODY_BEFORE.get(word, ()):
            continue
        start = m.start()
        while start > 0 and "\u4e00" <= sentence[start - 1] <= "\u9fff" and sentence[start - 1] not in _NAME_BREAK:
            start -= 1
        name = sentence[start:m.end()]
        if len(name) >= 3 and not name.endswith(_GENERIC_BODIES):
            if found and found[-1] in name:
                found[-1] = name  # 国务院办公厅: one body, not two
            else:
                found.append(name)
    return found


def unsupported_names(sentence: str, evidence: str) -> list[str]:
    """The proper names in ``sentence`` that do not occur in ``evidence``."""
    haystack = _norm(evidence)
    missing = []
    for name in proper_names(sentence):
        # "国务院办公厅和北京市人力资源和社会保障局" may be two bodies joined by 和: every part must occur then
        if _norm(name) not in haystack and not all(_norm(part) in haystack for part in re.split("[和与]", name) if part):
            missing.append(name)
    return missing


def says_not_stated(text: str) -> bool:
    """Whether the model says the clauses do not state what was asked (then the extractive answer is used)."""
    return bool(_NOT_STATED.search(text))


def check_sentence(sentence: str, clauses: Mapping[int, str]) -> SentenceCheck:
    """Keep ``sentence`` only if it cites given clauses and all its figures and names are in them."""
    cited = citations_of(sentence)
    if not cited:
        return SentenceCheck(sentence, cited, False, "no citation")
    unknown = [n for n in cited if n not in clauses]
    if unknown:
        return SentenceCheck(sentence, cited, False,
                             "cites " + ", ".join(f"[{n}]" for n in unknown) + ", which was not given")
    body = strip_markers(sentence)
    evidence = "\n".join(clauses[n] for n in cited)
    where = "".join(f"[{n}]" for n in cited)
    numbers = unsupported_quantities(body, evidence)
    if numbers:
        return SentenceCheck(sentence, cited, False, f"figure {numbers[0]!r} is not in {where}")
    names = unsupported_names(body, evidence)
    if names:
        return SentenceCheck(sentence, cited, False, f"name {names[0]!r} is not in {where}")
    return SentenceCheck(sentence, cited, True)


def verify(generated: str, clauses: Mapping[int, str], headings: Mapping[int, str] | None = None) -> Verification:
    """Check every sentence of ``generated`` against ``clauses`` (prompt number -> label, title and text).

    ``headings`` (prompt number -> the label and title line the prompt put above the clause): a sentence that only
    repeats one states nothing, though it passes every other check (small models echo the prompt)."""
    result = Verification()
    for sentence in split_sentences(generated):
        if says_not_stated(strip_markers(sentence)):
            result.says_not_stated = True
            result.sentences.append(SentenceCheck(sentence, citations_of(sentence), False,
                                                  "says the clauses do not answer"))
            continue
        check = check_sentence(sentence, clauses)
        echoed = _echoed_heading(check, headings or {})
        if check.kept and echoed:
            check = SentenceCheck(sentence, check.cited, False, f"only repeats the heading of [{echoed}]")
        result.sentences.append(check)
    return result


def _echoed_heading(check: SentenceCheck, headings: Mapping[int, str]) -> int | None:
    """The clause whose heading the sentence's words all come from, if any."""
    words = set(_norm(strip_markers(check.text)).replace("—", " ").split())
    for n in check.cited:
        heading = set(_norm(headings.get(n, "")).replace("—", " ").split())
        if heading and words and len(words - heading) <= max(1, len(words) // 5):
            return n
    return None


def renumber(sentences: Sequence[SentenceCheck]) -> tuple[list[str], list[int]]:
    """The kept sentences with their markers renumbered 1..m in order of first citation, and the prompt numbers
    in that order (so the answer's citation chips are [1], [2] … like the extractive answer's)."""
    order: list[int] = []
    for s in sentences:
        for n in s.cited:
            if n not in order:
                order.append(n)
    new = {old: i for i, old in enumerate(order, start=1)}

    def repl(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.split(r"[^\d]+", m.group(1)) if n]
        return "".join(f"[{new[n]}]" for n in dict.fromkeys(nums))

    return [_MARKER.sub(repl, s.text) for s in sentences], order
