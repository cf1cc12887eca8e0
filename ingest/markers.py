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
    level: int
    pattern: re.Pattern[str]
    numbering: str  # roman | arabic | cjk | none
    key_format: str  # how the unit appears in a clause_id, e.g. "{num}" or "A{value}"
    label_format: str  # how it appears in a human label, e.g. "Clause ({num})"
    title_is_line: bool = False  # the rest of the line is the title (else: its first sentence)


_HEADLIKE = r"(?=[\"“*A-Z\u00c0-\u00d6\u00d8-\u00de\u4e00-\u9fff])"  # a heading continues with a capital, a quote, bold or CJK

MARKERS: tuple[Marker, ...] = (
    Marker("roman-part", PART, re.compile(rf"^(?P<num>[IVXLC]{{1,7}})\.\s+{_HEADLIKE}(?P<rest>[^\n]{{1,200}})$"),
           "roman", "{num}", "Part {num}", title_is_line=True),
    Marker("roman-clause", CLAUSE, re.compile(rf"^\((?P<num>[IVXLC]{{1,7}})\)\s*{_HEADLIKE}(?P<rest>.+)$"),
           "roman", "{num}", "Clause ({num})"),
    Marker("arabic-item", ITEM, re.compile(rf"^(?P<num>\d{{1,2}})[.)]\s+{_HEADLIKE}(?P<rest>.+)$"),
           "arabic", "{num}", "Item {num}"),
    Marker("markdown-heading", SECTION, re.compile(r"^#{1,6}\s+(?P<rest>\S.{0,200})$"),
           "none", "S{seq}", "“{title}”", title_is_line=True),
    Marker("zh-chapter", PART, re.compile(r"^第(?P<num>[一二三四五六七八九十百零〇\d]+)[章编部分]\s*(?P<rest>.*)$"),
           "cjk", "C{value}", "第{num}章", title_is_line=True),
    Marker("zh-article", CLAUSE, re.compile(r"^第(?P<num>[一二三四五六七八九十百零〇\d]+)条\s*(?P<rest>.*)$"),
           "cjk", "A{value}", "第{num}条"),
    Marker("zh-part", PART, re.compile(r"^(?P<num>[一二三四五六七八九十]+)、\s*(?P<rest>.+)$"),
           "cjk", "{value}", "{num}、", title_is_line=True),
    Marker("zh-clause", CLAUSE, re.compile(r"^[（(](?P<num>[一二三四五六七八九十]+)[）)]\s*(?P<rest>.+)$"),
           "cjk", "({value})", "（{num}）"),
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
    """Value of a Chinese numeral up to 999 (一, 十二, 二十三, 一百零五) or of ASCII digits."""
    if text.isdigit():
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
        else:
            return None
    total += current
    return total or None


def numeral_value(marker: Marker, num: str) -> int | None:
    """The numeric value of a marker's number, or None when it is not a valid numeral."""
    if marker.numbering == "roman":
        return roman_value(num)
    if marker.numbering == "arabic":
        return int(num)
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
