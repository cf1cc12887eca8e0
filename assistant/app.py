"""The Gradio chat: answers with clickable clause citations, a Documents tab, feedback and an ``/ask`` API.

Everything the page shows that came from a document or from a user is escaped here
(``html.escape``, plus backslash-escaping of Markdown punctuation for chat messages):
a clause containing ``<script>`` or ``<img onerror=...>`` is displayed literally and runs
nothing. The only tags on the page are the ones this module writes itself.

``gradio_client.Client(url).predict(question, api_name="/ask")`` returns the same dict
as ``policy-assistant ask --json`` (``Answer.to_dict()``), or ``{"question", "error"}``.
The error is one sentence, in the API and in the chat alike: what is wrong with the
question, or that the index cannot be read (e.g. the Chroma server is away; the next
question after it is back is answered, without restarting the app). Never a traceback.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from contextlib import nullcontext
from typing import Any

from common import offline  # noqa: F401  (before gradio: no analytics, no hub look-ups)

import gradio as gr

from assistant.feedback import FeedbackLog
from common.settings import Settings
from assistant.types import QuestionError
from ingest.embedding import EmbedderError
from ingest.store import IndexUnavailable, storage_errors

log = logging.getLogger(__name__)

PLAIN = "Plain language"
DETAIL = "Clause detail"
AUDIENCES = (PLAIN, DETAIL)
AUDIENCE_INFO = "Plain language puts the answer first; clause detail puts the cited clauses and quotes first."

EXAMPLES: dict[str, list[str]] = {
    PLAIN: [
        "Which HR firms can get subsidies for free job introduction?",
        "Will the Shenyang standards make any difference for people looking for work?",
        "What is being done to protect job seekers from scams?",
    ],
    DETAIL: [
        "What does clause (XIV) of the Beijing plan say?",
        "What support does the Beijing plan give to HR service industrial parks?",
        "How do the MHRSS Opinions want HR services to support manufacturing?",
    ],
}

PANEL_PLACEHOLDER = ('<div class="pa-panel-empty"><strong>Clause viewer</strong><br>'
                     "Choose a citation under the chat to read the whole clause here, "
                     "with the quoted sentences highlighted.</div>")
QUOTE_PREVIEW_CHARS = 160
MAX_ECHO_CHARS = 300
UNEXPECTED = "Something went wrong while answering; the server log has the details."

CSS = """
#pa-header h1 { margin-bottom: 0.1em; }
#pa-header p { margin-top: 0; color: var(--body-text-color-subdued); }
#clause-panel { position: sticky; top: 0.5rem; }
.pa-panel-empty { border: 1px dashed var(--border-color-primary); border-radius: 8px; padding: 1.2rem;
                  color: var(--body-text-color-subdued); line-height: 1.5; }
.pa-clause { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 1rem 1.1rem;
             background: var(--background-fill-primary); margin-bottom: 0.8rem; }
.pa-kicker { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em;
             color: var(--body-text-color-subdued); margin-bottom: 0.2rem; }
.pa-kicker.pa-related { color: #a15c00; }
.pa-clause-label { font-size: 1.05rem; font-weight: 600; margin: 0 0 0.3rem 0; line-height: 1.35; }
.pa-doc-title { font-style: italic; margin-bottom: 0.6rem; color: var(--body-text-color-subdued); }
.pa-clause-text { white-space: pre-wrap; line-height: 1.6; margin: 0 0 0.8rem 0; padding: 0.6rem 0.8rem;
                  border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary);
                  border-radius: 0 6px 6px 0; }
.pa-clause-text mark { background: #fde68a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
.pa-meta { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
.pa-meta, .pa-meta tr, .pa-meta th, .pa-meta td { border: none !important; background: transparent !important; }
.pa-meta th { text-align: left; font-weight: 600; padding: 0.2rem 0.9rem 0.2rem 0 !important; white-space: nowrap;
              vertical-align: top; width: 1%; }
.pa-meta td { padding: 0.2rem 0 !important; word-break: break-word; }
.pa-docs { border-collapse: collapse; width: 100%; font-size: 0.9rem; border: none !important; }
.pa-docs th, .pa-docs td { border: none !important; border-bottom: 1px solid var(--border-color-primary) !important;
                           padding: 0.45rem 0.7rem !important; text-align: left; vertical-align: top;
                           background: transparent !important; }
.pa-docs th { font-weight: 600; }
.pa-docs td.pa-date { white-space: nowrap; }
.pa-docs td.pa-num, .pa-docs th.pa-num { text-align: right; }
.pa-docs .pa-id { font-family: var(--font-mono); font-size: 0.8rem; color: var(--body-text-color-subdued); }
.pa-lookup-empty { color: var(--body-text-color-subdued); padding: 0.5rem 0; }
#pa-feedback-status p { margin: 0; }
#pa-up, #pa-down { white-space: nowrap; }
#pa-up::before, #pa-down::before { content: ""; display: inline-block; width: 1.05em; height: 1.05em;
                                   margin-right: 0.45em; vertical-align: -0.15em; background: no-repeat center / contain; }
#pa-up::before { background-image: url("data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='%2316a34a' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'%3E%3Cpath d='M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3'/%3E%3C/svg%3E"); }
#pa-down::before { background-image: url("data:image/svg+xml;utf8,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='%23dc2626' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'%3E%3Cpath d='M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17'/%3E%3C/svg%3E"); }
"""


# -- escaping ---------------------------------------------------------------------
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def md_text(text: object) -> str:
    """``text`` as inert Markdown: punctuation backslash-escaped, then HTML-escaped."""
    return html.escape(_MD_PUNCTUATION.sub(r"\\\1", str(text)), quote=True)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# -- quotes inside clauses --------------------------------------------------------------
_QUOTE_BREAK = re.compile(r"(?<=[.!?;。！？；])\s+|\s*…\s*")  # sentence ends, and "…" between non-adjacent ones


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quote's sentences occur in ``text`` (whitespace-tolerant), as sorted, disjoint spans."""
    pieces = [p.strip().strip("…").strip() for p in ([quote] + _QUOTE_BREAK.split(quote))]
    spans: list[tuple[int, int]] = []
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        pattern = r"\s+".join(re.escape(word) for word in piece.split())
        match = re.search(pattern, text)
        if match:
            spans.append(match.span())
            if i == 0:  # the whole quote is one run: done
                break
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, quote: str) -> str:
    """``text`` escaped, with the quote's sentences wrapped in ``<mark>``."""
    out, pos = [], 0
    for start, end in quote_spans(text, quote) if quote else []:
        out.append(esc(text[pos:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# -- rendering ------------------------------------------------------------------------
def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _page(c: dict[str, Any]) -> str:
    return f"page {c['page']}" if c.get("page") else ""


def _facts(c: dict[str, Any]) -> str:
    bits = [c.get("clause_id", ""), c.get("doc_type", ""), c.get("issuer", ""), c.get("date", ""), _page(c)]
    return " · ".join(md_text(b) for b in bits if b)


def _related_md(related: list[dict[str, Any]], detail: bool) -> list[str]:
    if not related:
        return []
    lines = ["**Related** (the closest clauses, for reference only; they do not support an answer):", ""]
    for c in related:
        if detail:
            lines.append(f"- {md_text(c['label'])}  \n  {_facts(c)}  \n  “{md_text(_short(c['quote'], 400))}”")
        else:
            lines.append(f"- {md_text(c['label'])}: *“{md_text(_short(c['quote'], QUOTE_PREVIEW_CHARS))}”*")
    return lines


def render_answer(entry: dict[str, Any], audience: str) -> str:
    """One assistant message as safe Markdown: same facts for both audiences, different order and depth."""
    if entry.get("error"):
        return f"⚠ {md_text(entry['error'])}"
    answer = entry["answer"]
    detail = audience == DETAIL
    scope = [f"*Searched only: {md_text(entry['scope'])}*", ""] if entry.get("scope") else []
    if not answer["answered"]:
        lines = ["**Not answered.** " + md_text(answer["answer"]), ""]
        return "\n".join(scope + lines + _related_md(answer.get("related", []), detail))
    citations = answer["citations"]
    if detail:
        lines = []
        for c in citations:
            lines += [f"**[{c['n']}] {md_text(c['label'])}**  ", _facts(c), "",
                      f"> {md_text(c['quote'])}", ""]
        lines += ["**Answer:** " + md_text(answer["answer"])]
        return "\n".join(scope + lines)
    lines = [md_text(answer["answer"]), "", "**Sources**", ""]
    for c in citations:
        page = f" ({md_text(_page(c))})" if c.get("page") else ""
        lines.append(f"- **[{c['n']}]** {md_text(c['label'])}{page}: *“{md_text(_short(c['quote'], QUOTE_PREVIEW_CHARS))}”*")
    return "\n".join(scope + lines)


def render_user(entry: dict[str, Any]) -> str:
    return md_text(_short(entry["question"], MAX_ECHO_CHARS))


def messages(history: list[dict[str, Any]], audience: str) -> list[dict[str, str]]:
    out = []
    for entry in history:
        if str(entry.get("question", "")).strip():
            out.append({"role": "user", "content": render_user(entry)})
        out.append({"role": "assistant", "content": render_answer(entry, audience)})
    return out


def render_clause(c: dict[str, Any], kicker: str, quote: str = "") -> str:
    """A clause card: label, document, the clause verbatim (quote marked), then its document's facts."""
    rows = [("Document", c.get("doc_title", "")), ("Issuer", c.get("issuer", "")), ("Date", c.get("date", "")),
            ("Type", c.get("doc_type", "")), ("Jurisdiction", c.get("jurisdiction", "")),
            ("Page", str(c["page"]) if c.get("page") else "n/a (text source without pages)"),
            ("Source file", c.get("source", "")), ("Clause ID", c.get("clause_id", ""))]
    meta = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v) if v else '—'}</td></tr>" for k, v in rows)
    related = " pa-related" if kicker.lower().startswith("related") else ""
    body = highlight(c.get("text", ""), quote) if quote else esc(c.get("text", ""))
    return (f'<div class="pa-clause" data-clause-id="{esc(c.get("clause_id", ""))}">'
            f'<div class="pa-kicker{related}">{esc(kicker)}</div>'
            f'<div class="pa-clause-label">{esc(c.get("label", ""))}</div>'
            f'<div class="pa-doc-title">{esc(c.get("doc_title", ""))}</div>'
            f'<div class="pa-clause-text">{body}</div>'
            f'<table class="pa-meta">{meta}</table></div>')


def render_documents(rows: list[dict[str, Any]]) -> str:
    head = ("<tr><th>Document</th><th>Issuer</th><th>Date</th><th>Type</th><th>Jurisdiction</th>"
            '<th class="pa-num">Clauses</th></tr>')
    body = "".join(
        f'<tr data-doc-id="{esc(r["doc_id"])}"><td><div>{esc(r.get("short_title") or r.get("title") or r["doc_id"])}</div>'
        f'<div class="pa-id">{esc(r["doc_id"])}</div></td><td>{esc(r.get("issuer", ""))}</td>'
        f'<td class="pa-date">{esc(r.get("date", ""))}</td><td>{esc(r.get("doc_type", ""))}</td><td>{esc(r.get("jurisdiction", ""))}</td>'
        f'<td class="pa-num">{esc(r.get("clauses", 0))}</td></tr>' for r in rows)
    total = sum(int(r.get("clauses", 0) or 0) for r in rows)
    return (f'<p>{len(rows)} documents, {total} clauses indexed.</p>'
            f'<table class="pa-docs" id="pa-docs-table"><thead>{head}</thead><tbody>{body}</tbody></table>')


# -- answering without tracebacks ----------------------------------------------------------
def sentence(exc: BaseException) -> str:
    """An error's message as one sentence: a capital first letter, a full stop, no line breaks."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def answer_or_error(assistant: Any, question: Any, filters: dict[str, list[str]] | None = None,
                    lock: threading.Lock | None = None) -> dict[str, Any]:
    """``Answer.to_dict()``, or ``{"question", "error"}`` with one sentence; never raises.

    The one code path of the ``/ask`` API and the chat: a bad question says what is wrong
    with it; an index that cannot be read (a Chroma server that went away, a damaged
    folder) says so; anything else is logged with its traceback and shown as ``UNEXPECTED``.
    """
    try:
        with lock or nullcontext():
            return assistant.ask(question, filters=filters).to_dict()
    except QuestionError as exc:
        error = str(exc)
    except (IndexUnavailable, EmbedderError) as exc:
        log.warning("answering failed: %s", exc)
        error = sentence(exc)
    except Exception:  # never a traceback for the user
        log.exception("answering %r failed", question)
        error = UNEXPECTED
    return {"question": question if isinstance(question, str) else "", "error": error}


# -- the app --------------------------------------------------------------------------
def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """The chat, the Documents tab and the ``/ask`` API over an opened ``Assistant``."""
    lock = threading.Lock()  # one question at a time through the shared index handles
    feedback = FeedbackLog(settings.feedback_path)
    docs = assistant.documents()
    titles = {r["doc_id"]: (r.get("short_title") or r.get("title") or r["doc_id"]) for r in docs}
    jurisdictions = sorted({r["jurisdiction"] for r in docs if r.get("jurisdiction")}, key=str.lower)

    def entry_for(question: Any, doc_ids: list[str] | None, places: list[str] | None) -> dict[str, Any]:
        text = question if isinstance(question, str) else ""
        entry: dict[str, Any] = {"question": text, "answer": None, "error": None, "scope": ""}
        filters = {"doc_id": list(doc_ids or []), "jurisdiction": list(places or [])}
        scope = [titles.get(d, d) for d in filters["doc_id"]] + [f"jurisdiction {p}" for p in filters["jurisdiction"]]
        entry["scope"] = "; ".join(scope)
        if filters["doc_id"] and filters["jurisdiction"] and not any(
                d in filters["doc_id"] and any(p.lower() in r.get("jurisdiction", "").lower()
                                               for p in filters["jurisdiction"]) for r in docs for d in [r["doc_id"]]):
            entry["error"] = "None of the chosen documents is in the chosen jurisdiction; widen the filters."
            return entry
        result = answer_or_error(assistant, question, {k: v for k, v in filters.items() if v} or None, lock)
        if "error" in result:
            entry["error"] = result["error"]
        else:
            entry["answer"] = result
        return entry

    def citation_choices(entry: dict[str, Any] | None) -> dict[str, Any]:
        answer = (entry or {}).get("answer")
        if not answer:
            return gr.update(choices=[], value=None, visible=False)
        if answer["answered"]:
            choices = [(f"[{c['n']}] {c['label']}", f"c{c['n']}") for c in answer["citations"]]
            choices += [(f"Related: {c['label']}", f"r{c['n']}") for c in answer.get("related", [])]
            label = "Read a clause in full: the cited ones [n] first, then related ones (not support)"
        else:
            choices = [(f"Related: {c['label']}", f"r{c['n']}") for c in answer.get("related", [])]
            label = "Related clauses (not support for an answer): choose one to read it"
        return gr.update(choices=choices, value=None, visible=bool(choices), label=label)

    def on_ask(question, history, audience, doc_ids, places):
        history = list(history or [])
        entry = entry_for(question, doc_ids, places)
        history.append(entry)
        keep_text = gr.update() if entry["error"] and str(question or "").strip() else ""
        return (messages(history, audience), history, keep_text, citation_choices(entry), PANEL_PLACEHOLDER, "")

    def on_example(evt: gr.SelectData, history, audience, doc_ids, places):
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        return on_ask(value.get("text", ""), history, audience, doc_ids, places)

    def on_audience(audience, history):
        return gr.update(value=messages(history or [], audience), examples=_examples(audience))

    def on_citation(key, history):
        entry = next((e for e in reversed(history or []) if e.get("answer")), None)
        if not key or entry is None:
            return PANEL_PLACEHOLDER
        answer = entry["answer"]
        pool = answer["citations"] if key[0] == "c" else answer.get("related", [])
        c = next((c for c in pool if f"{key[0]}{c['n']}" == key), None)
        if c is None:
            return PANEL_PLACEHOLDER
        if key[0] == "c":
            return render_clause(c, f"Cited clause [{c['n']}]: quoted sentences highlighted", c["quote"])
        return render_clause(c, "Related clause: closest sentence highlighted (not support for an answer)", c["quote"])

    def on_feedback(rating: str):
        def record(history, comment):
            entry = next((e for e in reversed(history or []) if e.get("answer")), None)
            if entry is None:
                return "Ask a question first; feedback applies to the latest answer.", gr.update()
            answer = entry["answer"]
            try:
                feedback.append(entry["question"], answer["answer"], [c["clause_id"] for c in answer["citations"]],
                                rating, comment or "")
            except OSError as exc:
                log.error("cannot write feedback to %s: %s", feedback.path, exc)
                return "Sorry, the feedback could not be saved on the server.", gr.update()
            verdict = "helpful" if rating == "up" else "not helpful"
            return f"Thanks: the latest answer was marked **{verdict}** and your feedback was recorded.", ""
        return record

    def on_lookup(text):
        text = str(text or "").strip()
        if not text:
            return '<div class="pa-lookup-empty">Type a clause ID or a reference first.</div>'
        try:
            with lock, storage_errors("read", assistant.store.location):
                found = assistant.lookup(text)
        except IndexUnavailable as exc:
            log.warning("lookup failed: %s", exc)
            return f'<div class="pa-lookup-empty">⚠ {esc(sentence(exc))}</div>'
        except Exception:
            log.exception("looking up %r failed", text)
            return f'<div class="pa-lookup-empty">⚠ {esc(UNEXPECTED)}</div>'
        if not found:
            return (f'<div class="pa-lookup-empty">No clause matches “{esc(_short(text, MAX_ECHO_CHARS))}”. '
                    "Try a clause ID such as <code>beijing-hr-action-plan-2023#IV.XIV</code> "
                    "or a reference such as “Beijing XIV”.</div>")
        return "".join(render_clause(c.to_dict(), "Clause, verbatim") for c in found)

    with gr.Blocks(title="Policy assistant", analytics_enabled=False) as demo:
        history = gr.State([])
        gr.Markdown("# Policy assistant\nAnswers questions about the indexed HR policy texts by quoting them; "
                    "every answer cites the exact clauses. Runs entirely on this machine.", elem_id="pa-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=True):
                    audience = gr.Radio(list(AUDIENCES), value=PLAIN, label="Audience", info=AUDIENCE_INFO,
                                        scale=2, elem_id="pa-audience")
                    doc_filter = gr.Dropdown([(titles[d], d) for d in sorted(titles)], value=[], multiselect=True,
                                             label="Documents", info="Search only these (empty: all)", scale=3,
                                             elem_id="pa-doc-filter")
                    place_filter = gr.Dropdown(jurisdictions, value=[], multiselect=True, label="Jurisdiction",
                                               info="Empty: all", scale=2, elem_id="pa-jurisdiction-filter")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        chatbot = gr.Chatbot(
                            label="Chat", height=500, elem_id="pa-chat", sanitize_html=True, render_markdown=True,
                            latex_delimiters=[], allow_tags=False, feedback_options=None, line_breaks=True,
                            placeholder="**Ask about the indexed HR policies.** Answers quote the documents and "
                                        "cite each clause; pick an example to start.",
                            examples=_examples(PLAIN))
                        with gr.Row():
                            question = gr.Textbox(placeholder="Ask a question about the HR policies…", show_label=False,
                                                  scale=5, max_lines=4, elem_id="pa-question", container=False)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="pa-ask")
                        citations = gr.Radio([], label="Cited clauses", visible=False, elem_id="pa-citations")
                        with gr.Row(equal_height=True, elem_id="pa-feedback"):
                            comment = gr.Textbox(placeholder="Optional comment on the latest answer", show_label=False,
                                                 scale=4, max_lines=2, container=False, elem_id="pa-comment")
                            up = gr.Button("Helpful", scale=1, min_width=130, size="md", elem_id="pa-up")
                            down = gr.Button("Not helpful", scale=1, min_width=160, size="md", elem_id="pa-down")
                        status = gr.Markdown("", elem_id="pa-feedback-status")
                    with gr.Column(scale=2, min_width=320):
                        panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="clause-panel", js_on_load=None)
            with gr.Tab("Documents", id="documents"):
                gr.HTML(render_documents(docs), elem_id="pa-documents", js_on_load=None)
                gr.Markdown("### Look up a clause\nA clause ID such as `beijing-hr-action-plan-2023#IV.XIV`, "
                            "or a reference such as “Beijing XIV” or “part III clause VII”.")
                with gr.Row():
                    lookup_box = gr.Textbox(show_label=False, placeholder="beijing-hr-action-plan-2023#IV.XIV",
                                            scale=5, container=False, elem_id="pa-lookup")
                    lookup_btn = gr.Button("Show clause", scale=1, min_width=120, elem_id="pa-lookup-btn")
                lookup_out = gr.HTML("", elem_id="pa-lookup-result", js_on_load=None)

        ui = {"api_visibility": "private"}
        ask_inputs = [question, history, audience, doc_filter, place_filter]
        ask_outputs = [chatbot, history, question, citations, panel, status]
        question.submit(on_ask, ask_inputs, ask_outputs, **ui)
        ask_btn.click(on_ask, ask_inputs, ask_outputs, **ui)
        chatbot.example_select(on_example, [history, audience, doc_filter, place_filter], ask_outputs, **ui)
        audience.change(on_audience, [audience, history], [chatbot], **ui)
        citations.input(on_citation, [citations, history], [panel], **ui)
        up.click(on_feedback("up"), [history, comment], [status, comment], **ui)
        down.click(on_feedback("down"), [history, comment], [status, comment], **ui)
        lookup_box.submit(on_lookup, [lookup_box], [lookup_out], **ui)
        lookup_btn.click(on_lookup, [lookup_box], [lookup_out], **ui)

        def ask(question: str) -> dict:
            """Answer a question from the indexed clauses: the JSON of `policy-assistant ask --json`."""
            return answer_or_error(assistant, question, lock=lock)

        gr.api(ask, api_name="ask")
    return demo


def _examples(audience: str) -> list[dict[str, str]]:
    return [{"text": q} for q in EXAMPLES.get(audience, EXAMPLES[PLAIN])]


def serve(settings: Settings | None = None) -> None:
    """Open the existing index and serve the app on ``settings.host:settings.port`` until interrupted."""
    from assistant.core import Assistant

    settings = settings or Settings.load()
    assistant = Assistant.open(settings=settings)
    demo = build_app(assistant, settings)
    print(f"policy-assistant: serving on http://{settings.host}:{settings.port}", flush=True)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.host, server_port=settings.port, share=False, quiet=True, ssr_mode=False,
        inbrowser=False, css=CSS)
