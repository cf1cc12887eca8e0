"""What kind of detail a question asks for, and whether the evidence contains one.

A question about a topic the corpus covers can still ask for a detail it does not give
(an amount, a phone number, a document number, dates, names). Retrieval finds the
topic and scores high, so the decline threshold cannot catch these near misses; this
table can. It is data: each row is a question pattern, the evidence shape that answers
it, and a name for reports. Rows apply to English and Chinese questions alike.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from common.analysis import has_cjk, quiet_jieba, tokenize
from common.lexicon import Lexicon
from common.numerals import find_quantities
from ingest.sentences import split_sentences

_I = re.IGNORECASE
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"


@dataclass(frozen=True)
class DetailType:
    """A kind of detail: the question asks for it when ``asks`` matches; ``answered_by`` must match the evidence."""

    name: str
    asks: re.Pattern[str]
    answered_by: re.Pattern[str]
    new_to_question: bool = False  # the match must use words the question does not already contain
    proper_names: bool = False  # the match must hold two words that are not the issuing office's (_OFFICIAL)
    not_in_sentences: re.Pattern[str] | None = None  # sentences matching this cannot answer (targets, not counts)
    # a quantity of one of these kinds (common.numerals: "amount", "date" …) answers too, however it is written
    # (二百万元, 二〇一二年十二月二十八日, 百分之八十); "*" is any number at all
    quantity_kinds: tuple[str, ...] = ()

    def found_in(self, evidence: str, question: str) -> bool:
        if self.not_in_sentences is not None:
            evidence = " ".join(s for s in split_sentences(evidence) if not self.not_in_sentences.search(s))
        if self.quantity_kinds and any("*" in self.quantity_kinds or q.kind in self.quantity_kinds
                                       for q in find_quantities(evidence)):
            return True
        if not self.new_to_question and not self.proper_names:
            return bool(self.answered_by.search(evidence))
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        for m in self.answered_by.finditer(evidence):
            words = re.findall(r"[\w&'-]+", m.groupdict().get("names") or m.group(0))
            if self.new_to_question and {w.lower() for w in words} <= asked:
                continue
            if self.proper_names and sum(1 for w in words if w[0].isupper() and not _OFFICIAL.fullmatch(w)) < 2:
                continue
            return True
        return False


def _zh_asked(nouns: str) -> str:
    """A Chinese noun that is asked for, not just mentioned: an interrogative before it (什么网站, 哪个部门, 多少罚款)
    or after it (网址是多少, 罚多少, 电话在哪). "公司换了地址" and "求职网站乱用我的信息" ask for no address or website."""
    return (rf"(多少|几|什么|哪[个些里家位一]?|何)[^，,。；;？?！!]{{0,4}}({nouns})|"
            rf"({nouns})[^，,。；;？?！!]{{0,3}}(是多少|多少|是什么|是哪|在哪|怎么联系)")


_MONEY_WORDS = r"(subsid\w*|fine|fines|fee|fees|wage|wages|salary|budget|revenue|allowance|price|cost|charge|penalt\w*|" \
               r"reward|grant|bonus|benefit|insurance|tax|interest)"
_ORGANISATIONS = (r"(compan(?:y|ies)|firms?|enterprises?|agenc(?:y|ies)|institutions?|organi[sz]ations?|parks?|"
                  r"bod(?:y|ies))")
# Words of the issuing offices' own names ("Ministry of Human Resources and Social Security"): they name who
# wrote the text, not an organisation a "which companies …" question asks for.
_OFFICIAL = re.compile(r"Ministry|Bureau|Department|Human|Resources?|Social|Security|Services?|HR|Municipal\w*|"
                       r"People's|Republic|China|Chinese|State|Council|Communist|Party|Central|Committee|Government|"
                       r"National|Action|Plan|Opinions|The|A|An|In|On|By|It|This|These|Its")
# a number in digits or words
HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                        r"forty|fifty|hundred|thousand|million|billion|dozen)\b", _I)


def states_number(text: str) -> bool:
    """A number in digits, English words or Chinese numerals (二百万元, 十五日; not the 十九 of 第十九条)."""
    return bool(HAS_NUMBER.search(text)) or bool(find_quantities(text))
DETAIL_TYPES: tuple[DetailType, ...] = (
    DetailType(
        "amount",
        re.compile(rf"\bhow (much|large|big|high)\b|\bwhat amount\b|\bby what percentage\b|"
                   rf"\b(maximum|minimum|total|exact|specific) (\S+ ){{0,3}}{_MONEY_WORDS}\b|"
                   rf"\b{_MONEY_WORDS} (rate|amount|level|standard|target|goal|figure|quota|cap|ceiling|limit)s?\b|"
                   # "what's the most a firm can get": the largest sum, whatever it is called
                   rf"\bthe (most|maximum|highest|largest)\b[^?]{{0,60}}\b(get|receive|claim|earn|be paid|be awarded)\b|"
                   rf"多少钱|" + _zh_asked("金额|罚款|罚金|罚|工资标准|补贴标准|补贴|费用|赔偿金|违约金|钱"), _I),
        re.compile(r"\d[\d,.]*\s*(%|percent|per cent|yuan|cny|rmb|dollars?|usd|billion|million|元|万|亿)|"
                   r"(cny|rmb|usd|\$|¥)\s*\d", _I),
        quantity_kinds=("amount", "percent"),
    ),
    DetailType(
        "date",
        # "When does …" asks; "When a company hires through us, what …" opens a clause that sets the scene
        re.compile(r"^\s*(by |until |since )?when\b(?=\s*(\?|$)|\s+(is|are|was|were|do|does|did|will|would|can|could|"
                   r"should|shall|must|may|might|has|have|had|and|or|exactly)\b)|"
                   r"\b(what|which) (is the |are the )?(date|dates|day|year|month)\b|\bdeadline\b|\bby what (date|time|year)\b|"
                   r"什么时候|何时|哪一?年|几月|几号|哪一?天|" + _zh_asked("日期|截止"), _I),
        re.compile(rf"\b(1[89]|20)\d\d\b|(?-i:\b({_MONTHS})\b)|\d+\s*(年|月|日)", _I),  # "may" is not May
        quantity_kinds=("date", "year"),
    ),
    DetailType(
        "contact",
        # "address" as a noun only: "does the plan address this?" asks no address.
        re.compile(r"\b(phone|telephone|hotline|e-?mail|website|web site|url)\b|"
                   r"\b(the|an|its|their|street|postal|mailing|office|e-?mail|web) address(es)?\b|"
                   r"\bnumber (do|should|can) i call\b|"
                   r"\bcontact (person|details|information)\b|"
                   r"\bwhere (can|do|should) (i|we|you) (download|find|get|read|obtain|check|look up|see)\b|"
                   r"联系人|联系方式|怎么联系|(在哪里|哪里)(可以)?(查|看|下载|公布|获取)|"
                   + _zh_asked("电话|热线|网址|网站|地址|邮箱"), _I),
        # a phone number (not a year range such as 2023-2025), a hotline, a web or e-mail address, or a street
        # address with its number ("Belt and Road" is no address)
        re.compile(r"\b\d{3,4}-\d{7,8}\b|\(\d{2,4}\)\s?\d{4}[-\s]?\d{4}|\b\d{3}[-\s]\d{3,4}[-\s]\d{4}\b|\b\d{5,}\b|"
                   r"https?://|www\.|\S+@\S+\.\w+|\.gov\b|\.cn\b|"
                   r"\b\d+\w*,?\s+(\w+\s+){0,3}(Road|Street|Avenue)\b|路\d|号楼", _I),
    ),
    DetailType(
        "document number",
        re.compile(r"\b(document|file|circular|notice|standard|regulation|reference|serial) numbers?\b|\bnumbered\b|"
                   r"文号|标准号|" + _zh_asked("编号"), _I),
        # "[2022] No. 83", "No. 12", "〔2022〕83号", or a standard's code ("GB/T 33527-2017", "DB2101/T 0001-2024")
        re.compile(r"\[\s*(19|20)\d\d\s*\]\s*No\.?\s*\d+|\bNo\.\s*\d+|〔(19|20)\d\d〕\d+号|"
                   r"\b(GB|DB|JB|HB)\s?\d*(/T)?\s?\d+(\.\d+)?-(19|20)\d\d\b"),
    ),
    DetailType(
        "age",
        re.compile(r"\bat what age\b|\bhow old\b|\bage (limit|requirement)s?\b|几岁|多大年龄|年龄(限制|要求|上限|下限)|"
                   + _zh_asked("年龄|岁"), _I),
        re.compile(r"\b\d{1,3}\s*(years? old|years of age)|\bages?d?\s+(of\s+|between\s+)?\d{1,3}\b|\d+\s*(岁|周岁)", _I),
        quantity_kinds=("age",),
    ),
    DetailType(
        "time of day",
        re.compile(r"\b(opening|office|business|working|service) hours\b|\bwhat time\b|\bopen (from|until)\b|"
                   r"几点|营业时间|办公时间|开放时间", _I),
        re.compile(r"\b\d{1,2}(:\d\d)?\s*(a\.?m\.?|p\.?m\.?)(?!\w)|\b\d{1,2}:\d\d\b|\d+\s*(点|时)|round the clock|24 hours", _I),
    ),
    DetailType(
        # Cities and banks are named: "which cities" is answered by names, not by "pilot cities".
        "named places or institutions",
        re.compile(r"\b(which|what) (cities|city|banks?|provinces|province|universities|university|districts?|counties|"
                   r"county|regions|countries)\b|哪些城市|哪个城市|哪些银行|哪家银行|哪些省|哪些区|哪几个区", _I),
        # a list of names after a lowercase word ("in Wuhan, Hefei and Xi'an", not "Human Resources and Social
        # Security"), or a name ending in the entity noun ("Bank of China", "Hefei City")
        re.compile(r"\b[a-z]+ (?P<names>[A-Z][a-z]+(?:, [A-Z][a-z]+)*,? (?:and|or) [A-Z][a-z]+)\b(?! [A-Z])|"
                   r"\b[A-Z][\w-]+ (?:Bank|City|Province|University|Municipality|District|County)\b|\bBank of [A-Z]\w+"),
        new_to_question=True,
    ),
    DetailType(
        # "Which two companies …", "which firms have been named …" ask for particular organisations, which only
        # names answer; "which firms can get a subsidy" asks for a kind of firm, which a description answers.
        "named organisations",
        re.compile(rf"\bwhich (\d+|two|three|four|five|six|ten|twenty|hundred)\b[^?]{{0,40}}\b{_ORGANISATIONS}\b|"
                   rf"\bwhich\b[^?]{{0,40}}\b{_ORGANISATIONS}\b[^?]{{0,30}}\b((have|has) (been|already|won|received)|"
                   rf"(already|currently) (have|has|hold))\b|"
                   rf"\bwhich\b[^?]{{0,40}}\b{_ORGANISATIONS}\b[^?]{{0,30}}\b(were|was) (named|listed|selected|awarded|given)\b|"
                   rf"\bwhich\b[^?]{{0,40}}\b{_ORGANISATIONS}\b (received|won|got|already)\b|"
                   rf"\bwhich\b[^?]{{0,40}}\b{_ORGANISATIONS}\b[^?]{{0,20}}\bdid\b[^?]{{0,30}}\b(name|list|single out|cite|"
                   rf"punish|penali[sz]e|investigate|award|recogni[sz]e)\b|"
                   # a request to list them: "can you list the agencies …", "name the firms …" (not "the list of …")
                   rf"(^|[.!?]\s+|\b(can|could|would|will|please) (you |u )?)(list|name)\b[^?]{{0,30}}\b{_ORGANISATIONS}\b|"
                   # 哪些企业 asks for a kind of firm (哪些企业可以享受优惠), as "which firms can get" does; 哪几家 names them
                   rf"哪几家|(哪些|哪几个)(企业|机构|公司)[^，,。？?]{{0,6}}(已经|被|入选|获得|获评)", _I),
        # a whole run of capitalised words (finditer starts at the run's first word) that ends in what
        # organisations are called: "FESCO Group", "World Employment Confederation"; not "Premier Li Keqiang"
        re.compile(r"[A-Z][\w&'-]*(?: (?:(?:of|for|and|the|in|&) )?[A-Z][\w&'-]*)*"
                   r" (?:Group|Company|Co\.|Ltd|Corporation|Corp|Holdings|Inc|Park|Association|Federation|"
                   r"Organi[sz]ation|Confederation|Institute|Cent(?:er|re)|Alliance|Network)\b"),
        new_to_question=True, proper_names=True,
    ),
    DetailType(
        # "Which ministry chairs …", "which office do I complain to": the office's name answers, not "the competent
        # departments"
        "named office",
        re.compile(r"\bwhich (\w+ ){0,2}(ministry|ministries|department|departments|office|offices|bureau|bureaus|"
                   r"commission|authority|authorities)\b|哪个部门|哪个部委|哪个机关|哪个单位", _I),
        # the whole name, capitalised words before and after the office noun: "MHRSS Department of Human Resources
        # Flow Management", "Beijing Municipal Bureau"
        # Chinese laws name the office by its kind (劳动行政部门, 人力资源社会保障主管部门, 上级主管机关), and that is the answer
        re.compile(r"\b(?:[A-Z][\w-]+ )*(?:Ministry|Commission|Administration|Bureau|Department|Office)\b"
                   r"(?: of (?:the )?[A-Z][\w-]+(?: (?:and |of )?[A-Z][\w-]+)*)?|"
                   r"[\u4e00-\u9fff]{2,}(?:部门|机关|委员会|局|厅|办公室|人民政府)"),
        new_to_question=True,
    ),
    DetailType(
        "application materials",
        re.compile(r"\b(paperwork|documents|materials|forms|certificates)\b[^?]{0,30}\b(submit|provide|prepare|bring|file|need)\b|"
                   r"哪些材料|什么材料|申请材料", _I),
        re.compile(r"\b(submit\w*|materials?|documents?|certificates?|forms?|applications?|paperwork)\b|材料", _I),
    ),
    DetailType(
        # "How many parks does Beijing have right now?" or "what was the revenue in 2023?" asks for an actual
        # figure; a plan's target ("by 2025 … five to ten parks", "aims to nurture 20 firms") is not one. A question
        # about the target itself ("what revenue target …", "how many parks will …") is not asking this.
        "actual figure",
        re.compile(r"^(?!.*\b(targets?|goals?|aims?|plans?|planned|will|expected|intends?)\b)"
                   r".*(\bwhat (was|were) the (total|number|amount|revenue|value|size|share)\b|"
                   r"\b(how (many|much)|what (number|amount|percentage|share))\b[^?]*"
                   r"\b(now|currently|at the moment|right now|at present|to date|so far|already|today|these days|"
                   r"was|were|did|had|last year)\b)|"
                   r"(目前|现在|现有|已经)[^?？]*(多少|几)|(多少|几)[^?？]*(目前|现在|已经)", _I),
        HAS_NUMBER,
        quantity_kinds=("*",),
        not_in_sentences=re.compile(r"\b(will|shall|aims?|aiming|strives?|striving|targets?|goals?|plans? to|"
                                    r"expected to|by (the (end of |year )?)?20\d\d)\b|力争|到20\d\d年", _I),
    ),
    DetailType(
        "frequency",
        re.compile(r"\bhow (often|frequently)\b|\bhow many times (a|per|each|every)\b|(多久|多长时间)[^?？]{0,12}一次|频率|每隔多久|几年一次", _I),
        re.compile(r"\b(annual(ly)?|yearly|quarterly|monthly|weekly|daily|biennial(ly)?|once|twice|every (year|month|quarter|"
                   r"week|day|\w+ (years|months|weeks))|\w+ times (a|per|each)|per (year|month|quarter|week))\b|每年|每月|每季|每周", _I),
    ),
    DetailType(
        "conditions",
        re.compile(r"\bwhat (are the |is the )?(conditions|criteria|requirements|qualifications|thresholds?)\b|"
                   r"\b(eligibility|entry) (criteria|conditions|requirements|rules)\b|需要满足什么条件|什么条件|哪些条件|申请条件|资格条件", _I),
        re.compile(r"\b(conditions?|criteria|requirements?|must|at least|no (less|fewer) than|"
                   r"not (less|fewer) than|minimum|only if|provided that)\b|条件", _I),
    ),
    DetailType(
        "names",
        re.compile(r"\b(names|titles) of\b|\bwhat (is|are|was|were)\b[^?]{0,80}\bcalled\b|\b(theme|slogan|motto)\b|"
                   r"叫什么|名称|主题", _I),
        re.compile(r"[\"“][^\"”]{3,}[\"”]|(?<=[a-z,;] )([A-Z][a-z]+(?: (?:of|for|and|the|in) )?){2,}"),
        new_to_question=True,  # "the "6+4" system" does not name the four measures a question about "6+4" asks for
    ),
)


def requested_details(question: str) -> list[DetailType]:
    """The kinds of detail ``question`` asks for (usually none or one)."""
    return [d for d in DETAIL_TYPES if d.asks.search(question)]


def missing_detail(question: str, evidence: str) -> str | None:
    """The name of a detail the question asks for that the evidence lacks, or None."""
    for detail in requested_details(question):
        if not detail.found_in(evidence, question):
            return detail.name
    return None


# -- quantities: "how many staff", "how much is the allowance" need a number next to the asked thing ------------
NUMBER_QUESTION = re.compile(r"\bhow (much|many|large|big|high|old|long)\b|"
                             r"\bwhat (amount|percentage|share|proportion|number|score|mark|grade)\b|"
                             r"\bat what age\b|多少|几个|几家|金额|比例|多久|多长时间|几天|几年|几个月|几岁", _I)
_QUANTITY_PHRASE = re.compile(r"\bhow (?:many|much|large|big|high)\b|\bwhat (?:amount|percentage|share|proportion|number)\b|"
                              r"\b(?:maximum|minimum|total|exact|specific)\b", _I)
_FILLER = {"is", "are", "was", "were", "be", "does", "do", "did", "will", "would", "can", "could", "may", "might",
           "the", "a", "an", "of", "in", "for", "there", "i", "we", "you", "they", "it", "per", "on", "to"}
NEAR_WORDS = 6  # how far (in words) a number may stand from the asked thing


def asked_quantity_terms(question: str) -> set[str]:
    """The stems of the thing a quantity question asks about: "how much is the housing allowance …" → housing,
    allowance. Empty when the question asks for no quantity (or is not in English)."""
    match = _QUANTITY_PHRASE.search(question)
    if not match or has_cjk(question):
        return set()
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", question[match.end():]) if w.lower() not in _FILLER]
    return {t for t in tokenize(" ".join(words[:2])) if not t.isdigit()}


_ZH_CLAUSE = re.compile(r"[，,；;。？?！!\n]")
_ZH_SENTENCE = re.compile(r"[；;。？?！!\n]")  # a number and its subject can sit in two clauses of one sentence

# A noun says what is asked when it is rarer in general Chinese than this (jieba's bundled IDF table, built from a
# general corpus, not from the indexed texts: 规定, 单位, 公司, 时间 fall below it; 试用期, 注册资本, 工资 do not). Half the
# table's median; words it does not know count as specific.
ZH_SPECIFIC_IDF = 6.0


def asked_quantity_nouns_zh(question: str) -> set[str]:
    """The nouns of the clause of a Chinese question that asks for a quantity ("服务期最长能约定几年" → 服务, …):
    what the number must be about. Empty when no clause asks for one."""
    if not has_cjk(question):
        return set()
    asking = [c for c in _ZH_CLAUSE.split(question) if NUMBER_QUESTION.search(c)]
    if not asking:
        return set()
    idf = _jieba_idf()
    return {w.word for c in asking for w in quiet_jieba().posseg.cut(c)
            if len(w.word) >= 2 and (w.flag.startswith("n") and not w.flag.startswith("nr") or w.flag == "vn")
            and idf.get(w.word, ZH_SPECIFIC_IDF) >= ZH_SPECIFIC_IDF and not NUMBER_QUESTION.search(w.word)}


@functools.lru_cache(maxsize=1)
def _jieba_idf() -> dict[str, float]:
    quiet_jieba()
    import jieba.analyse

    return jieba.analyse.default_tfidf.idf_freq


def quantity_is_about(question: str, evidence: str) -> bool:
    """A number stands within ``NEAR_WORDS`` words of the asked thing (true when no quantity is asked). In Chinese,
    a sentence of the evidence that states a quantity names one of the nouns of the asking clause ("医疗期有几个月"
    is not answered by an article that names the 医疗期 and states only years of service)."""
    if has_cjk(question) and has_cjk(evidence):
        # only nouns the evidence uses tell where its numbers stand: the question's own word for a thing (员工 for
        # 劳动者) says nothing about them
        nouns = {n for n in asked_quantity_nouns_zh(question) if n in evidence}
        return not nouns or any(any(n in c for n in nouns) for c in _ZH_SENTENCE.split(evidence) if find_quantities(c))
    asked = asked_quantity_terms(question)
    if not asked or has_cjk(evidence):  # an English question over Chinese text shares no words with it
        return True
    words = re.findall(r"[\w][\w,.%'-]*", evidence)
    numbers = [i for i, w in enumerate(words) if HAS_NUMBER.fullmatch(w.rstrip(".,")) or w[0].isdigit()]
    if not numbers:
        return False
    about = [i for i, w in enumerate(words) if set(tokenize(w)) & asked]
    return any(abs(i - j) <= NEAR_WORDS for i in numbers for j in about)


_UNIT = re.compile(r"\s*(%|percent\b|per cent\b|(?:thousand|million|billion|trillion)\b(?:\s+(?:yuan|CNY|RMB|USD))?|"
                   r"yuan\b|CNY\b|RMB\b)", _I)


_CURRENCY_BEFORE = re.compile(r"(?:\b(?:CNY|RMB|USD)\s?|[$¥])$", _I)


def stated_quantity(question: str, evidence: str) -> str | None:
    """The number (with its unit, verbatim) that ``evidence`` states about the thing a quantity question asks
    for, e.g. "69,900" or "27 billion yuan"; None when the question asks no quantity or no number is near."""
    asked = asked_quantity_terms(question)
    if not asked:
        return None
    tokens = list(re.finditer(r"[\w][\w,.%'-]*", evidence))
    about = [i for i, m in enumerate(tokens) if set(tokenize(m.group(0))) & asked]
    best: tuple[int, re.Match[str]] | None = None
    for i, m in enumerate(tokens):
        if not m.group(0)[0].isdigit() or not about:
            continue
        distance = min(abs(i - j) for j in about)
        if distance <= NEAR_WORDS and (best is None or distance < best[0]):
            best = (distance, m)
    if best is None:
        return None
    number = best[1]
    unit = _UNIT.match(evidence, number.start() + len(number.group(0).rstrip(".,")))
    end = unit.end() if unit else number.start() + len(number.group(0).rstrip(".,"))
    currency = _CURRENCY_BEFORE.search(evidence, 0, number.start())
    return evidence[currency.start() if currency else number.start():end]


# Particular money items. The texts speak of subsidies and rewards in general; a question about a fee, a tax, a
# penalty or a wage is a near miss unless the evidence names that very item.
_MONEY_ITEM = re.compile(r"\b(fees?|tax(?:es)?|penalt(?:y|ies)|wages?|salar(?:y|ies)|allowances?|interest|prices?|"
                         r"costs?|charges?|budgets?|bonus(?:es)?|fines?|rents?|loans?|insurance)\b", _I)


# The same items in Chinese, by the character or word that names the kind of money (审批费 is a 费, 罚款 a fine),
# when the question asks for its value ("交多少审批费", "奖金最少多少"), not when it mentions it in passing
_MONEY_ZH = "费|税|罚款|罚金|工资|补贴|补助|奖金|押金|赔偿金|补偿金|利息|贷款|租金|保险"
_MONEY_ITEM_ZH = re.compile(rf"(?:多少|几)[^，,。；;？?！!]{{0,4}}?({_MONEY_ZH})|({_MONEY_ZH})[^，,。；;？?！!]{{0,4}}?(?:是多少|多少)")


def missing_money_item(question: str, evidence: str) -> str | None:
    """A money item the question names ("fee", "tax", "审批费") that the evidence does not mention, or None."""
    stated = set(tokenize(evidence))
    for match in _MONEY_ITEM.finditer(asking_part(question)):
        item = tuple(tokenize(match.group(1)))
        # over Chinese text, the item is there when one of its dictionary translations is (fine → 罚款)
        if has_cjk(evidence):
            there = any(len(word) > 1 and word in evidence for word in Lexicon.bundled().chinese_of.get(item, ()))
        else:
            there = set(item) <= stated
        if not there:
            return match.group(1).lower()
    if has_cjk(evidence):
        for match in _MONEY_ITEM_ZH.finditer(question):
            item = match.group(1) or match.group(2)
            if item not in evidence:
                return item
    return None


# The kind of value a quantity question asks for, read off the unit it names, the same way in English and
# Chinese: "几个月" / "how many months" need a number of months in the evidence, "百分之几" a percentage.
# Units are common.numerals' canonical ones; "duration" is any of day, week, month, hour or year.
_ASKED_UNITS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple((re.compile(p, _I), unit, name) for p, unit, name in (
    (r"百分之(几|多少)|百分比是?多少|[占涨降少多]几成|多少%|(多少|什么|多大)比例|比例是?多少|\bwhat (percentage|percent|proportion|share)\b|"
     r"\bhow many percent", "percent", "percentage"),
    (r"(几|多少)(个)?(工作日|天|日)|\bhow many (working |business |calendar )?days\b", "day", "duration"),
    (r"(几|多少)(个)?(星期|周)(?!岁)|\bhow many weeks\b", "week", "duration"),
    (r"(几|多少)个?月|\bhow many months\b", "month", "duration"),
    (r"(几|多少)(个)?小时|\bhow many hours\b", "hour", "duration"),
    (r"(几|多少)年(?!级)|\bhow many years\b", "year", "duration"),
    (r"(几|多少)(周)?岁|多大年[龄纪]", "age", "age"),
    (r"(几|多少)倍|\bhow many times (the|as|of|their|his|her|my)\b", "times", "multiple"),
    (r"多少钱|多少(万)?元|多少万|多少[^，。？?]{0,4}费|费用?是多少|罚(款)?多少", "yuan", "amount"),
    (r"多久(?![^？?]{0,6}一次)|多长时间(?![^？?]{0,6}一次)", "duration", "duration"),
))


def asked_unit(question: str) -> tuple[str, str] | None:
    """(canonical unit, detail name) of the value a quantity question asks for, or None."""
    for pattern, unit, name in _ASKED_UNITS:
        if pattern.search(question):
            return unit, name
    return None


def states_value_of(unit: str, evidence: str) -> bool:
    """The evidence states a quantity in ``unit`` (any duration for "duration"), however it writes it."""
    for q in find_quantities(evidence):
        if unit == "duration" and q.kind == "duration" or q.unit == unit and (q.kind != "year" or unit != "year"):
            return True
    return False


# 几 that asks nothing: "a few years ago" (几年前), "these few days" (这几天), "over ten years" (十几年), "quite a few"
# (好几个). Only the interrogative 几 asks for a number.
_INDEFINITE_JI = re.compile(r"(?<=[这那后好十数])几|(?<!提前)(?<=前)几|几(?=个?(?:年|天|日|月|周|星期|小时)[前后来])")


def without_indefinites(question: str) -> str:
    """The question with its indefinite 几 written as 某, so it asks for no number: in a phrase that does not ask
    ("几年前在涉密单位干过"), or in a sentence that states rather than asks ("手上有几家客户。"). A question typed
    without a question mark asks in its last sentence."""
    if "几" not in question:
        return question
    out = []
    for sentence in split_sentences(question):
        asks = sentence.endswith(("？", "?")) or not sentence.endswith(("。", "！", "!"))
        out.append(_INDEFINITE_JI.sub("某", sentence) if asks else sentence.replace("几", "某"))
    return "".join(out)


def asking_part(question: str) -> str:
    """The sentences of a question that end in a question mark, when it has others too; else the whole question.
    A sentence ending in 。 or . beside them sets the scene ("摸不清这边一般开多少钱。按就促法，……会不会……？",
    "My employer promised me a bonus. Can the union object?"): what it mentions is not what is asked."""
    sentences = split_sentences(question)
    asking = [s for s in sentences if s.endswith(("？", "?"))]
    if not asking or len(asking) == len(sentences):
        return question
    return ("" if has_cjk(question) else " ").join(asking)


def unanswered_detail(question: str, evidence: str) -> str | None:
    """The kind of detail the question asks for that the evidence does not hold ("amount", "date", "number",
    "fee" …), or None when it holds it (or the question asks for no particular detail)."""
    question = asking_part(without_indefinites(question))
    if NUMBER_QUESTION.search(question) and not states_number(evidence):
        return "number"
    asked = asked_unit(question)
    if asked and not states_value_of(asked[0], evidence):
        return asked[1]
    missing = missing_detail(question, evidence) or missing_money_item(question, evidence)
    if missing:
        return missing
    return None if quantity_is_about(question, evidence) else "number"


def answers_type(question: str, evidence: str) -> bool:
    """The evidence holds the kind of detail the question asks for: a number about the asked thing, an amount,
    a date, a contact, a name…"""
    return unanswered_detail(question, evidence) is None
