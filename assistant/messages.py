"""What the product says to a reader, in the language of the question (English or Chinese).

Every sentence the answerer writes itself (the decline, its reason, the direct-answer lead) comes from this table,
so a Chinese question never gets an English decline, and both languages give the same reason for the same
evidence. Quotes are never translated: they are the clauses' own words.
"""

from __future__ import annotations

from common.analysis import has_cjk

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "decline": {
        "en": "The indexed policy documents do not answer this question; the closest clauses are listed as related.",
        "zh": "所检索的文件没有回答这个问题；下面列出最相关的条款。",
    },
    "weak support": {
        "en": "No clause is close enough to the question.",
        "zh": "没有与这个问题足够接近的条款。",
    },
    "missing": {
        "en": "They are on the topic but do not state the {detail} asked for.",
        "zh": "这些条款涉及这个主题，但没有写明所问的{detail}。",
    },
    "not mentioned": {
        "en": "The indexed documents do not mention {what}.",
        "zh": "所检索的文件没有提到“{what}”。",
    },
    "not stated": {
        "en": "The documents these clauses come from do not mention {what}.",
        "zh": "这些条款所在的文件没有提到“{what}”。",
    },
    "scope": {
        "en": "{named} does not say this; {other} does: “{quote}”",
        "zh": "{named}没有这方面的规定；{other}有：“{quote}”",
    },
    "source": {"en": "{title}:", "zh": "{title}："},
    "parts quoted": {
        "en": "This question asks several things; each part is answered with quotes from the clauses, not by the model.",
        "zh": "这个问题包含几个部分；每一部分都直接引用条款原文回答，没有使用模型生成。",
    },
    "yes": {"en": "Yes", "zh": "是"},
}

# The detail kinds of ``assistant.answer_types`` (and money items) as a Chinese reader calls them.
DETAIL_NAMES_ZH: dict[str, str] = {
    "amount": "金额", "date": "日期", "contact": "联系方式", "document number": "文号", "age": "年龄",
    "time of day": "时间", "named places or institutions": "具体地点或机构名称", "named organisations": "具体机构名称",
    "named office": "负责部门", "application materials": "申请材料", "actual figure": "实际数字",
    "frequency": "频次", "conditions": "条件", "names": "名称", "number": "数字", "fee": "费用", "fees": "费用",
    "tax": "税", "taxes": "税", "penalty": "罚则", "penalties": "罚则", "wage": "工资", "wages": "工资",
    "salary": "工资", "allowance": "津贴", "interest": "利息", "price": "价格", "cost": "费用", "charge": "收费",
    "budget": "预算", "bonus": "奖金", "fine": "罚款", "fines": "罚款", "rent": "租金", "loan": "贷款",
    "insurance": "保险", "percentage": "比例", "duration": "期限", "multiple": "倍数",
}


def language_of(text: str) -> str:
    """"zh" for a question with Chinese characters in it, else "en"."""
    return "zh" if has_cjk(text) else "en"


def say(key: str, lang: str, **values: str) -> str:
    """The message ``key`` in ``lang`` (English when the language is not known), with ``values`` filled in."""
    table = MESSAGES[key]
    if lang == "zh" and "detail" in values:
        values = dict(values, detail=DETAIL_NAMES_ZH.get(values["detail"], values["detail"]))
    return table.get(lang, table["en"]).format(**values)


def decline_text(lang: str, reason: str) -> str:
    """The decline and its reason as the reader sees them: "…; the closest clauses are listed. <why>"."""
    if reason.startswith("missing "):
        why = say("missing", lang, detail=reason.removeprefix("missing ").strip())
    elif reason.startswith(("not mentioned ", "not stated ")):
        key = "not mentioned" if reason.startswith("not mentioned ") else "not stated"
        why = say(key, lang, what=reason.removeprefix(key).strip())
    else:
        why = say("weak support", lang)
    return f"{say('decline', lang)}{'' if lang == 'zh' else ' '}{why}"
