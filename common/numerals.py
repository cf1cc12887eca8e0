"""Numbers with their units, in English and Chinese: 二百万元 = 2,000,000 yuan, 十五日 = 15 days, 百分之八十 = 80%.

Three parts of the product need to know that two strings state the same quantity: the answerer's check that
the evidence states the amount or duration asked for, the presupposition check (a question's "CNY 500,000
deposit" must occur somewhere), and the verifier of generated sentences. They all call ``find_quantities``.

Chinese numerals are converted by ``cn2an``; this module only finds the runs and reads the units after them.
A lone Chinese 一 with no unit is not a number ("统一", "一律", "一定"), nor is 一 after a determiner ("那一年",
"that year"), a numeral inside an article reference ("第十九条") or an item's number ("（五）", "一、"): those are
words and structure, not quantities.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_RUN = re.compile(rf"百分之[{_CN_DIGITS}十百千万亿点]+|[{_CN_DIGITS}十百千万亿][{_CN_DIGITS}十百千万亿点]*")
_ARABIC = re.compile(r"(?<![A-Za-z0-9.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_EN_WORD = re.compile(r"\b(?:" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_MULTIPLIER = re.compile(r"\s*(万|亿|千|thousand\b|million\b|billion\b)", re.IGNORECASE)

# unit pattern after a number -> canonical unit; the first that matches wins, so longer forms come first
_UNITS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), u) for p, u in (
    (r"\s*(?:%|％|per\s*cent\b|percent\b)", "percent"),
    (r"\s*(?:元|块钱|块|yuan\b|rmb\b)", "yuan"),
    (r"\s*(?:个)?(?:工作日|working\s+days?\b|work\s*days?\b|business\s+days?\b)", "day"),
    (r"\s*(?:日|天|days?\b)", "day"),
    (r"\s*(?:周岁|岁|years?\s+old\b)", "age"),
    (r"\s*(?:个)?(?:星期|周|weeks?\b)", "week"),
    (r"\s*(?:个月|months?\b)", "month"),
    (r"\s*(?:个)?(?:小时|hours?\b)", "hour"),
    (r"\s*(?:年|years?\b)", "year"),
    (r"\s*(?:人|名|persons?\b|people\b|employees?\b|workers?\b)", "person"),
    (r"\s*(?:倍|times\b)", "times"),
))
_MONTHS = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                         "dec"), start=1)}
_MONTH_NAME = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
               r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_EN_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH_NAME})(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?)?"
    rf"(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?\s+(?P<month2>{_MONTH_NAME})"
    rf"(?:,?\s+(?P<year2>(?:19|20)\d{{2}}))?)\b")
_MONTH_DAY = re.compile(r"\s*月(?:\s*(\d{1,2})\s*[日号])?")
_CURRENCY_BEFORE = re.compile(r"(?:cny|rmb|¥|￥|人民币)\s*$", re.IGNORECASE)
_ARTICLE_BEFORE = re.compile(r"第\s*$")
_KIND = {"percent": "percent", "yuan": "amount", "day": "duration", "week": "duration", "month": "duration",
         "hour": "duration", "year": "duration", "age": "age", "person": "count", "times": "count", "": "number"}


@dataclass(frozen=True)
class Quantity:
    """One number as stated, with its canonical unit (``""`` when none follows it)."""

    value: float
    unit: str  # yuan | day | week | month | hour | year | age | percent | person | times | date | ""
    kind: str  # amount | duration | percent | age | count | year | date | number
    text: str  # the surface form as it stands in the text
    start: int
    end: int

    def matches(self, other: "Quantity") -> bool:
        """Same value, and units that do not contradict (a bare number matches any unit of that value). Two dates
        match when the parts both give agree: 10月 (a month) is stated by "October 25, 2024"."""
        if self.kind == "date" and other.kind == "date":
            return all(a == b or not a or not b for a, b in zip(_date_parts(self), _date_parts(other)))
        if self.kind == "year" or other.kind == "year":
            return _year_of(self) is not None and _year_of(self) == _year_of(other)
        if abs(self.value - other.value) > 1e-9 * max(1.0, abs(self.value)):
            return False
        return not self.unit or not other.unit or self.unit == other.unit


def _date_parts(q: Quantity) -> tuple[int, int, int]:
    """(year, month, day) of a date valued yyyymmdd, 0 for a part not given."""
    value = int(q.value)
    return value // 10_000, value // 100 % 100, value % 100


def _year_of(q: Quantity) -> int | None:
    if q.kind == "year":
        return int(q.value)
    if q.kind == "date":
        return int(q.value) // 10_000 or None
    if not q.unit and 1900 <= q.value <= 2100 and q.value == int(q.value):
        return int(q.value)
    return None


@functools.lru_cache(maxsize=4096)
def _cn_value(run: str) -> float | None:
    """The value of a Chinese numeral run, or None when cn2an cannot read it."""
    import cn2an

    if run and all(ch in "〇零一二三四五六七八九" for ch in run) and len(run) >= 2:  # digit by digit: 二〇一二
        return float("".join(str("〇一二三四五六七八九".index(ch) if ch != "零" else 0) for ch in run))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(cn2an.cn2an(run.replace("两", "二"), "smart"))
        except (ValueError, KeyError, IndexError, TypeError):
            return None


def _numbers(text: str) -> list[tuple[int, int, float, bool]]:
    """(start, end, value, is_percent_word) of every numeral: Arabic, Chinese and English words."""
    found: list[tuple[int, int, float, bool]] = []
    for m in _ARABIC.finditer(text):
        found.append((m.start(), m.end(), float(m.group().replace(",", "")), False))
    for m in _CN_RUN.finditer(text):
        run, start = m.group(), m.start()
        percent = run.startswith("百分之")
        body = run[3:] if percent else run
        # a run that starts right after an Arabic number is its multiplier (5万), handled below
        if start > 0 and text[start - 1].isdigit() and body[0] in "万亿千":
            continue
        value = _cn_value(body)
        if value is None:
            continue
        if body == "一" and not percent and (not _unit_after(text, m.end()) or text[start - 1:start] in _DETERMINERS):
            continue  # 统一, 一律, 一定, 那一年 ("that year"): a word, not a number
        found.append((start, m.end(), value, percent))
    for m in _EN_WORD.finditer(text):
        found.append((m.start(), m.end(), float(_EN_WORDS[m.group().lower()]), False))
    found.sort()
    return found


# 两成 / 三成: tenths, the everyday way to say 20% or 30% ("工资涨两成", "占几成"). One Chinese digit before 成, and not
# the 成 of a word (一成不变, 三成员, 七成立): 成为, 成立, 成本, 成员 … start with it.
_TENTHS = re.compile(r"(?<![\d零〇一二两三四五六七八九十百千万])[一二两三四五六七八九十]成(?![为立本员果功绩年熟交品效都人就长型不])")
_DETERMINERS = set("那这该同")  # 那一年, 这一天, 同一用人单位: "that", "the same", not "one"


def _unit_after(text: str, pos: int) -> tuple[str, int] | None:
    for pattern, unit in _UNITS:
        m = pattern.match(text, pos)
        if m:
            return unit, m.end()
    return None


def find_quantities(text: str) -> list[Quantity]:
    """Every number in ``text`` with the unit that follows it; dates and years are recognised as such."""
    english_dates = _english_dates(text)
    out: list[Quantity] = []
    for start, end, value, percent in _numbers(text):
        if out and start < out[-1].end or any(d.start <= start < d.end for d in english_dates):
            continue  # already read as part of a date or a multiplied amount
        if _ARTICLE_BEFORE.search(text[max(0, start - 2):start]):
            continue  # 第十九条: an article number, not a quantity
        if _is_list_marker(text, start, end):
            continue  # "（五）", "(3)", "一、", "1. ": the number of an item, not a quantity
        m = _MULTIPLIER.match(text, end)
        if m:
            value *= _MULTIPLIERS[m.group(1).lower()]
            end = m.end()
        if percent:
            out.append(Quantity(value, "percent", "percent", text[start:end], start, end))
            continue
        tenths = _TENTHS.match(text, start)
        if tenths and tenths.end() == end + 1:
            out.append(Quantity(value * 10, "percent", "percent", text[start:end + 1], start, end + 1))
            continue
        date = _date_after(text, start, end, value)
        if date is not None:
            out.append(date)
            continue
        unit_end = _unit_after(text, end)
        unit, stop = unit_end if unit_end else ("", end)
        if unit == "day" and text[stop - 1:stop] in ("日", "号") or not unit and 1 <= value <= 31:
            previous = max(out[-1:] + [d for d in english_dates if d.end <= start], key=lambda q: q.end, default=None)
            if (previous is not None and previous.kind == "date" and int(previous.value) % 100
                    and _RANGE_TO.fullmatch(text[previous.end:start])):
                # "7月28日到29日", "July 28 to 29": the last day of a range of dates, not 29 days or a bare 29
                day = float(int(previous.value) // 100 * 100 + int(value))
                out.append(Quantity(day, "date", "date", text[start:stop], start, stop))
                continue
        if not unit and _CURRENCY_BEFORE.search(text[max(0, start - 6):start]):
            unit = "yuan"
        if unit in ("year", "") and value == int(value) and 1900 <= value <= 2100 and _looks_like_calendar_year(
                text, end, unit):
            out.append(Quantity(value, "year", "year", text[start:stop], start, stop))
            continue
        out.append(Quantity(value, unit, _KIND[unit], text[start:stop], start, stop))
    return sorted(out + english_dates, key=lambda q: q.start)


_RANGE_TO = re.compile(r"\s*(?:到|至|-|–|—|~|～|to)\s*")
_LINE_START = re.compile(r"(?:^|\n)[ \t\u3000#>*-]*$")


def _is_list_marker(text: str, start: int, end: int) -> bool:
    """An item's number: in brackets of its own ("（五）", "(3)"), or opening a line before "、" or ". " ("一、", "1. ")."""
    before, after = text[max(0, start - 1):start], text[end:end + 2]
    if before in ("(", "（") and after[:1] in (")", "）"):
        return True
    return bool(_LINE_START.search(text, max(0, start - 12), start)) and (
        after[:1] in ("、", "．") or after[:1] == "." and after[1:2] in (" ", "\t", ""))


def _english_dates(text: str) -> list[Quantity]:
    """"October 25, 2024", "25 October", "28-29 July 2021", "July 2021" and a month alone ("in October") as dates
    valued yyyymmdd like the Chinese ones, so 10月 and "October 25" state the same month. "May" alone is a verb."""
    dates = []
    for m in _EN_DATE.finditer(text):
        month_name = m.group("month") or m.group("month2")
        if month_name.lower() == "may" and not (m.group("day") or m.group("day2") or m.group("year")
                                                or m.group("year2")):
            continue
        month = _MONTHS[month_name.lower()[:3]]
        day = int(m.group("day") or m.group("day2") or 0)
        year = int(m.group("year") or m.group("year2") or 0)
        if day > 31:
            continue
        dates.append(Quantity(float(year * 10_000 + month * 100 + day), "date", "date", m.group(), m.start(), m.end()))
    return dates


def _looks_like_calendar_year(text: str, end: int, unit: str) -> bool:
    """2025年 or "in 2025" is a year; "2025 years" never occurs in policy text, so any 19xx/20xx qualifies."""
    return unit == "year" and text[end:end + 1] == "年" or unit == ""


def _date_after(text: str, start: int, end: int, value: float) -> Quantity | None:
    """2012年12月28日 / 12月28日 / 2月底: a date, valued yyyymmdd (year 0 when not given)."""
    year = 0
    pos = end
    if 1900 <= value <= 2100 and text[end:end + 1] == "年":
        nums = [n for n in _numbers(text[end + 1:end + 4]) if n[0] == 0]
        if not nums:
            return None
        year, (s2, e2, month, _) = int(value), nums[0]
        pos = end + 1 + e2
    else:
        month = value
    if not (1 <= month <= 12 and month == int(month)):
        return None
    m = re.match(r"\s*月", text[pos:pos + 3])
    if not m:
        return None
    pos += m.end()
    day = 0
    rest = [n for n in _numbers(text[pos:pos + 4]) if n[0] == 0]
    if rest and re.match(r"\s*[日号]", text[pos + rest[0][1]:pos + rest[0][1] + 2]):
        day = int(rest[0][2])
        pos += rest[0][1] + 1
    elif year == 0 and not re.match(r"(?:底|初|中旬|上旬|下旬|末|份)", text[pos:pos + 2]):
        return None  # "六个月" is caught earlier; a bare "2月" after a number is rarely a date without 底/份
    return Quantity(float(year * 10_000 + int(month) * 100 + day), "date", "date", text[start:pos], start, pos)


def quantities_of_kind(text: str, *kinds: str) -> list[Quantity]:
    """The quantities in ``text`` of the given kinds (all when none are given)."""
    return [q for q in find_quantities(text) if not kinds or q.kind in kinds]


def has_number(text: str) -> bool:
    """Whether the text states any number at all, in digits, Chinese numerals or English words."""
    return bool(find_quantities(text))


def stated_in(quantity: Quantity, text: str) -> bool:
    """Whether ``text`` states ``quantity`` (same value, compatible unit), however it writes it."""
    return any(quantity.matches(other) for other in find_quantities(text))
