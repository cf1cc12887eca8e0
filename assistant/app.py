"""The Gradio chat: answers with clickable clause citations, a Documents tab, feedback and an ``/ask`` API.

Everything the page shows that came from a document or from a user is escaped here
(``html.escape``, plus backslash-escaping of Markdown punctuation for chat messages):
a clause containing ``<script>`` or ``<img onerror=...>`` is displayed literally and runs
nothing. The only tags on the page are the ones this module writes itself.

``gradio_client.Client(url).predict(question, api_name="/ask")`` returns the same dict
as ``policy-assistant ask --json`` (``Answer.to_dict()``), or ``{"question", "error"}``;
``predict(question, ["earlier question", …], api_name="/ask")`` asks it as a follow-up, as the
chat does (``searched_as`` is then the self-contained question that was searched).

Text from the corpus may carry Markdown bold (``**Increased Awareness**``): it is rendered as
bold by this module's own markup around escaped text, never passed through as Markdown or HTML.
The app always answers from the live index generation (``assistant.live``): a new ingest is
picked up by the next request, and the Documents tab lists what is live.
The error is one sentence, in the API and in the chat alike: what is wrong with the
question, or that the index cannot be read (e.g. the Chroma server is away; the next
question after it is back is answered, without restarting the app). Never a traceback.
"""

from __future__ import annotations

import html
import logging
import queue
import re
import threading
import time
import uuid
from contextlib import nullcontext
from typing import Any

from common import offline  # noqa: F401  (before gradio: no analytics, no hub look-ups)

import gradio as gr

from assistant.feedback import FeedbackLog
from assistant.live import LiveAssistant
from assistant.messages import browser_translations, language_of, say
from common.settings import Settings
from assistant.types import QuestionError
from ingest.embedding import EmbedderError
from ingest.store import IndexUnavailable, storage_errors

log = logging.getLogger(__name__)

PLAIN = "Plain language"
DETAIL = "Clause detail"
AUDIENCES = (PLAIN, DETAIL)

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

# The page's fixed words in the browser's language (Accept-Language / navigator.language), from the "ui …" messages of
# assistant.messages; what the app writes per request follows the question's language there too (``say``).
I18N = gr.I18n(**browser_translations())


def tr(key: str) -> Any:
    """A "ui …" message for a component argument: the browser shows it in its own language."""
    return I18N(key)


# The empty clause viewer: a translation marker the browser replaces, so it is right wherever it is sent.
PANEL_PLACEHOLDER = str(tr("ui panel placeholder"))
QUOTE_PREVIEW_CHARS = 160
MAX_ECHO_CHARS = 300
UNEXPECTED = "Something went wrong while answering; the server log has the details."

CSS = """
#pa-chat .bubble-wrap, #pa-chat [role="log"] { padding-top: 2.6rem; }
#pa-chat .top-panel { background: var(--block-background-fill); border-radius: 6px; }
#pa-chat .pa-searched { color: var(--body-text-color-subdued); }
.pa-docs-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; max-width: 100%; }
.pa-docs-wrap table { min-width: 44rem; }
@media (max-width: 720px) {
  #clause-panel { position: static; }
  #pa-header h1 { font-size: 1.5rem; }
}
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
.pa-xref { font-size: 0.9rem; line-height: 1.7; margin: 0 0 0.5rem 0; }
.pa-xref-head { font-weight: 600; color: var(--body-text-color-subdued); }
.pa-xref a.pa-ref { color: var(--color-accent); text-decoration: underline; cursor: pointer; margin: 0; padding: 0; }
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


# -- Markdown inside corpus text ---------------------------------------------------------
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)  # not "__": identifiers such as window.__x have it
_STRAY = re.compile(r"\*\*|^#{1,6}[ \t]+", re.MULTILINE)


def strip_markdown(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Corpus text without its Markdown markers (bold ``**…**``, heading ``#``, stray ``**``), and
    where the bold runs are in the stripped text. The words stay verbatim; only the markers go."""
    out: list[str] = []
    bold: list[tuple[int, int]] = []
    pos = length = 0
    for match in _BOLD.finditer(text):
        before = _STRAY.sub("", text[pos:match.start()])
        inner = _STRAY.sub("", match.group(1))
        out += [before, inner]
        length += len(before)
        bold.append((length, length + len(inner)))
        length += len(inner)
        pos = match.end()
    out.append(_STRAY.sub("", text[pos:]))
    return "".join(out), bold


def corpus_md(text: object) -> str:
    """Corpus text as safe chat Markdown: its bold runs bold, everything else inert (see ``md_text``)."""
    plain, bold = strip_markdown(str(text))
    out, pos = [], 0
    for start, end in bold:
        out.append(md_text(plain[pos:start]))
        out.append(f"**{md_text(plain[start:end])}**")
        pos = end
    out.append(md_text(plain[pos:]))
    return "".join(out)


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
    """``text`` escaped, without its Markdown markers, its bold runs in ``<strong>`` and the quote's sentences
    in ``<mark>``: the only tags are these two."""
    plain, bold = strip_markdown(text)
    marks = quote_spans(plain, strip_markdown(quote)[0]) if quote else []
    edges = sorted({0, len(plain), *[e for span in bold + marks for e in span]})
    out = []
    for start, end in zip(edges, edges[1:]):
        piece = esc(plain[start:end])
        if any(a <= start and end <= b for a, b in bold):
            piece = f"<strong>{piece}</strong>"
        if any(a <= start and end <= b for a, b in marks):
            piece = f"<mark>{piece}</mark>"
        out.append(piece)
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


def _related_md(related: list[dict[str, Any]], detail: bool, lang: str = "en") -> list[str]:
    if not related:
        return []
    lines = ["**" + say("related", lang), ""]
    for c in related:
        if detail:
            lines.append(f"- {corpus_md(c['label'])}  \n  {_facts(c)}  \n  “{corpus_md(_short(c['quote'], 400))}”")
        else:
            lines.append(f"- {corpus_md(c['label'])}: *“{corpus_md(_short(c['quote'], QUOTE_PREVIEW_CHARS))}”*")
    return lines


def render_answer(entry: dict[str, Any], audience: str) -> str:
    """One assistant message as safe Markdown: same facts for both audiences, different order and depth."""
    if entry.get("error"):
        return f"⚠ {md_text(entry['error'])}"
    answer = entry["answer"]
    detail = audience == DETAIL
    lang = language_of(entry.get("question", ""))
    scope = [f"*{say('searched only', lang)}: {md_text(entry['scope'])}*", ""] if entry.get("scope") else []
    searched = ([f"*{say('searched as', lang)}: {md_text(answer['searched_as'])}*", ""]
                if answer.get("searched_as") else [])  # right under the answer's first line, before the sources
    scope = scope + ([f"*ⓘ {md_text(answer['notice'])}*", ""] if answer.get("notice") else [])  # generated answers
    if not answer["answered"]:
        lines = [f"**{say('not answered', lang)}** " + md_text(answer["answer"]), ""]
        return "\n".join(scope + lines + searched + _related_md(answer.get("related", []), detail, lang))
    citations = answer["citations"]
    if detail:
        lines = []
        for c in citations:
            lines += [f"**[{c['n']}] {corpus_md(c['label'])}**  ", _facts(c), "",
                      f"> {corpus_md(c['quote'])}", ""]
        lines += [f"**{say('answer', lang)}** " + corpus_md(answer["answer"]), ""]
        return "\n".join(scope + lines + searched)
    lines = [corpus_md(answer["answer"]), ""] + searched + [f"**{say('sources', lang)}**", ""]
    for c in citations:
        page = f" ({md_text(_page(c))})" if c.get("page") else ""
        lines.append(f"- **[{c['n']}]** {corpus_md(c['label'])}{page}: "
                     f"*“{corpus_md(_short(c['quote'], QUOTE_PREVIEW_CHARS))}”*")
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


def _ref_text(label: str, own_label: str) -> str:
    """A link's text: an article of the same document without the document's name ("第十八条" under "人力资源市场暂行条例
    第四十二条"), so a phone shows several links on a line; another document's article keeps its full label."""
    own_doc = own_label.rsplit(" ", 1)[0] if " " in own_label else ""
    return label[len(own_doc) + 1:] if own_doc and label.startswith(own_doc + " ") else label


def _cross_refs(c: dict[str, Any], lang: str, labels: dict[str, str] | None) -> str:
    """"Cites: …" and "Cited by: …" as links that open the article in the viewer (``CLAUSE_LINKS_JS``), so a penalty
    article is one click from the duty it enforces. Empty lists show nothing; IDs and labels are escaped."""
    labels = {i: strip_markdown(label)[0] for i, label in (labels or {}).items()}
    own = strip_markdown(str(c.get("label", "")))[0]
    lines = []
    for key, ids, kind in (("cites", c.get("refs") or [], "refs"), ("cited by", c.get("cited_by") or [], "cited-by")):
        if not ids:
            continue
        links = "、" if lang == "zh" else ", "
        links = links.join(f'<a href="#" class="pa-ref" data-clause-ref="{esc(i)}" title="{esc(labels.get(i) or i)}">'
                           f"{esc(_ref_text(labels.get(i) or i, own))}</a>" for i in ids)
        lines.append(f'<div class="pa-xref pa-xref-{kind}"><span class="pa-xref-head">{esc(say(key, lang))}</span> '
                     f"{links}</div>")
    return "".join(lines)


def render_clause(c: dict[str, Any], kicker: str, quote: str = "", lang: str = "en", related: bool = False,
                  labels: dict[str, str] | None = None) -> str:
    """A clause card: label, document, the clause verbatim (quote marked), the articles it cites and that cite it
    (``labels``: clause_id → label for those links), then its document's facts, named in ``lang``."""
    rows = [("field document", c.get("doc_title", "")), ("field issuer", c.get("issuer", "")),
            ("field date", c.get("date", "")), ("field type", c.get("doc_type", "")),
            ("field jurisdiction", c.get("jurisdiction", "")),
            ("field page", str(c["page"]) if c.get("page") else say("field no page", lang)),
            ("field source", c.get("source", "")), ("field clause id", c.get("clause_id", ""))]
    meta = "".join(f"<tr><th>{esc(say(k, lang))}</th><td>{esc(v) if v else '—'}</td></tr>" for k, v in rows)
    body = highlight(c.get("text", ""), quote) if quote else esc(c.get("text", ""))
    return (f'<div class="pa-clause" data-clause-id="{esc(c.get("clause_id", ""))}">'
            f'<div class="pa-kicker{" pa-related" if related else ""}">{esc(kicker)}</div>'
            f'<div class="pa-clause-label">{esc(c.get("label", ""))}</div>'
            f'<div class="pa-doc-title">{esc(c.get("doc_title", ""))}</div>'
            f'<div class="pa-clause-text">{body}</div>'
            f'{_cross_refs(c, lang, labels)}'
            f'<table class="pa-meta">{meta}</table></div>')


def request_language(request: Any) -> str:
    """The browser's language from Accept-Language ("zh" or "en"), for what the app writes without a question (the
    Documents tab): the same choice gr.I18n makes for the page's fixed words."""
    headers = getattr(request, "headers", None) or {}
    first = str(headers.get("accept-language", "")).split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def render_documents(rows: list[dict[str, Any]], lang: str = "en") -> str:
    """The Documents tab's table of what is indexed, its headings in ``lang``; every value escaped."""
    heads = "".join(f"<th>{esc(say(k, lang))}</th>" for k in
                    ("field document", "field issuer", "field date", "field type", "field jurisdiction"))
    head = f'<tr>{heads}<th class="pa-num">{esc(say("docs clauses", lang))}</th></tr>'
    body = "".join(
        f'<tr data-doc-id="{esc(r["doc_id"])}"><td><div>{esc(r.get("short_title") or r.get("title") or r["doc_id"])}</div>'
        f'<div class="pa-id">{esc(r["doc_id"])}</div></td><td>{esc(r.get("issuer", ""))}</td>'
        f'<td class="pa-date">{esc(r.get("date", ""))}</td><td>{esc(r.get("doc_type", ""))}</td><td>{esc(r.get("jurisdiction", ""))}</td>'
        f'<td class="pa-num">{esc(r.get("clauses", 0))}</td></tr>' for r in rows)
    total = sum(int(r.get("clauses", 0) or 0) for r in rows)
    return (f'<p>{esc(say("docs count", lang, n=str(len(rows)), clauses=str(total)))}</p>'
            f'<div class="pa-docs-wrap" id="pa-docs-scroll" tabindex="0" role="region" '
            f'aria-label="{esc(say("docs region", lang))}">'
            f'<table class="pa-docs" id="pa-docs-table"><thead>{head}</thead><tbody>{body}</tbody></table></div>')


def render_clause_list(doc_id: str, rows: list[dict[str, Any]], lang: str = "en") -> str:
    """A document's clause IDs and labels, so a reader can find the ID to look up (headings in ``lang``)."""
    items = "".join(f'<tr><td class="pa-id">{esc(r["clause_id"])}</td><td>{esc(strip_markdown(r["label"])[0])}</td></tr>'
                    for r in rows)
    return (f'<p>{say("docs clause list", lang, n=str(len(rows)), doc_id=esc(doc_id))}</p>'
            f'<div class="pa-docs-wrap"><table class="pa-docs" id="pa-clause-list"><thead><tr>'
            f'<th>{esc(say("field clause id", lang))}</th><th>{esc(say("docs label", lang))}</th></tr></thead>'
            f'<tbody>{items}</tbody></table></div>')


# -- answering without tracebacks ----------------------------------------------------------
def sentence(exc: BaseException) -> str:
    """An error's message as one sentence: a capital first letter, a full stop, no line breaks."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def answer_or_error(assistant: Any, question: Any, filters: dict[str, list[str]] | None = None,
                    lock: threading.Lock | None = None, history: list[Any] | None = None,
                    llm: str | None = None, on_text: Any = None) -> dict[str, Any]:
    """``Answer.to_dict()``, or ``{"question", "error"}`` with one sentence; never raises.

    The one code path of the ``/ask`` API and the chat: a bad question says what is wrong
    with it; an index that cannot be read (a Chroma server that went away, a damaged
    folder) says so; anything else is logged with its traceback and shown as ``UNEXPECTED``.
    """
    try:
        if isinstance(assistant, LiveAssistant):
            assistant = assistant.get()
        with lock or nullcontext():
            extra = {k: v for k, v in (("llm", llm or None), ("on_text", on_text)) if v is not None}  # issue 15
            if history:
                return assistant.ask(question, filters=filters, history=history, **extra).to_dict()
            return assistant.ask(question, filters=filters, **extra).to_dict()
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
# Browser-side helpers, run after the server's reply is on the page.
SCROLL_TO_ANSWER_JS = """() => {
  const bots = document.querySelectorAll('#pa-chat [data-testid="bot"]');
  const last = bots[bots.length - 1];
  if (!last) return;
  let box = last.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) {
    box = box.parentElement;
  }
  const row = last.closest('.message-row') || last;
  if (box) box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
}"""
SHOW_PANEL_JS = """() => {
  if (window.innerWidth > 720) return;
  const panel = document.getElementById('clause-panel');
  if (panel) panel.scrollIntoView({block: 'start'});
}"""
NARROW_LAYOUT_JS = """() => {
  if (window.innerWidth > 720) return;
  const toggle = document.querySelector('#pa-filters > button, #pa-filters .label-wrap');
  if (toggle && document.querySelector('#pa-filters #pa-audience')?.offsetParent !== null) toggle.click();
}"""
# The clause viewers' cross-reference links: one listener on the component (it outlives every re-render of the card)
# sends the clicked link's clause_id to the server as a click event; other clicks send nothing.
CLAUSE_LINKS_JS = """element.addEventListener('click', (event) => {
  const link = event.target.closest('a.pa-ref[data-clause-ref]');
  if (!link) return;
  event.preventDefault();
  trigger('click', {clause_id: link.dataset.clauseRef});
});"""


def _history_for_ask(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The earlier answered turns as ``Assistant.ask(history=...)`` takes them: question, what was searched, and
    the first citation (the document the answer was about)."""
    return [{"question": e["question"], "searched_as": e["answer"].get("searched_as", ""),
             "citations": e["answer"].get("citations", [])[:1]}
            for e in history if e.get("answer") and str(e.get("question", "")).strip()]


def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """The chat, the Documents tab and the ``/ask`` API over an opened ``Assistant`` (kept on the live index
    generation by ``LiveAssistant``)."""
    live = assistant if isinstance(assistant, LiveAssistant) else LiveAssistant(assistant)
    lock = threading.Lock()  # one question at a time through the shared index handles
    feedback = FeedbackLog(settings.feedback_path)

    def catalogue() -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
        """The live generation's documents, their titles and jurisdictions (the filters and the Documents tab)."""
        docs = live.get().documents()
        titles = {r["doc_id"]: (r.get("short_title") or r.get("title") or r["doc_id"]) for r in docs}
        places = sorted({r["jurisdiction"] for r in docs if r.get("jurisdiction")}, key=str.lower)
        return docs, titles, places

    docs, titles, jurisdictions = catalogue()

    def entry_for(question: Any, doc_ids: list[str] | None, places: list[str] | None,
                  history: list[dict[str, Any]], on_text: Any = None) -> dict[str, Any]:
        text = question if isinstance(question, str) else ""
        entry: dict[str, Any] = {"question": text, "answer": None, "error": None, "scope": "",
                                 "answer_id": uuid.uuid4().hex}
        docs, titles, _ = catalogue()
        filters = {"doc_id": list(doc_ids or []), "jurisdiction": list(places or [])}
        lang = language_of(text)
        scope = [titles.get(d, d) for d in filters["doc_id"]] + [say("scope jurisdiction", lang, place=p)
                                                                 for p in filters["jurisdiction"]]
        entry["scope"] = "; ".join(scope)
        if filters["doc_id"] and filters["jurisdiction"] and not any(
                d in filters["doc_id"] and any(p.lower() in r.get("jurisdiction", "").lower()
                                               for p in filters["jurisdiction"]) for r in docs for d in [r["doc_id"]]):
            entry["error"] = say("filters disjoint", lang)
            return entry
        result = answer_or_error(live, question, {k: v for k, v in filters.items() if v} or None, lock,
                                 _history_for_ask(history), on_text=on_text)
        if "error" in result:
            entry["error"] = result["error"]
        else:
            entry["answer"] = result
        return entry

    def citation_choices(entry: dict[str, Any] | None) -> dict[str, Any]:
        """The clauses of the latest answer to open in the viewer, labelled in the question's language."""
        answer = (entry or {}).get("answer")
        if not answer:
            return gr.update(choices=[], value=None, visible=False)
        lang = language_of(entry.get("question", ""))
        related = [(say("related choice", lang, label=strip_markdown(c["label"])[0]), f"r{c['n']}")
                   for c in answer.get("related", [])]
        if answer["answered"]:
            choices = [(f"[{c['n']}] {strip_markdown(c['label'])[0]}", f"c{c['n']}") for c in answer["citations"]]
            choices += related
            label = say("choices cited", lang)
        else:
            choices, label = related, say("choices related", lang)
        return gr.update(choices=choices, value=None, visible=bool(choices), label=label)

    def ref_labels(c: dict[str, Any]) -> dict[str, str]:
        """The labels of the articles a clause cites and is cited by, for its links ("劳动合同法 第十八条" reads better
        than an ID); an ID the index cannot show keeps the ID as its text."""
        labels: dict[str, str] = {}
        ids = list(dict.fromkeys([*(c.get("refs") or []), *(c.get("cited_by") or [])]))
        if not ids:
            return labels
        try:
            current = live.get()
            with lock, storage_errors("read", current.store.location):
                for clause_id in ids:
                    found = current.show(clause_id)
                    if found is not None:
                        labels[clause_id] = found.label
        except (IndexUnavailable, EmbedderError) as exc:  # the links still work by ID
            log.warning("cross-reference labels unavailable: %s", exc)
        return labels

    def clause_card(c: dict[str, Any], kicker: str, lang: str, quote: str = "", related: bool = False) -> str:
        """``render_clause`` with the labels of its cross-references looked up."""
        return render_clause(c, kicker, quote, lang=lang, related=related, labels=ref_labels(c))

    def open_ref(clause_id: Any, lang: str) -> str:
        """A cross-reference link clicked in a clause card: that article, verbatim, in the same viewer."""
        clause_id = str(clause_id or "").strip()
        log.info("opening cross-reference %s", clause_id)
        try:
            current = live.get()
            with lock, storage_errors("read", current.store.location):
                found = current.show(clause_id) if clause_id else None
        except IndexUnavailable as exc:
            log.warning("opening %s failed: %s", clause_id, exc)
            return f'<div class="pa-lookup-empty">⚠ {esc(sentence(exc))}</div>'
        if found is None:
            return f'<div class="pa-lookup-empty">{esc(say("ref missing", lang, clause_id=clause_id))}</div>'
        return clause_card(found.to_dict(), say("kicker verbatim", lang), lang)

    def latest_language(history: list[dict[str, Any]] | None) -> str:
        """The language of the conversation's latest question: the viewer speaks it."""
        entry = next((e for e in reversed(history or []) if str(e.get("question", "")).strip()), None)
        return language_of(entry["question"]) if entry else "en"

    def on_panel_ref(evt: gr.EventData, history):
        data = getattr(evt, "_data", None) or {}
        if not data.get("clause_id"):
            return gr.update()  # a click on the card, not on a link
        return open_ref(data["clause_id"], latest_language(history))

    def on_lookup_ref(evt: gr.EventData, text, request: gr.Request = None):
        data = getattr(evt, "_data", None) or {}
        if not data.get("clause_id"):
            return gr.update()
        return open_ref(data["clause_id"], "zh" if language_of(str(text or "")) == "zh" else request_language(request))

    def on_ask(question, history, audience, doc_ids, places):
        history = list(history or [])
        if settings.llm != "none":  # a model writes the answer: show its text as it arrives, then the checked one
            for draft in stream_draft(lambda on_text: entry_for(question, doc_ids, places, history, on_text)):
                if isinstance(draft, str):
                    view = messages(history, audience) + draft_messages(question, draft)
                    yield view, gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
                else:
                    entry = draft
        else:
            entry = entry_for(question, doc_ids, places, history)
        history.append(entry)
        keep_text = gr.update() if entry["error"] and str(question or "").strip() else ""
        yield (messages(history, audience), history, keep_text, citation_choices(entry), PANEL_PLACEHOLDER, "")

    def on_example(evt: gr.SelectData, history, audience, doc_ids, places):
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from on_ask(value.get("text", ""), history, audience, doc_ids, places)

    def on_clear():
        """The trash button: the conversation is gone, not just its view (the next question starts afresh)."""
        return [], [], gr.update(choices=[], value=None, visible=False), PANEL_PLACEHOLDER, ""

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
        lang = language_of(entry.get("question", ""))
        if key[0] == "c":
            return clause_card(c, say("kicker cited", lang, n=str(c["n"])), lang, c["quote"])
        return clause_card(c, say("kicker related", lang), lang, c["quote"], related=True)

    def on_feedback(rating: str):
        def record(history, comment):
            entry = next((e for e in reversed(history or []) if e.get("answer")), None)
            if entry is None:  # no question to take the language from: the browser's
                return tr("ui feedback first"), gr.update()
            lang = language_of(entry.get("question", ""))
            answer = entry["answer"]
            try:  # the same answer_id again replaces the earlier rating of this answer
                feedback.append(entry["question"], answer["answer"], [c["clause_id"] for c in answer["citations"]],
                                rating, comment or "", answer_id=entry.get("answer_id", ""))
            except OSError as exc:
                log.error("cannot write feedback to %s: %s", feedback.path, exc)
                return say("feedback failed", lang), gr.update()
            return say("feedback recorded", lang, verdict=say(f"verdict {rating}", lang)), ""
        return record

    def on_lookup(text, request: gr.Request = None):
        """The Documents tab's lookup, answered in the text's language when it is Chinese, else the browser's."""
        text = str(text or "").strip()
        lang = "zh" if language_of(text) == "zh" else request_language(request)
        if not text:
            return f'<div class="pa-lookup-empty">{esc(say("lookup empty", lang))}</div>'
        try:
            current = live.get()
            with lock, storage_errors("read", current.store.location):
                if text in current.state.docs:  # a doc_id from the table: list its clause IDs
                    return render_clause_list(text, current.clauses(text), lang)
                found = current.lookup(text)
        except IndexUnavailable as exc:
            log.warning("lookup failed: %s", exc)
            return f'<div class="pa-lookup-empty">⚠ {esc(sentence(exc))}</div>'
        except Exception:
            log.exception("looking up %r failed", text)
            return f'<div class="pa-lookup-empty">⚠ {esc(UNEXPECTED)}</div>'
        if not found:
            return (f'<div class="pa-lookup-empty">'
                    f'{say("lookup none", lang, text=esc(_short(text, MAX_ECHO_CHARS)))}</div>')
        return "".join(clause_card(c.to_dict(), say("kicker verbatim", lang), lang) for c in found)

    def on_documents(request: gr.Request = None):
        """The Documents tab and the filters as the live generation has them (after an ingest, without a restart),
        the table's headings in the browser's language."""
        docs, titles, places = catalogue()
        return (render_documents(docs, request_language(request)), gr.update(choices=[(titles[d], d) for d in sorted(titles)]),
                gr.update(choices=places))

    title = " · ".join(dict.fromkeys(say("ui app title", lang) for lang in ("en", "zh")))  # Gradio does not translate it
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        history = gr.State([])
        gr.Markdown(tr("ui header"), elem_id="pa-header")
        with gr.Tabs():
            with gr.Tab(tr("ui tab chat"), id="chat"):
                with gr.Accordion(tr("ui filters"), open=True, elem_id="pa-filters"):
                    with gr.Row(equal_height=True):
                        audience = gr.Radio([(tr("ui plain"), PLAIN), (tr("ui detail"), DETAIL)], value=PLAIN,
                                            label=tr("ui audience"), info=tr("ui audience info"),
                                            scale=2, elem_id="pa-audience")
                        doc_filter = gr.Dropdown([(titles[d], d) for d in sorted(titles)], value=[],
                                                 multiselect=True, label=tr("ui documents filter"),
                                                 info=tr("ui documents filter info"), scale=3,
                                                 elem_id="pa-doc-filter")
                        place_filter = gr.Dropdown(jurisdictions, value=[], multiselect=True,
                                                   label=tr("ui jurisdiction filter"),
                                                   info=tr("ui jurisdiction filter info"), scale=2,
                                                   elem_id="pa-jurisdiction-filter")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        chatbot = gr.Chatbot(
                            label="Chat", show_label=False, height=500, elem_id="pa-chat", sanitize_html=True,
                            render_markdown=True, autoscroll=False, buttons=["copy", "copy_all"],
                            latex_delimiters=[], allow_tags=False, feedback_options=None, line_breaks=True,
                            placeholder=tr("ui chat placeholder"),
                            examples=_examples(PLAIN))
                        with gr.Row():
                            question = gr.Textbox(placeholder=tr("ui question placeholder"), show_label=False,
                                                  scale=5, max_lines=4, elem_id="pa-question", container=False)
                            ask_btn = gr.Button(tr("ui ask"), variant="primary", scale=1, min_width=70, elem_id="pa-ask")
                        citations = gr.Radio([], label=tr("ui cited clauses"), visible=False, elem_id="pa-citations")
                        with gr.Row(equal_height=True, elem_id="pa-feedback"):
                            comment = gr.Textbox(placeholder=tr("ui comment placeholder"), show_label=False,
                                                 scale=4, max_lines=2, container=False, elem_id="pa-comment",
                                                 min_width=160)
                            up = gr.Button(tr("ui helpful"), scale=1, min_width=110, size="md", elem_id="pa-up")
                            down = gr.Button(tr("ui not helpful"), scale=1, min_width=140, size="md", elem_id="pa-down")
                        status = gr.Markdown("", elem_id="pa-feedback-status")
                    with gr.Column(scale=2, min_width=300):
                        panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="clause-panel", js_on_load=CLAUSE_LINKS_JS)
            with gr.Tab(tr("ui tab documents"), id="documents") as documents_tab:
                documents_html = gr.HTML(render_documents(docs), elem_id="pa-documents", js_on_load=None)
                gr.Markdown(tr("ui lookup heading"))
                with gr.Row():
                    lookup_box = gr.Textbox(show_label=False, placeholder=tr("ui lookup placeholder"),
                                            scale=5, container=False, elem_id="pa-lookup", min_width=160)
                    lookup_btn = gr.Button(tr("ui show clause"), scale=1, min_width=110, elem_id="pa-lookup-btn")
                lookup_out = gr.HTML("", elem_id="pa-lookup-result", js_on_load=CLAUSE_LINKS_JS)

        ui_only = {"api_visibility": "private"}
        ask_inputs = [question, history, audience, doc_filter, place_filter]
        ask_outputs = [chatbot, history, question, citations, panel, status]
        question.submit(on_ask, ask_inputs, ask_outputs, **ui_only).then(None, js=SCROLL_TO_ANSWER_JS, **ui_only)
        ask_btn.click(on_ask, ask_inputs, ask_outputs, **ui_only).then(None, js=SCROLL_TO_ANSWER_JS, **ui_only)
        chatbot.example_select(on_example, [history, audience, doc_filter, place_filter], ask_outputs,
                               **ui_only).then(None, js=SCROLL_TO_ANSWER_JS, **ui_only)
        chatbot.clear(on_clear, None, [chatbot, history, citations, panel, status], **ui_only)
        audience.change(on_audience, [audience, history], [chatbot], **ui_only)
        citations.input(on_citation, [citations, history], [panel], **ui_only).then(None, js=SHOW_PANEL_JS,
                                                                                    **ui_only)
        up.click(on_feedback("up"), [history, comment], [status, comment], **ui_only)
        down.click(on_feedback("down"), [history, comment], [status, comment], **ui_only)
        panel.click(on_panel_ref, [history], [panel], **ui_only).then(None, js=SHOW_PANEL_JS, **ui_only)
        lookup_out.click(on_lookup_ref, [lookup_box], [lookup_out], **ui_only)
        lookup_box.submit(on_lookup, [lookup_box], [lookup_out], **ui_only)
        lookup_btn.click(on_lookup, [lookup_box], [lookup_out], **ui_only)
        # a quiet refresh: the table stays as it is (not dimmed) until the live generation's rows replace it
        documents_tab.select(on_documents, None, [documents_html, doc_filter, place_filter], show_progress="hidden",
                             **ui_only)
        demo.load(on_documents, None, [documents_html, doc_filter, place_filter], show_progress="hidden",
                  **ui_only).then(
            None, js=NARROW_LAYOUT_JS, **ui_only)

        def ask(question: str, history: list | None = None, llm: str | None = None) -> dict:
            """Answer a question from the indexed clauses: the JSON of `policy-assistant ask --json`.
            `history`: the conversation's earlier questions, oldest first, to ask this one as a follow-up.
            `llm`: "none" (quoted answer), "openai" or "gguf" (verified generated answer); default the setting."""
            return answer_or_error(live, question, lock=lock, history=list(history or []), llm=llm)

        gr.api(ask, api_name="ask")
    return demo


def stream_draft(run: Any) -> Any:
    """Run ``run(on_text)`` in a thread; yield the model's text so far as it grows, then ``run``'s result.
    The chat shows the draft while the model writes, then replaces it with the verified answer."""
    pieces: queue.Queue[Any] = queue.Queue()
    done = object()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["entry"] = run(pieces.put)
        finally:
            pieces.put(done)

    threading.Thread(target=work, daemon=True, name="answer").start()
    text, last = "", 0.0
    while True:
        piece = pieces.get()
        if piece is done:
            break
        text += piece
        if time.monotonic() - last > 0.1:  # at most ten page updates a second
            last = time.monotonic()
            yield text
    yield result["entry"]


def draft_messages(question: Any, draft: str) -> list[dict[str, str]]:
    """The question and the model's unverified draft, marked as such, while it is being written."""
    lang = language_of(question if isinstance(question, str) else "")
    label = say("model draft", lang)
    return [{"role": "user", "content": render_user({"question": question if isinstance(question, str) else ""})},
            {"role": "assistant", "content": f"*{label}…*\n\n{md_text(draft)}"}]


def _examples(audience: str) -> list[dict[str, str]]:
    return [{"text": q} for q in EXAMPLES.get(audience, EXAMPLES[PLAIN])]


def serve(settings: Settings | None = None) -> None:
    """Open the existing index and serve the app on ``settings.host:settings.port`` until interrupted."""
    from assistant.core import Assistant

    settings = settings or Settings.load()
    assistant = Assistant.open(settings=settings)
    assistant.generator.warm()  # llm = gguf: load the model before the first question
    demo = build_app(assistant, settings)
    print(f"policy-assistant: serving on http://{settings.host}:{settings.port}", flush=True)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.host, server_port=settings.port, share=False, quiet=True, ssr_mode=False,
        inbrowser=False, css=CSS, i18n=I18N)
