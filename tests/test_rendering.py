"""How corpus text is shown in the chat and the clause panel (issue 16, item 5): Markdown bold from the corpus is
rendered as bold by the app's own markup, never passed through, and no HTML from the corpus survives."""

from __future__ import annotations

from assistant.app import corpus_md, highlight, render_answer, strip_markdown

SCAM = ("4. **Increased Awareness and Guidance**: The MHRSS plans to broadly promote policies. They will provide "
        "risk warnings about job-seeking scams.")


def test_strip_markdown_keeps_the_words_and_says_where_the_bold_was() -> None:
    plain, bold = strip_markdown(SCAM)
    assert plain.startswith("4. Increased Awareness and Guidance: The MHRSS")
    assert [plain[a:b] for a, b in bold] == ["Increased Awareness and Guidance"]
    assert strip_markdown("## Heading\ntext with a stray ** marker")[0] == "Heading\ntext with a stray  marker"
    assert strip_markdown("window.__pwned=1 and snake_case_names")[0] == "window.__pwned=1 and snake_case_names"


def test_bold_is_the_apps_own_markup_around_escaped_text() -> None:
    rendered = corpus_md("**<img src=x onerror=alert(1)>** and <script>x()</script>")
    assert rendered.startswith("**&lt;img src=x onerror=alert\\(1\\)&gt;**")
    assert "<img" not in rendered and "<script" not in rendered
    assert rendered.count("**") == 2


def test_the_panel_marks_the_quote_and_bolds_the_heading_with_only_its_own_tags() -> None:
    quote = "**Increased Awareness and Guidance**: The MHRSS plans to broadly promote policies."
    html = highlight(SCAM + " <b>not a tag</b>", quote)
    assert "**" not in html and "&lt;b&gt;not a tag&lt;/b&gt;" in html
    assert "<mark><strong>Increased Awareness and Guidance</strong></mark>" in html
    assert "<mark>: The MHRSS plans to broadly promote policies.</mark>" in html
    assert set(__import__("re").findall(r"</?(\w+)", html)) == {"mark", "strong"}


def test_answers_and_quotes_in_the_chat_show_no_asterisks_from_the_corpus() -> None:
    citation = {"n": 1, "label": "MHRSS press conference, item 4", "quote": SCAM, "page": None, "clause_id": "x#4"}
    answer = {"answered": True, "answer": SCAM + " [1]", "citations": [citation], "related": [], "searched_as": ""}
    for audience in ("Plain language", "Clause detail"):
        text = render_answer({"question": "What is done against scams?", "answer": answer}, audience)
        assert "**Increased Awareness and Guidance**" in text  # bold markup the app wrote, around the words
        assert "\\*\\*" not in text  # not the corpus's asterisks shown literally


def test_cross_references_are_escaped_links_and_only_shown_when_there_are_some() -> None:
    from assistant.app import render_clause

    clause = {"clause_id": "law#A42", "label": "某条例 第四十二条", "text": "第四十二条 违反本条例第十八条……",
              "refs": ["law#A18", 'law#A19"><img src=x onerror=alert(1)>'], "cited_by": []}
    card = render_clause(clause, "kicker", lang="zh", labels={"law#A18": "某条例 第十八条", "law#A19\"><img": "x"})
    assert '<span class="pa-xref-head">引用：</span>' in card and "被引用" not in card  # no empty "Cited by"
    assert 'data-clause-ref="law#A18"' in card and ">第十八条</a>" in card  # same document: the article alone
    assert "<img" not in card and "data-clause-ref=\"law#A19&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\"" in card
    english = render_clause(dict(clause, refs=[], cited_by=["law#A50"]), "kicker", labels={"law#A50": "Other Act, Art. 5"})
    assert "Cited by:" in english and "Cites:" not in english and ">Other Act, Art. 5</a>" in english
    assert "<th>Clause ID</th>" in english
    assert "pa-xref" not in render_clause(dict(clause, refs=[]), "kicker")
