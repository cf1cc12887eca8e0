"""Cross-references inside an article: "违反本条例第十八条第一款规定", "依照本法第四十七条规定".

They are references, not headings: the marker grammar only opens a unit at the start of a line. Here they are
collected so a clause can link to the articles it cites and back, and a penalty article is one click from
the duty it enforces. A reference to another law ("《中华人民共和国劳动法》第四十四条") is not an article of
this document and is left out.
"""

from __future__ import annotations

import re

from ingest.markers import cjk_value

_NUM = r"[一二三四五六七八九十百千零〇\d]+"
# 第X条, optionally 之Y, then any 第X款/第X项 and joined lists or ranges: 第三十九条和第四十条第一项、第二项
_ARTICLE = re.compile(rf"第(?P<num>{_NUM})条(?:之(?P<sub>[一二三四五六七八九十]+))?")
_RANGE = re.compile(rf"第(?P<a>{_NUM})条(?:第{_NUM}[款项])*(?:至|到)第(?P<b>{_NUM})条")
_OTHER_LAW = re.compile(r"》\s*$")


def article_references(text: str) -> list[str]:
    """Keys ("A18", "A19-1") of the articles of the same document that ``text`` refers to, in order, no repeats.

    A 第X条 at the very start of the text is the article's own marker, not a reference.
    """
    keys: list[str] = []
    for match in _ARTICLE.finditer(text):
        if match.start() == 0 or _OTHER_LAW.search(text[max(0, match.start() - 3):match.start()]):
            continue
        value = cjk_value(match.group("num"))
        if value is None:
            continue
        sub = match.group("sub")
        keys.append(f"A{value}-{cjk_value(sub)}" if sub else f"A{value}")
    for match in _RANGE.finditer(text):
        a, b = cjk_value(match.group("a")), cjk_value(match.group("b"))
        if a and b and a < b <= a + 50:
            keys.extend(f"A{v}" for v in range(a + 1, b))
    return list(dict.fromkeys(keys))
