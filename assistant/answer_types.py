"""What kind of detail a question asks for, and whether the evidence contains one.

A question about a topic the corpus covers can still ask for a detail it does not give
(an amount, a phone number, a document number, dates, names). Retrieval finds the
topic and scores high, so the decline threshold cannot catch these near misses; this
table can. It is data: each row is a question pattern, the evidence shape that answers
it, and a name for reports. Rows apply to English and Chinese questions alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"


@dataclass(frozen=True)
class DetailType:
    """A kind of detail: the question asks for it when ``asks`` matches; ``answered_by`` must match the evidence."""

    name: str
    asks: re.Pattern[str]
    answered_by: re.Pattern[str]


_MONEY_WORDS = r"(subsid\w*|fine|fines|fee|fees|wage|wages|salary|budget|revenue|allowance|price|cost|charge|penalt\w*|" \
               r"reward|grant|bonus|benefit|insurance|tax)"
DETAIL_TYPES: tuple[DetailType, ...] = (
    DetailType(
        "amount",
        re.compile(rf"\bhow (much|large|big|high)\b|\bwhat amount\b|\bby what percentage\b|"
                   rf"\b(maximum|minimum|total|exact|specific) (\S+ ){{0,3}}{_MONEY_WORDS}\b|"
                   rf"\b{_MONEY_WORDS} (rate|amount|level|standard)\b|金额|多少钱|罚款|工资标准|补贴标准", _I),
        re.compile(r"\d[\d,.]*\s*(%|percent|per cent|yuan|cny|rmb|dollars?|usd|billion|million|元|万|亿)|"
                   r"(cny|rmb|usd|\$|¥)\s*\d", _I),
    ),
    DetailType(
        "date",
        re.compile(r"^\s*(by |until |since )?when\b|\b(what|which) (is the |are the )?(date|dates|day|year|month)\b|"
                   r"\bdeadline\b|\bby what (date|time|year)\b|什么时候|何时|哪一?年|日期|截止", _I),
        re.compile(rf"\b(1[89]|20)\d\d\b|(?-i:\b({_MONTHS})\b)|\d+\s*(年|月|日)", _I),  # "may" is not May
    ),
    DetailType(
        "contact",
        re.compile(r"\b(phone|telephone|hotline|e-?mail|website|web site|url|address)\b|\bnumber (do|should|can) i call\b|"
                   r"\bwhere (can|do|should) i (download|find|get|read|obtain)\b|电话|热线|网址|网站|地址", _I),
        re.compile(r"\d{3,}[-\s]\d{3,}|\b\d{5,}\b|https?://|www\.|\S+@\S+\.\w+|\.gov\b|\.cn\b|"
                   r"\b(Road|Street|Avenue|District)\b|路\d|号楼", _I),
    ),
    DetailType(
        "document number",
        re.compile(r"\b(document|file|circular|notice) number\b|\bnumbered\b|文号", _I),
        re.compile(r"\[\s*(19|20)\d\d\s*\]\s*No\.?\s*\d+|\bNo\.\s*\d+|〔(19|20)\d\d〕\d+号", _I),
    ),
    DetailType(
        "names",
        re.compile(r"\b(names|titles) of\b|\bwhat (is|are) (it|they|\w+ ){0,6}called\b|叫什么|名称", _I),
        re.compile(r"[\"“][^\"”]{3,}[\"”]|(?<=[a-z,;] )([A-Z][a-z]+(?: (?:of|for|and|the|in) )?){2,}"),
    ),
)


def requested_details(question: str) -> list[DetailType]:
    """The kinds of detail ``question`` asks for (usually none or one)."""
    return [d for d in DETAIL_TYPES if d.asks.search(question)]


def missing_detail(question: str, evidence: str) -> str | None:
    """The name of a detail the question asks for that the evidence lacks, or None."""
    for detail in requested_details(question):
        if not detail.answered_by.search(evidence):
            return detail.name
    return None
