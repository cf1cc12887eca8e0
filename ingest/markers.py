"""The marker grammar: which line openings start a part, a clause or an item.

The grammar is data, so a new numbering style (Chinese 第X条, 一、, （一）, …) is one
row here rather than a change to the parser. A marker only counts at the start of a
line and when the words after it look like a heading (capitalised or CJK), which is
how a heading is told from an in-text reference such as "(XIV) of the plan".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Container levels hold other records; leaf levels hold text and may nest (an item inside a clause).
PART, SECTION, CLAUSE, ITEM = 1, 2, 3, 4


@dataclass(frozen=True)
class Marker:
    """One way a structural unit can open a line."""

    name: str
    level: float  # nesting depth: a unit closes every open unit at its level or deeper
    pattern: re.Pattern[str]
    numbering: str  # roman | arabic | cjk | none
    key_format: str  # how the unit appears in a clause_id, e.g. "{num}" or "A{value}"
    label_format: str  # how it appears in a human label, e.g. "Clause ({num})"
    title_is_line: bool = False  # the rest of the line is the title (else: its first sentence)
    kind: str = ""  # part | section | clause | item; "" derives it from the level
    # An article of a law (第X条) is one clause whatever it holds: its later paragraphs (款) and items (项, 目)
    # belong to it, numbered uniquely in the document, and cited as "劳动合同法 第十九条", without containers.
    article: bool = False
    crumb_format: str = "{label}: {title}"  # how the unit shows in a breadcrumb when it has a title


_HEADLIKE = r"(?=[\"“*A-Z\u00c0-\u00d6\u00d8-\u00de\u4e00-\u9fff])"  # a heading continues with a capital, a quote, bold or CJK
_CJK_NUM = r"[一二三四五六七八九十百千零〇\d]+"
_GAP = r"[\s\u3000]"  # Chinese texts separate a marker from its text by a space, often a full-width one

MARKERS: tuple[Marker, ...] = (
    Marker("roman-part", PART, re.compile(rf"^(?P<num>[IVXLC]{{1,7}})\.\s+{_HEADLIKE}(?P<rest>[^\n]{{1,200}})$"),
           "roman", "{num}", "Part {num}", title_is_line=True),
    Marker("roman-clause", CLAUSE, re.compile(rf"^\((?P<num>[IVXLC]{{1,7}})\)\s*{_HEADLIKE}(?P<rest>.+)$"),
           "roman", "{num}", "Clause ({num})"),
    Marker("arabic-item", ITEM, re.compile(rf"^(?P<num>\d{{1,2}})[.)、]\s*{_HEADLIKE}(?P<rest>.+)$"),
           "arabic", "{num}", "Item {num}"),
    Marker("markdown-heading", SECTION, re.compile(r"^#{1,6}\s+(?P<rest>\S.{0,200})$"),
           "none", "S{seq}", "“{title}”", title_is_line=True, crumb_format="{label}"),
    # Chinese laws: 编 > 章 > 节 > 条 (article) > 款 (paragraph) > 项 （一） > 目 1.
    Marker("zh-book", PART, re.compile(rf"^第(?P<num>{_CJK_NUM})编{_GAP}*(?P<rest>.*)$"),
           "cjk", "B{value}", "第{num}编", title_is_line=True, kind="part", crumb_format="{label} {title}"),
    Marker("zh-chapter", PART + 0.3, re.compile(rf"^第(?P<num>{_CJK_NUM})章{_GAP}*(?P<rest>.*)$"),
           "cjk", "C{value}", "第{num}章", title_is_line=True, kind="part", crumb_format="{label} {title}"),
    Marker("zh-section", PART + 0.6, re.compile(rf"^第(?P<num>{_CJK_NUM})节{_GAP}*(?P<rest>.*)$"),
           "cjk", "S{value}", "第{num}节", title_is_line=True, kind="section", crumb_format="{label} {title}"),
    Marker("zh-article", CLAUSE,
           re.compile(rf"^第(?P<num>{_CJK_NUM})条(?:之(?P<sub>[一二三四五六七八九十]+))?(?:{_GAP}+|$)(?P<rest>.*)$"),
           "cjk", "A{value}", "第{num}条", kind="clause", article=True),
    Marker("zh-annex", PART, re.compile(rf"^附件{_GAP}*(?P<num>\d*)[：:]?{_GAP}*(?P<rest>[^。；]{{0,60}})$"),
           "arabic", "ANX{num}", "附件{num}", title_is_line=True, kind="part", crumb_format="{label} {title}"),
    # Chinese plans and opinions: 一、 > （一） > 1. > （1）
    Marker("zh-part", PART, re.compile(r"^(?P<num>[一二三四五六七八九十]+)、\s*(?P<rest>.+)$"),
           "cjk", "{value}", "{num}、", title_is_line=True, crumb_format="{label}{title}"),
    Marker("zh-clause", CLAUSE, re.compile(r"^[（(](?P<num>[一二三四五六七八九十]+)[）)]\s*(?P<rest>.+)$"),
           "cjk", "({value})", "（{num}）", crumb_format="{label}{title}"),
    Marker("zh-subitem", ITEM + 0.5, re.compile(r"^[（(](?P<num>\d{1,2})[）)]\s*(?P<rest>.+)$"),
           "arabic", "({num})", "（{num}）", crumb_format="{label}{title}"),
)

# A line that is a heading by its shape alone: short, capitalised, no sentence-final stop.
HEADING_MAX_CHARS = 110
HEADING_MAX_WORDS = 16
_SENTENCE_END = re.compile(r"[.;:,。；：，][\"”’)]*$")


def roman_value(text: str) -> int | None:
    """The value of a Roman numeral, or None when the letters do not form one."""
    total, prev = 0, 0
    for ch in reversed(text):
        value = _ROMAN_VALUES.get(ch)
        if value is None:
            return None
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total if total > 0 and to_roman(total) == text else None


def to_roman(value: int) -> str:
    """Canonical Roman numeral, used to reject malformed ones such as IIII or VX."""
    out = []
    for number, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"),
                            (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out.append(letters)
            value -= number
    return "".join(out)


def cjk_value(text: str) -> int | None:
    """Value of a Chinese numeral up to 9,999 (一, 十二, 二十三, 一百零五) or of ASCII digits."""
    if text.isascii() and text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CJK_DIGITS:
            current = _CJK_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "千":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    total += current
    return total or None


def to_cjk(value: int) -> str:
    """A Chinese numeral as laws print article numbers: 19 → 十九, 42 → 四十二, 110 → 一百一十, 105 → 一百零五."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value < 20:
        return "十" + (digits[value % 10] if value % 10 else "")
    if value < 100:
        return digits[value // 10] + "十" + (digits[value % 10] if value % 10 else "")
    if value < 1000:
        rest = value % 100
        tail = "" if rest == 0 else ("零" + digits[rest]) if rest < 10 else (
            digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))
        return digits[value // 100] + "百" + tail
    return str(value)


def numeral_value(marker: Marker, num: str) -> int | None:
    """The numeric value of a marker's number, or None when it is not a valid numeral."""
    if marker.numbering == "roman":
        return roman_value(num)
    if marker.numbering == "arabic":
        return int(num) if num else 0
    if marker.numbering == "cjk":
        return cjk_value(num)
    return 0


def match_marker(line: str) -> tuple[Marker, re.Match[str]] | None:
    """The first marker that opens ``line`` with a valid numeral, with its match."""
    for marker in MARKERS:
        match = marker.pattern.match(line)
        if match and numeral_value(marker, match.groupdict().get("num") or "") is not None:
            return marker, match
    return None


def looks_like_heading(line: str) -> bool:
    """A short line with no sentence-final punctuation: a title or a question-style subheading."""
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_CHARS or len(stripped.split()) > HEADING_MAX_WORDS:
        return False
    if _SENTENCE_END.search(stripped):
        return False
    first = stripped[0]
    return first.isupper() or first in "“\"" or "\u4e00" <= first <= "\u9fff"
