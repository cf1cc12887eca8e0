"""An index that cannot be written: ingest fails with one clear sentence and the old index keeps answering.

Tests run as root, and root ignores ``chmod``: a read-only folder does not stop it. So each
case uses a failure that is real for root too, and first proves that the write really fails:

* a read-only index folder, with ingest (and ask) run as the unprivileged user ``nobody``
  through ``setpriv`` (when already unprivileged, plain ``chmod`` is enough);
* the BM25 folder of the next generation blocked by a file, which no user can ``mkdir`` over;
* a full disk, simulated with a file-size limit (``RLIMIT_FSIZE`` applies to root), so Chroma's
  own writes fail half-way through an ingest.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.cli import main as cli_main
from common.settings import Settings
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from tests.conftest import ROOT, build_index

CLI = str(Path(sys.executable).with_name("policy-assistant"))
SETPRIV = shutil.which("setpriv")
NOBODY = 65534
TRAINING = ("Training Rules\n\n"
            "(I) Training subsidy. Firms that train workers may receive a training subsidy of 300 yuan per worker.\n"
            "(II) Records. Firms keep training records for three years.\n")
HOLIDAY = "Holiday Rules\n\n(I) Annual leave. Employees receive ten days of paid annual leave each year.\n"
NEW_DOC = "Remote Work Rules\n\n(I) Remote work. Staff may work from home on Fridays.\n"
QUESTIONS = ["How long must firms keep training records?", "How many days of annual leave do employees receive?"]


def _answers(settings: Settings) -> list[tuple]:
    assistant = Assistant.open(settings=settings)
    return [(a.answered, a.answer, [c.clause_id for c in a.citations]) for a in map(assistant.ask, QUESTIONS)]


def _live_content(settings: Settings) -> tuple:
    """The pointer and every record of the live generation: what 'the old index is intact' means."""
    store = IndexStore(settings)
    state = store.current()
    out = [state.to_json().split('"created"')[0] if state else None]
    for name in (store.chunk_collection_name(state.generation), store.sentence_collection_name(state.generation)):
        got = store.collection(name).get(include=["documents", "metadatas"])
        out.append(sorted(zip(got["ids"], got["documents"], [json.dumps(m, sort_keys=True) for m in got["metadatas"]])))
    bm25 = store.bm25_dir(state.generation)
    out.append(sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in bm25.iterdir()))
    return tuple(json.dumps(x, sort_keys=True) for x in out)


def _file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _one_line_error(stderr: str, *words: str) -> str:
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("policy-assistant: "), stderr[-3000:]
    assert any(w.lower() in lines[0].lower() for w in words), lines[0]
    return lines[0]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, list[tuple]]:
    """A small index (real embedder), built once; tests work on copies. Returns its folder and its answers."""
    root = tmp_path_factory.mktemp("readonly-base")
    settings = build_index(root, {"training.txt": TRAINING, "holiday.txt": HOLIDAY})
    answers = _answers(settings)
    assert all(a[0] for a in answers), answers
    return root, answers


@pytest.fixture
def world_readable_copy(base):
    """A copy of the base index and corpus under a folder every user can read, plus one new document."""
    root = Path(tempfile.mkdtemp(prefix="policy-assistant-readonly-"))
    os.chmod(root, 0o755)
    shutil.copytree(base[0] / "index", root / "index")
    shutil.copytree(base[0] / "corpus", root / "corpus")
    (root / "corpus" / "remote.txt").write_text(NEW_DOC, encoding="utf-8")
    (root / "home").mkdir(mode=0o777)
    os.chmod(root / "home", 0o777)
    for path in [root / "corpus", *(root / "corpus").iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    settings = Settings.load(index_dir=root / "index", corpus_dir=root / "corpus")
    yield settings, base[1]
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    shutil.rmtree(root, ignore_errors=True)


def _make_read_only(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        os.chmod(path, (stat.S_IMODE(path.stat().st_mode) | 0o444) & ~0o222 | (0o111 if path.is_dir() else 0))
    os.chmod(folder, 0o555)


def _as_unprivileged(folder: Path) -> list[str]:
    """The command prefix under which writing into ``folder`` really fails; skips when there is none."""
    probe = folder / ".write-probe"
    try:
        probe.touch()
    except PermissionError:
        return []  # not root: chmod is enough
    probe.unlink()
    if SETPRIV is None or os.geteuid() != 0:
        pytest.skip("running as root without setpriv: cannot make a folder read-only for this process")
    prefix = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    check = subprocess.run(prefix + ["touch", str(probe)], capture_output=True, text=True)
    assert check.returncode != 0 and not probe.exists(), "the read-only folder is writable for 'nobody' too"
    return prefix


def test_ingest_into_a_read_only_index_folder_fails_cleanly_and_keeps_the_old_index(world_readable_copy):
    settings, recorded = world_readable_copy
    before = _file_hashes(settings.index_dir)
    _make_read_only(settings.index_dir)
    prefix = _as_unprivileged(settings.index_dir)
    run = subprocess.run(prefix + [CLI, "ingest", "--json", "--index-dir", str(settings.index_dir),
                                   "--corpus-dir", str(settings.corpus_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env=_env(HOME=str(settings.index_dir.parent / "home")))
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    _one_line_error(run.stderr, "read-only", "readonly", "permission", "cannot write", "not writable")
    assert _file_hashes(settings.index_dir) == before
    assert _answers(settings) == recorded


def test_asking_a_read_only_index_answers_or_fails_cleanly(world_readable_copy):
    """Serving from read-only storage: the answer, or one clear sentence (exit 2), never a traceback."""
    settings, recorded = world_readable_copy
    _make_read_only(settings.index_dir)
    prefix = _as_unprivileged(settings.index_dir)
    run = subprocess.run(prefix + [CLI, "ask", QUESTIONS[0], "--json", "--index-dir", str(settings.index_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env=_env(HOME=str(settings.index_dir.parent / "home")))
    if run.returncode == 0:
        answer = json.loads(run.stdout)
        assert (answer["answered"], answer["answer"], [c["clause_id"] for c in answer["citations"]]) == recorded[0]
    else:
        assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
        _one_line_error(run.stderr, "read-only", "readonly", "permission", "cannot write", "not writable")


def test_unwritable_bm25_path_fails_ingest_cleanly_and_keeps_the_old_index(world_readable_copy, monkeypatch, capsys):
    """A file where the next generation's BM25 folder must go: mkdir fails for root as for anyone."""
    settings, recorded = world_readable_copy
    store = IndexStore(settings)
    live = store.current().generation
    blocker = store.bm25_dir(live + 1).with_name(store.bm25_dir(live + 1).name + ".tmp")
    blocker.write_text("not a folder")
    before = _live_content(settings)
    for name in ("EMBEDDER", "INDEX_DIR", "CORPUS_DIR", "CONFIG"):
        monkeypatch.delenv(f"POLICY_ASSISTANT_{name}", raising=False)
    capsys.readouterr()
    status = cli_main(["ingest", "--json", "--index-dir", str(settings.index_dir),
                       "--corpus-dir", str(settings.corpus_dir)])
    err = capsys.readouterr().err
    assert status == 2
    message = _one_line_error(err, "cannot write")
    assert "BM25" in message and str(store.bm25_root()) in message
    assert IndexStore(settings).current().generation == live
    assert _live_content(settings) == before
    assert _answers(settings) == recorded

    blocker.unlink()
    report = run_ingest(settings)
    assert report.ok and report.documents == 3 and report.generation == live + 1
    assert Assistant.open(settings=settings).ask("Can staff work from home?").citations[0].clause_id == "remote#I"


def test_disk_full_during_ingest_fails_cleanly_and_keeps_the_old_index(world_readable_copy):
    """No file may grow past its current size (RLIMIT_FSIZE binds root too): Chroma's writes fail mid-ingest."""
    settings, recorded = world_readable_copy
    before = _live_content(settings)
    live = IndexStore(settings).current().generation
    limit = max(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) + 1024

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run([CLI, "ingest", "--json", "--index-dir", str(settings.index_dir),
                          "--corpus-dir", str(settings.corpus_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300, env=_env(), preexec_fn=full_disk)
    assert run.returncode != 0, "ingest reported success although nothing could be written"
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    _one_line_error(run.stderr, "disk", "full", "cannot write", "space", "i/o")
    assert IndexStore(settings).current().generation == live
    assert _live_content(settings) == before
    assert _answers(settings) == recorded

    report = run_ingest(settings)
    assert report.ok and report.documents == 3
