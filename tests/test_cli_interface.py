"""The terminal interface (issue 16, items 8 and 11): ``docs`` in an 80-column terminal, ``docs --clauses``, the
unknown-clause error, and ingest progress (a rich bar on a terminal, log lines otherwise). Real CLI processes over
real indexes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
from pathlib import Path

from tests.helpers import CLI, clean_env

DOC = "beijing-hr-action-plan-2023"
TEXT = ("I. Scope\n(I) Training support. Firms that train workers may receive a training subsidy.\n"
        "(II) Records. Firms keep records for three years.\n")


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=clean_env(**env), timeout=600)


def test_docs_shows_every_doc_id_whole_in_an_80_column_terminal(seed_index_dir: Path) -> None:
    out = _cli("docs", "--index-dir", str(seed_index_dir), COLUMNS="80")
    assert out.returncode == 0, out.stderr
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
    ids = [d["doc_id"] for d in json.loads(_cli("docs", "--json", "--index-dir", str(seed_index_dir)).stdout)]
    for doc_id in ids:
        assert re.search(rf"(?<![\w-]){re.escape(doc_id)}(?![\w-])", out.stdout), f"{doc_id} cut:\n{out.stdout}"


def test_docs_clauses_lists_a_documents_clause_ids(seed_index_dir: Path) -> None:
    out = _cli("docs", "--clauses", DOC, "--index-dir", str(seed_index_dir))
    assert out.returncode == 0, out.stderr
    ids = [line.split()[0] for line in out.stdout.splitlines()]
    assert f"{DOC}#IV.XIV" in ids and f"{DOC}#III.VII" in ids and len(ids) == len(set(ids)) >= 30
    as_json = json.loads(_cli("docs", "--clauses", DOC, "--json", "--index-dir", str(seed_index_dir)).stdout)
    assert [r["clause_id"] for r in as_json] == ids
    shown = _cli("show", ids[3], "--index-dir", str(seed_index_dir))  # every listed ID opens
    assert shown.returncode == 0 and ids[3] in shown.stdout
    missing = _cli("docs", "--clauses", "atlantis-plan", "--index-dir", str(seed_index_dir))
    assert missing.returncode == 1 and "`policy-assistant docs` lists the doc_ids" in missing.stderr


def test_an_unknown_clause_id_points_to_the_list_of_ids(seed_index_dir: Path) -> None:
    out = _cli("show", f"{DOC}#IX.XCIX", "--index-dir", str(seed_index_dir))
    assert out.returncode == 1
    assert f"`policy-assistant docs --clauses {DOC}` lists its clause IDs" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    other = _cli("show", "atlantis#I", "--index-dir", str(seed_index_dir))
    assert "docs --clauses DOC" in other.stderr


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rules.txt").write_text(TEXT, encoding="utf-8")
    return corpus, tmp_path / "index"


def test_ingest_logs_progress_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    corpus, index = _corpus(tmp_path)
    out = _cli("ingest", "--index-dir", str(index), "--corpus-dir", str(corpus))
    assert out.returncode == 0, out.stderr
    lines = [l for l in out.stderr.splitlines() if "Embedding clauses" in l]
    assert lines and lines[-1].endswith("characters embedded)") and "100%" in lines[-1], out.stderr
    assert "1 documents" in out.stdout


def test_ingest_draws_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    corpus, index = _corpus(tmp_path)
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([str(CLI), "ingest", "--index-dir", str(index), "--corpus-dir", str(corpus)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                                   env=clean_env(COLUMNS="100", TERM="xterm-256color"))
        os.close(follower)
        screen = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 600)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed: the process is done with its terminal
                break
            if not chunk:
                break
            screen += chunk
        assert process.wait(timeout=600) == 0
        stdout = process.stdout.read().decode()
    finally:
        os.close(leader)
    text = screen.decode("utf-8", errors="replace")
    assert "Embedding clauses" in text and "━" in text and "%" in text, text[-2000:]
    assert "INFO" not in text  # the bar, not log lines
    assert "1 documents" in stdout


def test_ask_takes_the_conversation_as_history(seed_index_dir: Path) -> None:
    out = _cli("ask", "and what about Shenyang?", "--history", "What help can college graduates get in Beijing?",
               "--index-dir", str(seed_index_dir))
    assert out.returncode == 0, out.stderr
    assert "(searched as: What help can college graduates get in Shenyang?)" in out.stdout
    assert "shenyang-hr-standards-2024#" in out.stdout
