"""The Gradio chat, driven in a real headless Chromium against the real server.

Two servers, each started as ``policy-assistant serve`` in a subprocess on a free port and
stopped in teardown: one over a copy of the seed index (every chat, citation, filter,
audience, lookup, feedback and API case), one over a one-clause corpus whose text holds
``<script>`` and ``<img onerror>`` (it must display as text and run nothing).

Chromium is Debian's ``/usr/bin/chromium`` (``make test`` installs it); when it is missing
these tests fail with that message instead of skipping. Every page is routed through a
guard that aborts and records any request that leaves the machine, and the test fails if
there was one. Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from common import offline  # noqa: F401  (HF_HUB_OFFLINE etc. for gradio_client)
from tests.conftest import CORPUS_ZH
from tests.helpers import Server, clean_env, start_app, stop_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
BIN = Path(sys.executable).parent
CLI = BIN / "policy-assistant"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWER_MS = 60_000

SUBSIDY_Q = "Which HR firms can get subsidies for free job introduction?"
SUBSIDY_CLAUSE = "beijing-hr-action-plan-2023#III.VII"
UNANSWERABLE_Q = "How much is the housing allowance for new graduates in Shenyang?"
DECLINE_PHRASE = "do not answer this question"
HTML_CLAUSE = ('(I) Test clause. <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> '
               'are shown as text.')


# -- servers ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def _servers() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        stop_process(process)


def _app_over_a_copy(servers, tmp_path_factory: pytest.TempPathFactory, name: str, index_dir: Path,
                     corpus: Path) -> Server:
    """The app over a copy of a built index, so what a test does to it never reaches the shared one."""
    workdir = tmp_path_factory.mktemp(name)
    index = workdir / "index"
    shutil.copytree(index_dir, index, ignore=shutil.ignore_patterns("READY"))
    return start_app(servers, workdir, index, corpus)


@pytest.fixture(scope="module")
def seed_server(_servers, seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Server:
    return _app_over_a_copy(_servers, tmp_path_factory, "seed-server", seed_index_dir, CORPUS)


@pytest.fixture(scope="module")
def html_server(_servers, tmp_path_factory: pytest.TempPathFactory) -> Server:
    workdir = tmp_path_factory.mktemp("html-server")
    corpus = workdir / "corpus"
    corpus.mkdir()
    (corpus / "html-test.txt").write_text(HTML_CLAUSE + "\n", encoding="utf-8")
    index = workdir / "index"
    out = subprocess.run([str(CLI), "ingest", "--index-dir", str(index), "--corpus-dir", str(corpus), "--json"],
                         capture_output=True, text=True, env=clean_env(), cwd=workdir, timeout=600)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["clauses"] == 1
    return start_app(_servers, workdir, index, corpus)


@pytest.fixture(scope="module")
def api_answer(seed_server: Server) -> dict:
    """The server's own JSON for the subsidy question, the reference for what the page must show."""
    from gradio_client import Client

    answer = Client(seed_server.url, verbose=False).predict(SUBSIDY_Q, api_name="/ask")
    assert answer["answered"], answer
    return answer


# -- the browser -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(`make browser-deps`, or `apt-get install chromium`; never `playwright install`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page; any request that leaves the machine is aborted and fails the test."""
    yield from _guarded_page(browser, viewport={"width": 1400, "height": 1000})


def _guarded_page(browser, **context_options):
    """A page in a new context made with ``context_options`` (viewport, locale), failing the test on any request
    that leaves the machine or any JavaScript error."""
    context = browser.new_context(**context_options)
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        url = route.request.url
        if urlparse(url).hostname in {"127.0.0.1", "localhost"} or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    new_page = context.new_page()
    new_page.set_default_timeout(30_000)
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield new_page
    context.close()
    assert not outside, f"the page requested assets from outside the machine: {outside}"
    assert not errors, f"JavaScript errors on the page: {errors}"


def _open(page, server: Server) -> None:
    page.goto(server.url, wait_until="load")
    page.locator("#pa-question textarea").wait_for(state="visible")


def _bots(page):
    return page.locator('#pa-chat [data-testid="bot"]')


def _ask(page, question: str):
    """Type a question, press Ask, and return the new assistant message once it is there."""
    from playwright.sync_api import expect

    bots = _bots(page)
    before = bots.count()
    page.locator("#pa-question textarea").fill(question)
    page.locator("#pa-ask").click()
    expect(bots).to_have_count(before + 1, timeout=ANSWER_MS)
    return bots.last


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _squash(text: str) -> str:
    return " ".join(text.split())


# -- the chat --------------------------------------------------------------------------
def test_answer_shows_text_markers_and_citation_label(page, seed_server: Server, api_answer: dict) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    message = _ask(page, SUBSIDY_Q)
    expect(message).to_contain_text("Clause (VII)")
    text = _squash(message.inner_text())
    first_sentence = api_answer["answer"].split(" [1]")[0]
    assert text.startswith(first_sentence), text  # plain language: the answer first
    assert "[1]" in text and "Sources" in text
    [cited] = [c for c in api_answer["citations"] if c["clause_id"] == SUBSIDY_CLAUSE]
    assert _squash(cited["label"]) in text
    choices = page.locator("#pa-citations label")
    expect(choices.first).to_contain_text("[1]")
    expect(choices.first).to_contain_text("Clause (VII)")
    _shot(page, "chat-answer.png")


def test_opening_a_citation_shows_the_clause_verbatim_with_the_quote_marked(page, seed_server: Server,
                                                                             api_answer: dict) -> None:
    from playwright.sync_api import expect

    [cited] = [c for c in api_answer["citations"] if c["clause_id"] == SUBSIDY_CLAUSE]
    _open(page, seed_server)
    _ask(page, SUBSIDY_Q)
    page.locator("#pa-citations label", has_text="Clause (VII)").first.click()
    panel = page.locator("#clause-panel")
    mark = panel.locator(".pa-clause-text mark")
    expect(mark.first).to_be_visible()
    marked = _squash(" ".join(mark.all_inner_texts()))
    assert marked == _squash(cited["quote"].replace("…", " "))  # "…" joins non-adjacent sentences
    clause_text = _squash(panel.locator(".pa-clause-text").inner_text())
    assert clause_text == _squash(cited["text"])
    assert clause_text in _squash((CORPUS / "beijing-hr-action-plan-2023.txt").read_text(encoding="utf-8"))
    panel_text = panel.inner_text()
    for value in (cited["label"], cited["doc_title"], cited["issuer"], cited["date"], cited["doc_type"],
                  cited["clause_id"], "Page"):
        assert _squash(value) in _squash(panel_text), value
    _shot(page, "citation-open.png")


def test_unanswerable_question_is_declined_with_related_clauses(page, seed_server: Server) -> None:
    from gradio_client import Client
    from playwright.sync_api import expect

    backend = Client(seed_server.url, verbose=False).predict(UNANSWERABLE_Q, api_name="/ask")
    assert not backend["answered"], (
        "assistant.ask answered a question the corpus cannot answer (support "
        f"{backend['support']}), so the chat cannot show a decline: {backend['answer']!r}")
    _open(page, seed_server)
    message = _ask(page, UNANSWERABLE_Q)
    expect(message).to_contain_text(DECLINE_PHRASE)
    text = message.inner_text()
    assert text.startswith("Not answered.")
    assert "Related" in text and "do not support an answer" in text
    assert "Sources" not in text and "[1]" not in text  # nothing is presented as support
    for related in backend["related"]:
        assert _squash(related["label"]) in _squash(text)
    choices = page.locator("#pa-citations label")
    expect(choices.first).to_contain_text("Related:")
    choices.first.click()
    expect(page.locator("#clause-panel .pa-kicker")).to_contain_text("not support")
    _shot(page, "declined-answer.png")


def test_audience_switch_changes_presentation_not_facts(page, seed_server: Server, api_answer: dict) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    chat = page.locator("#pa-chat")
    expect(chat).to_contain_text(EXAMPLE_PLAIN)  # example questions for each audience on the empty chat
    page.locator("#pa-audience label", has_text="Clause detail").click()
    expect(chat).to_contain_text(EXAMPLE_DETAIL)
    page.locator("#pa-audience label", has_text="Plain language").click()
    expect(chat).to_contain_text(EXAMPLE_PLAIN)

    message = _ask(page, SUBSIDY_Q)
    plain = _squash(message.inner_text())
    page.locator("#pa-audience label", has_text="Clause detail").click()
    expect(message).to_contain_text("Answer:")
    detail = _squash(message.inner_text())
    page.evaluate("document.querySelectorAll('#pa-chat *').forEach(e => { e.scrollTop = 0; })")  # answer's top
    _shot(page, "clause-detail.png")
    cited = api_answer["citations"][0]
    assert plain.startswith(api_answer["answer"].split(" [1]")[0])
    assert detail.startswith(f"[1] {_squash(cited['label'])}")  # clause detail: labels and quotes up front
    assert cited["clause_id"] in detail and cited["clause_id"] not in plain
    for fact in (_squash(api_answer["answer"]), _squash(cited["quote"])):
        assert fact in detail
    assert _squash(cited["label"]) in plain
    page.locator("#pa-audience label", has_text="Plain language").click()
    expect(message).not_to_contain_text("Answer:")
    assert _squash(message.inner_text()) == plain


EXAMPLE_PLAIN = "Will the Shenyang standards make any difference for people looking for work?"
EXAMPLE_DETAIL = "What does clause (XIV) of the Beijing plan say?"


def test_clicking_an_example_asks_it(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    page.locator("#pa-audience label", has_text="Clause detail").click()
    page.locator("#pa-chat button", has_text=EXAMPLE_DETAIL).click()
    message = _bots(page).last
    expect(message).to_contain_text("Clause (XIV)", timeout=ANSWER_MS)
    expect(page.locator('#pa-chat [data-testid="user"]').last).to_contain_text(EXAMPLE_DETAIL)


def test_document_filter_limits_citations_to_that_document(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    question = SUBSIDY_Q  # answered from the Beijing plan; the Opinions never mention Beijing
    title = "MHRSS Opinions on HR Services for Manufacturing"
    _open(page, seed_server)
    unfiltered = _ask(page, question)
    expect(unfiltered).to_contain_text("Beijing")  # without the filter another document is cited
    page.locator("#pa-doc-filter input").click()
    page.locator('[data-testid="dropdown-option"]', has_text=title).click()
    page.keyboard.press("Escape")
    message = _ask(page, question)
    expect(message).to_contain_text(f"Searched only: {title}")
    choices = page.locator("#pa-citations label span").all_inner_texts()
    assert choices, "no citations listed"
    for choice in choices:
        assert re.sub(r"^(\[\d+\]|Related:)\s*", "", choice).startswith(title), choice
    assert "Beijing" not in message.inner_text()


def test_question_errors_show_in_the_chat_without_a_traceback(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    empty = _ask(page, "   ")
    expect(empty).to_contain_text("Please type a question.")
    long_question = "subsidy " * 300
    too_long = _ask(page, long_question)
    expect(too_long).to_contain_text("please keep it under 2,000")
    assert page.locator("#pa-question textarea").input_value() == long_question  # kept for editing
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert page.locator(".toast-body").count() == 0


def test_documents_tab_lists_the_index_and_looks_clauses_up_verbatim(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    docs = json.loads(subprocess.run([str(CLI), "docs", "--json", "--index-dir", str(seed_server.index_dir)],
                                     capture_output=True, text=True, env=clean_env(), timeout=300, check=True).stdout)
    _open(page, seed_server)
    page.get_by_role("tab", name="Documents").click()
    table = page.locator("#pa-docs-table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(docs))
    for doc in docs:
        row = table.locator(f'tr[data-doc-id="{doc["doc_id"]}"]')
        expect(row).to_contain_text(doc["short_title"])
        assert row.locator("td.pa-num").inner_text().strip() == str(doc["clauses"])

    corpus_text = _squash((CORPUS / "beijing-hr-action-plan-2023.txt").read_text(encoding="utf-8"))
    for query in ("beijing-hr-action-plan-2023#IV.XIV", "Beijing XIV"):
        page.locator("#pa-lookup textarea").fill(query)
        page.locator("#pa-lookup-btn").click()
        result = page.locator("#pa-lookup-result .pa-clause").first
        expect(result).to_contain_text("Clause (XIV)")
        expect(result).to_contain_text("beijing-hr-action-plan-2023#IV.XIV")
        shown = _squash(result.locator(".pa-clause-text").inner_text())
        assert shown.startswith("(XIV) Utilize and optimize land resources with efficiency.")
        assert shown in corpus_text and len(shown) > 400  # the whole clause, verbatim
    _shot(page, "documents-lookup.png")
    page.locator("#pa-lookup textarea").fill("Atlantis clause XCIX")
    page.locator("#pa-lookup-btn").click()
    expect(page.locator("#pa-lookup-result")).to_contain_text("No clause matches")
    expect(page.locator("#pa-lookup-result")).to_contain_text("Type a document's ID from the table")
    page.locator("#pa-lookup textarea").fill("beijing-hr-action-plan-2023")  # the unknown-ID error's advice works
    page.locator("#pa-lookup-btn").click()
    listed = page.locator("#pa-clause-list tbody tr")
    expect(listed).to_have_count(next(d["clauses"] for d in docs if d["doc_id"] == "beijing-hr-action-plan-2023"))
    expect(page.locator("#pa-clause-list")).to_contain_text("beijing-hr-action-plan-2023#IV.XIV")


def test_feedback_is_appended_to_the_log(page, seed_server: Server, api_answer: dict) -> None:
    from playwright.sync_api import expect

    from assistant.feedback import FeedbackLog

    before = len(FeedbackLog(seed_server.feedback_path).read())
    _open(page, seed_server)
    page.locator("#pa-up").click()
    expect(page.locator("#pa-feedback-status")).to_contain_text("Ask a question first")
    _ask(page, SUBSIDY_Q)
    page.locator("#pa-comment textarea").fill("Cites <b>the</b> right clause")
    page.locator("#pa-down").click()
    expect(page.locator("#pa-feedback-status")).to_contain_text("recorded")
    expect(page.locator("#pa-comment textarea")).to_have_value("")
    entries = FeedbackLog(seed_server.feedback_path).read()
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry["question"] == SUBSIDY_Q
    assert entry["rating"] == "down"
    assert entry["comment"] == "Cites <b>the</b> right clause"
    assert entry["answer"] == api_answer["answer"]
    assert entry["citations"] == [c["clause_id"] for c in api_answer["citations"]]
    assert entry["time"].endswith("Z")


def test_api_ask_returns_the_cli_json(seed_server: Server) -> None:
    from gradio_client import Client

    client = Client(seed_server.url, verbose=False)
    questions = [SUBSIDY_Q, UNANSWERABLE_Q, ""]
    api = [client.predict(q, api_name="/ask") for q in questions]
    out = subprocess.run([str(CLI), "ask", "--json", "-", "--index-dir", str(seed_server.index_dir)],
                         input="".join(q + "\n" for q in questions), capture_output=True, text=True,
                         env=clean_env(POLICY_ASSISTANT_CORPUS_DIR=str(CORPUS)), timeout=300)
    cli = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(cli) == len(questions), out.stderr
    for from_api, from_cli in zip(api, cli):
        from_api.pop("latency_ms", None)
        from_cli.pop("latency_ms", None)
        assert from_api == from_cli
    assert api[0]["citations"][0]["clause_id"] == SUBSIDY_CLAUSE
    assert api[2] == {"question": "", "error": "Please type a question."}


# -- HTML inside a clause --------------------------------------------------------------------
def test_html_in_a_clause_is_shown_as_text_and_never_runs(page, html_server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, html_server)
    message = _ask(page, "What is shown as text in the test clause?")
    expect(message).to_contain_text("<script>window.__pwned=1</script>")
    expect(message).to_contain_text('<img src=x onerror="window.__pwned=2">')
    choice = page.locator("#pa-citations label").first
    expect(choice).to_contain_text("<script>")
    choice.click()
    panel = page.locator("#clause-panel")
    expect(panel.locator(".pa-clause-text")).to_contain_text(HTML_CLAUSE)
    expect(panel.locator("mark").first).to_contain_text("<script>window.__pwned=1</script>")
    page.locator("#pa-audience label", has_text="Clause detail").click()
    expect(message).to_contain_text("Answer:")
    expect(message).to_contain_text("<script>window.__pwned=1</script>")
    _shot(page, "html-clause-as-text.png")

    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#pa-docs-table")).to_contain_text("<script>")
    page.locator("#pa-lookup textarea").fill("html-test#I")
    page.locator("#pa-lookup-btn").click()
    expect(page.locator("#pa-lookup-result .pa-clause-text")).to_contain_text(HTML_CLAUSE)

    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    # Gradio's page config carries the title as escaped JSON; what must not exist is a live element.
    assert page.evaluate("[...document.scripts].some(s => s.textContent.trim() === 'window.__pwned=1')") is False
    assert page.locator("img[onerror]").count() == 0


# -- conversations (issue 16) ------------------------------------------------------------------
GRADUATES_Q = "What help can college graduates get in Beijing?"
SHENYANG_FOLLOW_UP = "and what about Shenyang?"
SCAM_Q = "What is being done to protect job seekers from scams?"
PHONE = {"width": 400, "height": 800}


def _conversation(page, server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, server)
    _ask(page, GRADUATES_Q)
    message = _ask(page, SHENYANG_FOLLOW_UP)
    expect(message).to_contain_text("Searched as: What help can college graduates get in Shenyang?")
    expect(message).to_contain_text("Shenyang HR Service Standards")


def test_a_follow_up_is_answered_in_context_and_says_what_was_searched(page, seed_server: Server) -> None:
    _conversation(page, seed_server)
    _shot(page, "followup-1400.png")
    first = _bots(page).first.inner_text()
    assert "Searched as" not in first  # a question that stands alone is searched as typed


def test_api_ask_takes_an_optional_history(seed_server: Server) -> None:
    from gradio_client import Client

    client = Client(seed_server.url, verbose=False)
    alone = client.predict(SHENYANG_FOLLOW_UP, api_name="/ask")
    follow = client.predict(SHENYANG_FOLLOW_UP, [GRADUATES_Q], api_name="/ask")
    assert alone["searched_as"] == ""
    assert follow["searched_as"] == "What help can college graduates get in Shenyang?"
    assert follow["citations"][0]["doc_id"] == "shenyang-hr-standards-2024"


def test_clear_starts_a_new_conversation(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    _ask(page, GRADUATES_Q)
    page.locator('#pa-chat button[aria-label="Clear"]').click()
    expect(_bots(page)).to_have_count(0)
    expect(page.locator("#pa-citations")).to_be_hidden()
    message = _ask(page, SHENYANG_FOLLOW_UP)
    expect(_bots(page)).to_have_count(1)  # the cleared exchange does not come back
    expect(page.locator('#pa-chat [data-testid="user"]')).to_have_count(1)
    assert "Searched as" not in message.inner_text()  # and the follow-up is not resolved against it
    assert GRADUATES_Q not in page.locator("#pa-chat").inner_text()


def test_markdown_of_the_corpus_shows_as_bold_not_asterisks(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _open(page, seed_server)
    message = _ask(page, SCAM_Q)
    expect(message).to_contain_text("Increased Awareness and Guidance")
    assert "**" not in message.inner_text()
    assert "Increased Awareness and Guidance" in " ".join(message.locator("strong").all_inner_texts())
    page.locator("#pa-citations label").first.click()
    panel = page.locator("#clause-panel .pa-clause-text")
    expect(panel.locator("strong").first).to_be_visible()
    assert "**" not in panel.inner_text()
    assert "Increased Awareness and Guidance" in " ".join(panel.locator("strong").all_inner_texts())
    assert panel.locator("mark").count() >= 1  # the quote is still highlighted around the bold run
    for mode in ("Clause detail",):
        page.locator("#pa-audience label", has_text=mode).click()
        expect(message).to_contain_text("Answer:")
        assert "**" not in message.inner_text()


def test_a_second_rating_of_the_same_answer_replaces_the_first(page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    from assistant.feedback import FeedbackLog

    log = FeedbackLog(seed_server.feedback_path)
    _open(page, seed_server)
    _ask(page, GRADUATES_Q)
    before = len(log.read())
    page.locator("#pa-up").click()
    expect(page.locator("#pa-feedback-status")).to_contain_text("helpful")
    page.locator("#pa-down").click()
    expect(page.locator("#pa-feedback-status")).to_contain_text("not helpful")
    entries = log.read()
    assert len(entries) == before + 1, entries[before:]
    assert entries[-1]["rating"] == "down" and entries[-1]["question"] == GRADUATES_Q
    out = subprocess.run([str(CLI), "feedback", "--json"], capture_output=True, text=True, timeout=300,
                         env=clean_env(POLICY_ASSISTANT_FEEDBACK_PATH=str(seed_server.feedback_path)))
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [r["rating"] for r in rows if r["question"] == GRADUATES_Q] == ["down"]


# -- desktop details -----------------------------------------------------------------------
def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_desktop_chat_icons_label_scroll_and_button_names(page, seed_server: Server) -> None:
    page.set_viewport_size({"width": 1100, "height": 1000})  # a laptop: the clause-detail answer outgrows the chat
    _open(page, seed_server)
    page.locator("#pa-audience label", has_text="Clause detail").click()
    _ask(page, GRADUATES_Q)
    message = _ask(page, SCAM_Q)
    nameless = page.evaluate("""[...document.querySelectorAll('button, [role=button], [aria-label]')]
        .filter(e => e.hasAttribute('aria-label') ? !e.getAttribute('aria-label').trim()
                     : !(e.innerText || e.getAttribute('title') || '').trim())
        .map(e => e.outerHTML.slice(0, 160))""")
    assert not nameless, f"controls without an accessible name: {nameless}"  # the chat's header buttons too
    page.wait_for_function("""() => { const b = document.querySelectorAll('#pa-chat [data-testid="bot"]');
        const log = document.querySelector('#pa-chat [role="log"]');
        return log && Math.abs(b[b.length-1].getBoundingClientRect().top - log.getBoundingClientRect().top) < 80; }""")
    box = page.locator('#pa-chat [role="log"]').bounding_box()
    top = message.bounding_box()
    assert top["height"] > box["height"], "the answer must be longer than the chat to test where it lands"
    assert box["y"] - 1 <= top["y"] <= box["y"] + 80  # the reader lands on the start of the long answer
    page.evaluate("document.querySelector('#pa-chat [role=\"log\"]').scrollTop = 0")
    icons = page.locator("#pa-chat .top-panel").bounding_box()
    user = page.locator('#pa-chat [data-testid="user"]').first.bounding_box()
    assert icons and user and not _overlap(icons, user), (icons, user)  # icons do not cover the question
    assert page.locator("#pa-chat [data-testid='block-label']").count() == 0  # no "Chat" label over the text


# -- the phone (400 px) ---------------------------------------------------------------------------
@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    context.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname in
                  {"127.0.0.1", "localhost"} or route.request.url.startswith(("data:", "blob:")) else route.abort())
    new_page = context.new_page()
    new_page.set_default_timeout(30_000)
    yield new_page
    context.close()


def test_phone_filters_are_collapsed_and_the_chat_comes_first(phone, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _open(phone, seed_server)
    expect(phone.locator("#pa-audience")).to_be_hidden()
    assert phone.locator("#pa-chat").bounding_box()["y"] < PHONE["height"] / 2
    phone.locator("#pa-filters button").first.click()  # the filters are one tap away
    expect(phone.locator("#pa-audience")).to_be_visible()


def test_phone_placeholders_fit_their_boxes(phone, seed_server: Server) -> None:
    _open(phone, seed_server)
    clipped = phone.evaluate("""() => {
      const ctx = document.createElement('canvas').getContext('2d');
      return [...document.querySelectorAll('textarea[placeholder], input[placeholder]')]
        .filter(e => e.offsetParent !== null && e.placeholder)
        .map(e => { const s = getComputedStyle(e); ctx.font = s.font;
                    const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                    return [e.placeholder, Math.ceil(ctx.measureText(e.placeholder).width), Math.floor(room)]; })
        .filter(([_, need, room]) => need > room); }""")
    assert not clipped, f"placeholders cut off (text, width needed, room): {clipped}"
    phone.get_by_role("tab", name="Documents").click()
    phone.locator("#pa-lookup textarea").wait_for(state="visible")
    clipped = phone.evaluate("""() => { const e = document.querySelector('#pa-lookup textarea');
      const ctx = document.createElement('canvas').getContext('2d'); const s = getComputedStyle(e); ctx.font = s.font;
      return ctx.measureText(e.placeholder).width > e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }""")
    assert not clipped


def test_phone_citation_shows_the_clause_viewer(phone, seed_server: Server) -> None:
    from playwright.sync_api import expect

    _conversation(phone, seed_server)
    _shot(phone, "followup-400.png")
    phone.locator("#pa-citations label").first.click()
    expect(phone.locator("#clause-panel .pa-clause")).to_be_visible()
    phone.wait_for_function("""() => { const r = document.getElementById('clause-panel').getBoundingClientRect();
        return r.top >= -1 && r.top < window.innerHeight / 2; }""")
    phone.screenshot(path=str(SCREENSHOTS / "citation-open-400.png"))


def test_phone_documents_table_scrolls_to_its_last_column(phone, seed_server: Server) -> None:
    _open(phone, seed_server)
    phone.get_by_role("tab", name="Documents").click()
    wrap = phone.locator("#pa-docs-scroll")
    wrap.wait_for(state="visible")
    sizes = wrap.evaluate("e => [e.scrollWidth, e.clientWidth, getComputedStyle(e).overflowX]")
    assert sizes[0] > sizes[1] and sizes[2] in ("auto", "scroll"), sizes
    assert wrap.bounding_box()["x"] + wrap.bounding_box()["width"] <= PHONE["width"]  # the page itself does not widen
    wrap.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    last = phone.locator("#pa-docs-table th").last.bounding_box()
    assert 0 <= last["x"] and last["x"] + last["width"] <= PHONE["width"] + 1, last
    _shot(phone, "documents-400.png")


def test_phone_decline_and_desktop_documents_screenshots(page, phone, seed_server: Server) -> None:
    from playwright.sync_api import expect

    for p, width in ((phone, 400), (page, 1400)):
        _open(p, seed_server)
        message = _ask(p, UNANSWERABLE_Q)
        expect(message).to_contain_text(DECLINE_PHRASE)
        _shot(p, f"decline-{width}.png")
    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#pa-docs-table")).to_be_visible()
    _shot(page, "documents-1400.png")


# -- Chinese in the browser ------------------------------------------------------------------------
ZH_DECLINED_Q = "沈阳的最低工资是多少？"
MISSING_GLYPH = "\U0010FFFD"  # a private-use code point no font draws: it always renders as a missing-glyph box


def _probe(page, text: str, font: str, like: str) -> "np.ndarray":
    """``text`` drawn in a fixed box with the computed font size of the element ``like``, as a grey image."""
    import io

    import numpy as np
    from PIL import Image

    handle = page.evaluate_handle("""([text, font, like]) => {
        const ref = getComputedStyle(document.querySelector(like));
        const box = document.createElement('div');
        Object.assign(box.style, {position: 'fixed', left: '0', top: '0', zIndex: 99999, background: '#fff',
            color: '#000', width: '420px', height: '48px', whiteSpace: 'nowrap', overflow: 'hidden',
            fontSize: ref.fontSize, fontWeight: ref.fontWeight, fontFamily: font || ref.fontFamily});
        box.textContent = text;
        document.body.appendChild(box);
        return box; }""", [text, font, like])
    png = handle.as_element().screenshot()
    handle.evaluate("e => e.remove()")
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float32)


def test_a_chinese_question_renders_in_chinese_glyphs_not_boxes(page, seed_server: Server) -> None:
    from gradio_client import Client
    from playwright.sync_api import expect

    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font: install fonts-noto-cjk (`make browser-deps`)"
    backend = Client(seed_server.url, verbose=False).predict(ZH_DECLINED_Q, api_name="/ask")
    _open(page, seed_server)
    message = _ask(page, ZH_DECLINED_Q)
    expect(message).to_contain_text("未回答。")  # the app's own words in the question's language
    expect(message).to_contain_text(backend["answer"])
    expect(page.locator('#pa-chat [data-testid="user"]').last).to_contain_text(ZH_DECLINED_Q)
    _shot(page, "chinese-question.png")

    sample = backend["answer"][:12]
    like = '#pa-chat [data-testid="bot"] p'
    as_shown = _probe(page, sample, "", like)  # the page's own font stack, as the answer is drawn
    with_font = _probe(page, sample, "'Noto Sans CJK SC', 'Noto Sans CJK JP', sans-serif", like)
    tofu = _probe(page, MISSING_GLYPH * len(sample), "", like)
    assert (as_shown < 128).any(), "the sample drew nothing"
    to_font, to_tofu = float(abs(as_shown - with_font).mean()), float(abs(as_shown - tofu).mean())
    assert to_font < to_tofu / 2, f"Chinese renders like missing-glyph boxes (distance to the CJK font {to_font:.1f}, " \
                                  f"to boxes {to_tofu:.1f})"


# -- the Chinese interface and cross-references (issue 13) ------------------------------------------
ZH_ARTICLE_Q = "人力资源市场暂行条例第四十二条"
ZH_ARTICLE_ID = "hr-market-interim-regulations-2018#A42"
ZH_CITED_ID = "hr-market-interim-regulations-2018#A18"  # 第四十二条 penalises breaches of 第十八条
ZH_PHONE = {"viewport": PHONE, "device_scale_factor": 1, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def zh_server(_servers, zh_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The app over a copy of the six Chinese laws (skips, with the fixture's reason, without ../shared)."""
    return _app_over_a_copy(_servers, tmp_path_factory, "zh-server", zh_index_dir, CORPUS_ZH)


@pytest.fixture
def zh_page(browser):
    """A desktop page whose browser speaks Chinese (navigator.language and Accept-Language zh-CN)."""
    yield from _guarded_page(browser, viewport={"width": 1400, "height": 1000}, locale="zh-CN")


def test_a_chinese_browser_gets_the_chinese_interface(zh_page, seed_server: Server) -> None:
    from playwright.sync_api import expect

    from assistant.messages import browser_translations

    zh = browser_translations()["zh"]
    _open(zh_page, seed_server)
    expect(zh_page.get_by_role("tab", name="对话")).to_be_visible()
    expect(zh_page.get_by_role("tab", name="文件")).to_be_visible()
    expect(zh_page.locator("#pa-ask")).to_have_text(zh["ui ask"])
    assert zh_page.locator("#pa-question textarea").get_attribute("placeholder") == zh["ui question placeholder"]
    assert zh_page.locator("#pa-comment textarea").get_attribute("placeholder") == zh["ui comment placeholder"]
    expect(zh_page.locator("#pa-up")).to_have_text(zh["ui helpful"])
    expect(zh_page.locator("#pa-down")).to_have_text(zh["ui not helpful"])
    expect(zh_page.locator("#pa-filters")).to_contain_text(zh["ui filters"])
    for key in ("ui audience", "ui plain", "ui detail", "ui documents filter info", "ui jurisdiction filter"):
        expect(zh_page.locator("#pa-filters")).to_contain_text(zh[key])
    expect(zh_page.locator("#pa-header")).to_contain_text("政策助手")
    expect(zh_page.locator("#pa-chat")).to_contain_text("询问已收录的人力资源政策")
    expect(zh_page.locator("#clause-panel")).to_contain_text("条款查看")
    zh_page.locator("#pa-up").click()  # no question yet: the status speaks the browser's language
    expect(zh_page.locator("#pa-feedback-status")).to_have_text(zh["ui feedback first"])
    assert "政策助手" in zh_page.title()
    zh_page.get_by_role("tab", name="文件").click()
    expect(zh_page.locator("#pa-lookup-btn")).to_have_text(zh["ui show clause"])
    expect(zh_page.locator("#pa-docs-table thead")).to_contain_text("发布机关")  # built by the server, per browser
    expect(zh_page.locator("#pa-documents")).to_contain_text("已收录 5 个文件")
    expect(zh_page.locator("body")).to_contain_text("查找条款")
    body = zh_page.locator("body").inner_text()
    for english in ("Audience and filters", "Helpful", "Clause viewer", "Look up a clause", "Show clause"):
        assert english not in body, english
    assert "__i18n__" not in body and not re.search(r"\bui [a-z]", body)  # no untranslated key reaches the page


def _open_article_with_links(p, server: Server):
    """Ask for 第四十二条, open it in the viewer and return the viewer once its "引用" links are there."""
    from playwright.sync_api import expect

    _open(p, server)
    _ask(p, ZH_ARTICLE_Q)
    p.locator("#pa-citations label", has_text="第四十二条").first.click()
    panel = p.locator("#clause-panel")
    expect(panel.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_ARTICLE_ID)
    expect(panel.locator(".pa-xref-refs")).to_contain_text("引用：")
    return panel


def test_a_cross_reference_link_opens_the_cited_article(zh_page, zh_server: Server) -> None:
    from gradio_client import Client
    from playwright.sync_api import expect

    backend = Client(zh_server.url, verbose=False).predict(ZH_ARTICLE_Q, api_name="/ask")
    [cited] = [c for c in backend["citations"] if c["clause_id"] == ZH_ARTICLE_ID]
    assert ZH_CITED_ID in cited["refs"], cited["refs"]
    panel = _open_article_with_links(zh_page, zh_server)
    links = panel.locator(".pa-xref-refs a.pa-ref")
    assert [links.nth(i).get_attribute("data-clause-ref") for i in range(links.count())] == cited["refs"]
    assert panel.locator(".pa-xref-cited-by").count() == (1 if cited["cited_by"] else 0)  # only when non-empty
    for field in ("文件", "条款编号", "来源文件"):  # the card's field names in the question's language
        expect(panel.locator(".pa-meta")).to_contain_text(field)
    expect(panel.locator(".pa-kicker")).to_contain_text("所引条款")
    _shot(zh_page, "zh-clause-xrefs-1400.png")

    links.filter(has_text="第十八条").click()
    expect(panel.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_CITED_ID)
    expect(panel.locator(".pa-clause-label")).to_contain_text("第十八条")
    shown = _squash(panel.locator(".pa-clause-text").inner_text())
    corpus = _squash("".join(p.read_text(encoding="utf-8") for p in CORPUS_ZH.glob("*.md")))
    assert shown.startswith("第十八条") and shown in corpus  # the article itself, verbatim
    back = panel.locator(".pa-xref-cited-by a.pa-ref", has_text="第四十二条")  # and the penalty one click back
    expect(back).to_have_attribute("data-clause-ref", ZH_ARTICLE_ID)
    expect(panel.locator(".pa-xref-cited-by")).to_contain_text("被引用：")
    _shot(zh_page, "zh-clause-cited-by-1400.png")
    back.click()
    expect(panel.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_ARTICLE_ID)


def test_documents_tab_lookup_links_cross_references_too(zh_page, zh_server: Server) -> None:
    from playwright.sync_api import expect

    _open(zh_page, zh_server)
    zh_page.get_by_role("tab", name="文件").click()
    zh_page.locator("#pa-lookup textarea").fill("暂行条例42条")
    zh_page.locator("#pa-lookup-btn").click()
    result = zh_page.locator("#pa-lookup-result")
    expect(result.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_ARTICLE_ID)
    expect(result.locator(".pa-kicker")).to_have_text("条款原文")
    result.locator(".pa-xref-refs a.pa-ref", has_text="第十八条").click()
    expect(result.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_CITED_ID)
    zh_page.locator("#pa-lookup textarea").fill("火星条例第九十九条")
    zh_page.locator("#pa-lookup-btn").click()
    expect(result).to_contain_text("没有与“火星条例第九十九条”相符的条款")


@pytest.fixture
def zh_phone(browser):
    """A 400 px phone whose browser speaks Chinese."""
    yield from _guarded_page(browser, **ZH_PHONE)


def test_chinese_clause_viewer_on_a_phone(zh_phone, zh_server: Server) -> None:
    from playwright.sync_api import expect

    panel = _open_article_with_links(zh_phone, zh_server)
    zh_phone.wait_for_function("""() => { const r = document.getElementById('clause-panel').getBoundingClientRect();
        return r.top >= -1 && r.top < window.innerHeight / 2; }""")
    width = zh_phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    _shot(zh_phone, "zh-clause-xrefs-400.png")
    panel.locator(".pa-xref-refs a.pa-ref", has_text="第十八条").click()
    expect(panel.locator(".pa-clause")).to_have_attribute("data-clause-id", ZH_CITED_ID)
