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
    "part unanswered": {
        "en": "The documents do not answer this part of the question: “{part}”",
        "zh": "所检索的文件没有回答这一部分：“{part}”",
    },
    "yes": {"en": "Yes", "zh": "是"},
    # -- the app (assistant/app.py). Keys starting "ui " are also the page's own words in the browser: gr.I18n is
    # built from them (``browser_translations``), so one table holds what the product says and what the page shows.
    "ui app title": {"en": "Policy assistant", "zh": "政策助手"},
    "ui header": {
        "en": "# Policy assistant\nAnswers questions about the indexed HR policy texts by quoting them; every answer "
              "cites the exact clauses. Runs entirely on this machine.",
        "zh": "# 政策助手\n引用已收录的人力资源政策文件原文回答问题；每个回答都注明所依据的具体条款。完全在本机运行。",
    },
    "ui tab chat": {"en": "Chat", "zh": "对话"},
    "ui tab documents": {"en": "Documents", "zh": "文件"},
    "ui filters": {"en": "Audience and filters", "zh": "读者与筛选"},
    "ui audience": {"en": "Audience", "zh": "读者"},
    "ui audience info": {
        "en": "Plain language puts the answer first; clause detail puts the cited clauses and quotes first.",
        "zh": "通俗说明先给出回答；条款详情先列出所引条款和原文。",
    },
    "ui plain": {"en": "Plain language", "zh": "通俗说明"},
    "ui detail": {"en": "Clause detail", "zh": "条款详情"},
    "ui documents filter": {"en": "Documents", "zh": "文件"},
    "ui documents filter info": {"en": "Search only these (empty: all)", "zh": "只检索这些文件（不选：全部）"},
    "ui jurisdiction filter": {"en": "Jurisdiction", "zh": "地区"},
    "ui jurisdiction filter info": {"en": "Empty: all", "zh": "不选：全部"},
    "ui chat placeholder": {
        "en": "**Ask about the indexed HR policies.** Answers quote the documents and cite each clause; pick an "
              "example to start. Follow-up questions (“and in Shenyang?”, “那沈阳呢？”) continue the conversation; "
              "the trash button starts a new one.",
        "zh": "**询问已收录的人力资源政策。** 回答直接引用文件原文并注明每一条款；可以点一个示例开始。"
              "追问（“那沈阳呢？”、“and in Shenyang?”）会接着当前对话；垃圾桶按钮开始新的对话。",
    },
    "ui question placeholder": {"en": "Ask about HR policies…", "zh": "询问人力资源政策…"},
    "ui ask": {"en": "Ask", "zh": "提问"},
    "ui cited clauses": {"en": "Cited clauses", "zh": "所引条款"},
    "ui comment placeholder": {"en": "Comment (optional)", "zh": "意见（可选）"},
    "ui helpful": {"en": "Helpful", "zh": "有帮助"},
    "ui not helpful": {"en": "Not helpful", "zh": "没有帮助"},
    "ui feedback first": {
        "en": "Ask a question first; feedback applies to the latest answer.",
        "zh": "请先提问；评价针对最新的回答。",
    },
    "ui panel placeholder": {
        "en": '<div class="pa-panel-empty"><strong>Clause viewer</strong><br>Choose a citation under the chat to '
              "read the whole clause here, with the quoted sentences highlighted.</div>",
        "zh": '<div class="pa-panel-empty"><strong>条款查看</strong><br>在对话下方选择一个引用，即可在这里阅读条款全文，'
              "所引句子会高亮显示。</div>",
    },
    "ui lookup heading": {
        "en": "### Look up a clause\nA clause ID such as `beijing-hr-action-plan-2023#IV.XIV`, a reference such as "
              "“Beijing XIV” or “part III clause VII”, or a document's ID from the table to list its clause IDs.",
        "zh": "### 查找条款\n输入条款编号（如 `beijing-hr-action-plan-2023#IV.XIV`）、引用（如“劳动合同法第十九条”、"
              "“暂行条例42条”），或表中某个文件的编号以列出它的全部条款编号。",
    },
    "ui lookup placeholder": {"en": "e.g. Beijing XIV", "zh": "如：劳动合同法第十九条"},
    "ui show clause": {"en": "Show clause", "zh": "显示条款"},
    # said per request, in the question's language
    "searched as": {"en": "Searched as", "zh": "检索为"},
    "not answered": {"en": "Not answered.", "zh": "未回答。"},
    "sources": {"en": "Sources", "zh": "来源"},
    "answer": {"en": "Answer:", "zh": "回答："},
    "related": {"en": "Related** (the closest clauses, for reference only; they do not support an answer):",
                "zh": "相关条款**（最接近的条款，仅供参考，不构成回答依据）："},
    "searched only": {"en": "Searched only", "zh": "仅检索"},
    "model draft": {"en": "Model draft, to be checked against the clauses", "zh": "模型草稿（显示前将与条款核对）"},
    "related choice": {"en": "Related: {label}", "zh": "相关：{label}"},
    "choices cited": {
        "en": "Read a clause in full: the cited ones [n] first, then related ones (not support)",
        "zh": "阅读条款全文：先列所引条款 [n]，再列相关条款（不构成依据）",
    },
    "choices related": {
        "en": "Related clauses (not support for an answer): choose one to read it",
        "zh": "相关条款（不构成回答依据）：选择一条阅读全文",
    },
    "feedback recorded": {
        "en": "Thanks: the latest answer was marked **{verdict}** and your feedback was recorded.",
        "zh": "谢谢：最新的回答已标记为**{verdict}**，您的评价已记录。",
    },
    "verdict up": {"en": "helpful", "zh": "有帮助"},
    "verdict down": {"en": "not helpful", "zh": "没有帮助"},
    "feedback failed": {"en": "Sorry, the feedback could not be saved on the server.", "zh": "抱歉，服务器未能保存这条评价。"},
    "kicker cited": {"en": "Cited clause [{n}]: quoted sentences highlighted", "zh": "所引条款 [{n}]：所引句子已高亮"},
    "kicker related": {
        "en": "Related clause: closest sentence highlighted (not support for an answer)",
        "zh": "相关条款：最接近的句子已高亮（不构成回答依据）",
    },
    "kicker verbatim": {"en": "Clause, verbatim", "zh": "条款原文"},
    "field document": {"en": "Document", "zh": "文件"},
    "field issuer": {"en": "Issuer", "zh": "发布机关"},
    "field date": {"en": "Date", "zh": "日期"},
    "field type": {"en": "Type", "zh": "类型"},
    "field jurisdiction": {"en": "Jurisdiction", "zh": "地区"},
    "field page": {"en": "Page", "zh": "页码"},
    "field no page": {"en": "n/a (text source without pages)", "zh": "无（文本来源，没有页码）"},
    "field source": {"en": "Source file", "zh": "来源文件"},
    "field clause id": {"en": "Clause ID", "zh": "条款编号"},
    "cites": {"en": "Cites:", "zh": "引用："},
    "cited by": {"en": "Cited by:", "zh": "被引用："},
    "ref missing": {"en": "Clause {clause_id} is not in the index.", "zh": "索引中没有条款 {clause_id}。"},
    "filters disjoint": {
        "en": "None of the chosen documents is in the chosen jurisdiction; widen the filters.",
        "zh": "所选文件都不属于所选地区；请放宽筛选条件。",
    },
    "scope jurisdiction": {"en": "jurisdiction {place}", "zh": "地区 {place}"},
    # the Documents tab (said in the browser's language, or the lookup text's when it is Chinese); HTML is the app's own
    "docs count": {"en": "{n} documents, {clauses} clauses indexed.", "zh": "已收录 {n} 个文件，共 {clauses} 条。"},
    "docs region": {"en": "Indexed documents", "zh": "已收录的文件"},
    "docs clauses": {"en": "Clauses", "zh": "条数"},
    "docs label": {"en": "Label", "zh": "标题"},
    "docs clause list": {"en": "{n} clauses in <code>{doc_id}</code>; look one up by its ID.",
                         "zh": "<code>{doc_id}</code> 共 {n} 条；输入条款编号即可查看。"},
    "lookup empty": {"en": "Type a clause ID or a reference first.", "zh": "请先输入条款编号或引用。"},
    "lookup none": {
        "en": "No clause matches “{text}”. Try a clause ID such as <code>beijing-hr-action-plan-2023#IV.XIV</code> or "
              "a reference such as “Beijing XIV”. Type a document's ID from the table above to list its clause IDs (on "
              "the command line: <code>policy-assistant docs --clauses DOC_ID</code>).",
        "zh": "没有与“{text}”相符的条款。请试试条款编号（如 <code>beijing-hr-action-plan-2023#IV.XIV</code>）或引用"
              "（如“劳动合同法第十九条”）。输入上表中某个文件的编号可列出它的全部条款编号（命令行："
              "<code>policy-assistant docs --clauses DOC_ID</code>）。",
    },
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


def browser_translations() -> dict[str, dict[str, str]]:
    """The "ui …" messages per language, as ``gr.I18n(**browser_translations())`` takes them: the page's fixed
    words follow the browser's language from the same table the answers use, so the two cannot drift apart.
    (These texts have no ``{placeholders}``: the browser would read them as ICU arguments.)"""
    ui = {key: texts for key, texts in MESSAGES.items() if key.startswith("ui ")}
    return {lang: {key: texts.get(lang, texts["en"]) for key, texts in ui.items()} for lang in LANGUAGES}


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
