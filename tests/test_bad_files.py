"""Bad corpus files: each is reported with one clear reason, everything else is indexed, nothing breaks.

Every case starts from a small index built from two good documents and a recorded answer. Then
the bad file and one new good file are added and ``policy-assistant ingest --json`` runs (in
process, through ``assistant.cli.main``, so its exit status is the real one): the report must
name exactly the bad file, the new good file must be indexed, the status must be non-zero and
the recorded answer must come back unchanged. The hashing embedder keeps each ingest instant;
retrieval quality is not what these tests are about.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant import Assistant
from assistant.cli import main as cli_main
from common.settings import Settings
from ingest.clauses import parse_clauses
from ingest.pipeline import run_ingest
from ingest.records import DocumentMeta, SourceDocument
from ingest.store import IndexStore
from tests.conftest import ROOT, build_index

EMBEDDER = "hashing-384"
GOOD_A = ("Training Rules\n\nI. Scope\n"
          "(I) Training subsidy. Firms that train workers may receive a training subsidy of 300 yuan per worker.\n"
          "(II) Records. Firms keep training records for three years.\n")
GOOD_B = "Holiday Rules\n\n(I) Annual leave. Employees receive ten days of paid annual leave each year.\n"
NEW_C = "Canteen Rules\n\n(I) Meal allowance. Staff on night shifts receive a meal allowance.\n"
QUESTION = "How long must firms keep training records?"


# -- helpers ----------------------------------------------------------------------------------
def _one_sentence(message: str) -> None:
    """A reason a user can read: one line, short, no traceback or bare exception dump."""
    assert message and "\n" not in message and len(message) < 200, message
    assert "Traceback" not in message and not re.match(r"^[A-Z]\w+(Error|Exception)\b", message), message


def _answer_key(answer) -> tuple[str, bool, list[str]]:
    return answer.answer, answer.answered, [c.clause_id for c in answer.citations]


def _chunks(settings: Settings, doc_id: str | None = None) -> dict[str, dict]:
    store = IndexStore(settings)
    state = store.current()
    col = store.collection(store.chunk_collection_name(state.generation))
    got = col.get(where={"doc_id": doc_id} if doc_id else None, include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def _cli_ingest(settings: Settings, monkeypatch, capsys) -> tuple[int, dict]:
    """``policy-assistant ingest --json`` in this process: its exit status and its JSON report."""
    for name in ("EMBEDDER", "INDEX_DIR", "CORPUS_DIR", "MAX_FILE_MB", "CONFIG"):
        monkeypatch.delenv(f"POLICY_ASSISTANT_{name}", raising=False)
    capsys.readouterr()
    status = cli_main(["ingest", "--json", "--index-dir", str(settings.index_dir),
                       "--corpus-dir", str(settings.corpus_dir)])
    out = capsys.readouterr().out
    return status, json.loads(out.strip().splitlines()[-1])


def _pdf(path: Path, text: str, owner: str | None = None, user: str | None = None) -> Path:
    pdf = FPDF()
    if owner is not None:
        pdf.set_encryption(owner_password=owner, user_password=user or "")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.fixture
def hashing(tmp_settings: Settings) -> Settings:
    return tmp_settings.replace(embedder=EMBEDDER)


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> tuple[Path, Path, tuple]:
    """An index of two good documents (real embedder, built once), and the answer it gives to QUESTION."""
    settings = build_index(tmp_path_factory.mktemp("base"), {"training.txt": GOOD_A, "holiday.txt": GOOD_B})
    answer = Assistant.open(settings=settings).ask(QUESTION)
    assert answer.answered and answer.citations[0].clause_id == "training#I.II", answer
    return settings.corpus_dir, settings.index_dir, _answer_key(answer)


@pytest.fixture
def built(base_index, tmp_settings: Settings) -> tuple[Settings, tuple]:
    """A private copy of the base index and corpus, and the recorded answer."""
    corpus, index, recorded = base_index
    shutil.copytree(corpus, tmp_settings.corpus_dir, dirs_exist_ok=True)
    shutil.copytree(index, tmp_settings.index_dir)
    return tmp_settings, recorded


# -- the bad files ----------------------------------------------------------------------------
def _truncated_pdf(corpus: Path, tmp: Path) -> Path:
    whole = _pdf(tmp / "whole.pdf", "\n".join(f"({r}) Rule {r}. Firms keep records." for r in ("I", "II", "III") * 20))
    data = whole.read_bytes()
    return _write(corpus / "truncated.pdf", data[: len(data) * 2 // 3])


def _encrypted_pdf(corpus: Path, tmp: Path) -> Path:
    return _pdf(corpus / "encrypted.pdf", "(I) Secret rule. Nobody may read this.", owner="owner-pw", user="user-pw")


def _image_only_pdf(corpus: Path, tmp: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((10, 80), "(I) Scanned rule. This text is only pixels.", fill="black")
    image.save(tmp / "scan.png")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(tmp / "scan.png"), x=10, y=10, w=180)
    pdf.output(str(corpus / "scanned.pdf"))
    return corpus / "scanned.pdf"


def _zero_bytes(corpus: Path, tmp: Path) -> Path:
    return _write(corpus / "empty.txt", b"")


def _binary_with_nuls(corpus: Path, tmp: Path) -> Path:
    rng = random.Random(7)
    return _write(corpus / "program.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(rng.randrange(256) for _ in range(4000)))


def _binary_without_nuls(corpus: Path, tmp: Path) -> Path:
    rng = random.Random(8)
    return _write(corpus / "noise.txt", bytes(rng.randrange(1, 256) for _ in range(4000)))


def _fifty_megabytes(corpus: Path, tmp: Path) -> Path:
    line = b"(I) Every firm keeps records of every worker for three years.\n"
    path = corpus / "huge.txt"
    with path.open("wb") as out:
        block = line * (1_000_000 // len(line) + 1)
        for _ in range(50):
            out.write(block)
    assert path.stat().st_size >= 50_000_000
    return path


def _symlink_out_of_corpus(corpus: Path, tmp: Path) -> Path:
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret payroll. The chairman earns 9,876,543 yuan.\n", encoding="utf-8")
    link = corpus / "linked.txt"
    link.symlink_to(outside / "secret.txt")
    return link


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_FILES = {
    "truncated-pdf": (_truncated_pdf, r"damaged|unreadable|truncated"),
    "encrypted-pdf": (_encrypted_pdf, r"encrypted|password"),
    "image-only-pdf": (_image_only_pdf, r"no text|scan"),
    "zero-bytes": (_zero_bytes, r"empty"),
    "binary-txt-with-nuls": (_binary_with_nuls, r"binary|not .*text"),
    "binary-txt-without-nuls": (_binary_without_nuls, r"binary|not .*text"),
    "fifty-megabytes": (_fifty_megabytes, r"\b50(\.0)? MB\b.*\b20 MB limit"),
    "symlink-out-of-corpus": (_symlink_out_of_corpus, r"outside the corpus"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_reported_alone_and_the_rest_is_indexed(case: str, built, tmp_path: Path, monkeypatch, capsys):
    settings, recorded = built
    make, reason = BAD_FILES[case]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    bad = make(settings.corpus_dir, scratch)
    (settings.corpus_dir / "canteen.txt").write_text(NEW_C, encoding="utf-8")

    started = time.perf_counter()
    status, report = _cli_ingest(settings, monkeypatch, capsys)
    assert time.perf_counter() - started < 60

    assert status != 0, "ingest --json exited 0 although a file was skipped"
    assert [e["path"] for e in report["errors"]] == [str(bad)], report["errors"]
    message = report["errors"][0]["error"]
    _one_sentence(message)
    assert re.search(reason, message, re.IGNORECASE), message
    assert report["documents"] == 3
    state = IndexStore(settings).current()
    assert set(state.docs) == {"training", "holiday", "canteen"}
    assert _answer_key(Assistant.open(settings=settings).ask(QUESTION)) == recorded
    if case == "symlink-out-of-corpus":
        assert not any("9,876,543" in m["clause_text"] for m in _chunks(settings).values())


@pytest.mark.parametrize("corpus", ["only-bad-files", "empty-folder"])
def test_first_ingest_with_nothing_indexable_reports_instead_of_crashing(corpus: str, hashing: Settings, monkeypatch,
                                                                        capsys):
    """A first ingest of a folder whose files are all bad (or of an empty folder) is a report, not a traceback."""
    if corpus == "only-bad-files":
        (hashing.corpus_dir / "empty.txt").write_bytes(b"")
    monkeypatch.setenv("POLICY_ASSISTANT_EMBEDDER", EMBEDDER)
    capsys.readouterr()
    status = cli_main(["ingest", "--json", "--index-dir", str(hashing.index_dir),
                       "--corpus-dir", str(hashing.corpus_dir)])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["documents"] == 0
    if corpus == "only-bad-files":
        assert status == 1 and [e["path"] for e in report["errors"]] == [str(hashing.corpus_dir / "empty.txt")]
    else:
        assert status == 0 and report["errors"] == []


def test_pdf_with_only_an_owner_password_is_indexed(hashing: Settings):
    """Permissions-only encryption (no password to open, common on official PDFs) is readable text."""
    _pdf(hashing.corpus_dir / "official.pdf", "(I) Open rule. Firms publish their fees.", owner="owner-pw")
    report = run_ingest(hashing)
    assert report.errors == [] and report.documents == 1
    assert any("Firms publish their fees" in m["clause_text"] for m in _chunks(hashing).values())


def test_linked_folder_out_of_the_corpus_is_not_indexed(hashing: Settings, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret payroll. The chairman earns 9,876,543 yuan.\n", encoding="utf-8")
    (hashing.corpus_dir / "linked-folder").symlink_to(outside, target_is_directory=True)
    (hashing.corpus_dir / "training.txt").write_text(GOOD_A, encoding="utf-8")
    report = run_ingest(hashing)
    assert report.documents == 1
    assert not any("9,876,543" in m["clause_text"] for m in _chunks(hashing).values())


def test_cli_ingest_of_a_corpus_full_of_bad_files_exits_non_zero_and_keeps_the_index(built, tmp_path: Path):
    """The real console script: JSON on stdout, one error per bad file, no traceback, exit status 1."""
    settings, recorded = built
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    bad = {str(make(settings.corpus_dir, scratch)) for make, _ in BAD_FILES.values()}
    (settings.corpus_dir / "canteen.txt").write_text(NEW_C, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    run = subprocess.run([str(Path(sys.executable).with_name("policy-assistant")), "ingest", "--json",
                          "--index-dir", str(settings.index_dir), "--corpus-dir", str(settings.corpus_dir)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=240)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    assert {e["path"] for e in report["errors"]} == bad
    for error in report["errors"]:
        _one_sentence(error["error"])
    assert report["documents"] == 3
    assert _answer_key(Assistant.open(settings=settings).ask(QUESTION)) == recorded


# -- odd but good files: indexed, not errors ----------------------------------------------------
@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-16-be-bom"])
def test_latin1_and_utf16_text_is_indexed_with_its_accents(encoding: str, hashing: Settings):
    text = ("Règles du café\n\n(I) Employés reçoivent une prime de Noël de 200 €uros.\n"
            "(II) Overtime. Les heures supplémentaires sont payées à 125 %.\n")
    if encoding == "latin-1":
        data = text.replace("€", "E").encode("latin-1")
        text = text.replace("€", "E")
    elif encoding == "utf-16":
        data = text.encode("utf-16")  # little-endian with BOM, as Windows writes it
    else:
        data = b"\xfe\xff" + text.encode("utf-16-be")
    (hashing.corpus_dir / "regles.txt").write_bytes(data)
    (hashing.corpus_dir / "training.txt").write_text(GOOD_A, encoding="utf-8")
    report = run_ingest(hashing)
    assert report.errors == [] and report.documents == 2
    assistant = Assistant.open(settings=hashing)
    first = assistant.show("regles#I")
    assert first is not None and first.text == text.splitlines()[2]
    assert "Employés reçoivent une prime de Noël" in first.text
    assert assistant.show("regles#II").text == "(II) Overtime. Les heures supplémentaires sont payées à 125 %."
    titles = {r["doc_id"]: r["title"] for r in assistant.documents()}
    assert titles["regles"] == "Règles du café"


def test_clause_title_starting_with_a_non_ascii_capital_is_its_own_clause(hashing: Settings):
    """"(II) Über…" and "(III) État…" open clauses just as "(II) Overtime…" does (Latin-1 file)."""
    lines = ["Règles du personnel", "(I) Employés reçoivent une prime.", "(II) Über-Stunden werden bezahlt.",
             "(III) État des lieux à la sortie."]
    (hashing.corpus_dir / "regles.txt").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    report = run_ingest(hashing)
    assert report.errors == []
    chunks = _chunks(hashing, "regles")
    assert {m["clause_id"]: m["clause_text"] for m in chunks.values()} == {
        "regles#title": lines[0], "regles#I": lines[1], "regles#II": lines[2], "regles#III": lines[3]}


def test_file_name_with_spaces_and_non_ascii_is_indexed_and_cited_by_name(tmp_settings: Settings):
    hashing = tmp_settings  # the real embedder: this test checks the answer, not just the index
    name = "Règles – congés 2024 (草案).txt"
    (hashing.corpus_dir / name).write_text(
        "Wedding Leave Rules\n\n(I) Wedding leave. Employees receive twelve days of paid wedding leave.\n",
        encoding="utf-8")
    (hashing.corpus_dir / "training.txt").write_text(GOOD_A, encoding="utf-8")
    report = run_ingest(hashing)
    assert report.errors == [] and report.documents == 2
    assistant = Assistant.open(settings=hashing)
    rows = {r["source"]: r for r in assistant.documents()}
    assert name in rows
    doc_id = rows[name]["doc_id"]
    answer = assistant.ask("How many days of paid wedding leave do employees receive?")
    assert answer.answered and answer.citations[0].source == name
    assert answer.citations[0].clause_id == f"{doc_id}#I"
    assert assistant.show(f"{doc_id}#I").source == name


def test_broken_clause_numbering_keeps_all_text_with_unique_ids(hashing: Settings):
    lines = ["Numbering Rules", "(I) First rule. Staff sign contracts.",
             "(II) Second rule. Staff receive payslips monthly.",
             "(II) Repeated rule. Staff may appeal decisions.", "(V) Jumped rule. Staff get a uniform.",
             "(III) Late rule. Staff keep their badges."]
    (hashing.corpus_dir / "numbering.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_ingest(hashing)
    assert report.errors == [] and report.documents == 1
    chunks = _chunks(hashing, "numbering")
    clause_ids = [m["clause_id"] for m in chunks.values()]
    assert len(clause_ids) == len(set(clause_ids)) == len(lines)
    texts = [m["clause_text"] for m in chunks.values()]
    for line in lines:
        assert sum(line in t for t in texts) == 1, f"{line!r} is not kept exactly once"
    by_text = {m["clause_text"]: m["clause_id"] for m in chunks.values()}
    assert by_text[lines[2]] == "numbering#II" and by_text[lines[3]] != "numbering#II"
    assistant = Assistant.open(settings=hashing)
    assert {assistant.show(cid).text for cid in clause_ids} == set(lines)


# -- load ---------------------------------------------------------------------------------------
WORDS = ["leave", "salary", "overtime", "holiday", "bonus", "training", "contract", "probation"]
_LARGE_INGEST = r"""
import json, sys, time
from pathlib import Path
from common.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
import chromadb, llama_index.core, llama_index.vector_stores.chroma  # imports are not what is timed
settings = Settings.load(index_dir=Path(sys.argv[1]), corpus_dir=Path(sys.argv[2]), embedder="hashing-384")
started = time.perf_counter()
report = run_ingest(settings)
elapsed = time.perf_counter() - started
store = IndexStore(settings)
col = store.collection(store.chunk_collection_name(store.current().generation))
kept = 0  # non-space characters in the stored chunks (windows may cut a word, so count characters)
offset = 0
while True:
    got = col.get(where={"doc_id": "one-word-lines"}, include=["documents"], limit=200, offset=offset)
    if not got["ids"]:
        break
    kept += sum(len("".join(t.split())) for t in got["documents"])
    offset += len(got["ids"])
print(json.dumps({"elapsed": elapsed, "report": report.to_dict(), "kept": kept}))
"""


def _one_word_lines(n: int) -> str:
    rng = random.Random(100_000)
    return "\n".join(rng.choice(WORDS) for _ in range(n)) + "\n"


def test_hundred_thousand_one_word_lines_are_indexed_within_a_minute(hashing: Settings):
    """600 KB of valid text is well under the size limit, so the right outcome is: indexed, every word kept.

    Run in a subprocess so a pathological ingest is killed instead of hanging the suite.
    """
    text = _one_word_lines(100_000)
    (hashing.corpus_dir / "one-word-lines.txt").write_text(text, encoding="utf-8")
    (hashing.corpus_dir / "training.txt").write_text(GOOD_A, encoding="utf-8")
    try:
        run = subprocess.run([sys.executable, "-c", _LARGE_INGEST, str(hashing.index_dir), str(hashing.corpus_dir)],
                             capture_output=True, text=True, cwd=ROOT, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("ingesting a file of 100,000 one-word lines did not finish in 90 s (killed)")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["report"]["errors"] == [] and result["report"]["documents"] == 2
    assert result["kept"] == len("".join(text.split())), "text was lost or duplicated between chunks"
    assert result["elapsed"] < 60, f"ingest took {result['elapsed']:.0f} s"


def test_parsing_hundred_thousand_one_word_lines_is_linear(monkeypatch):
    """The clause parser alone, on the same file: a second or two, not minutes (an O(n²) scan times out)."""
    doc = SourceDocument(DocumentMeta("one-word-lines", "T", "T"), _one_word_lines(100_000), "one-word-lines.txt")

    def timeout(signum, frame):
        raise TimeoutError("parse_clauses took over 15 s on 100,000 one-word lines")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(15)
    try:
        clauses = parse_clauses(doc)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert sum(len(c.text.split()) for c in clauses) == 100_000


def test_long_clause_text_is_stored_once_not_once_per_window(hashing: Settings):
    """A 60 KB clause cut into many windows must not store its whole text with every window (quadratic index)."""
    text = "Long Rules\n\n" + " ".join(_one_word_lines(10_000).split()) + "\n"
    (hashing.corpus_dir / "long.txt").write_text(text, encoding="utf-8")
    report = run_ingest(hashing)
    assert report.errors == [] and report.chunks > 20
    stored = sum(len(m.get("clause_text", "")) for m in _chunks(hashing, "long").values())
    assert stored <= 3 * len(text), \
        f"{stored:,} characters of clause text stored for a {len(text):,}-character document"
