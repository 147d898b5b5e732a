"""The OCR path under attack (issue #29, items 2, 3 and 7): long scans, a killed ``add``, plain reasons.

Real ocrmypdf and Tesseract (``make system-deps``), real scanned PDFs made here, a real ``journalqa add`` process
killed with SIGKILL. The kill test stops by itself: it waits a bounded time for OCR to start and to end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journalqa.ingest import load_file
from journalqa.ingest.ocr import cache_name, ocr_available, sweep_temp_dirs
from tests.conftest import ROOT
from tests.scans import KNOWN_TEXT, missing_tools, scan_pdf, write_text_page_pdf

pytestmark = pytest.mark.skipif(
    bool(ocr_available("eng") or missing_tools()), reason="needs tesseract-ocr, ocrmypdf, poppler-utils, img2pdf"
)


def _scan(tmp_path: Path, pages: int, name: str = "scan.pdf", dpi: int = 300) -> Path:
    original = write_text_page_pdf(tmp_path / f"{name}.src.pdf", KNOWN_TEXT["eng"], pages=pages)
    return scan_pdf(original, tmp_path / name, dpi=dpi)


def test_cache_names_are_short_whatever_the_page_count():
    names = {cache_name("0123456789abcdef", "eng+rus+kaz", range(n)) for n in (1, 78, 200, 5000)}
    assert len(names) == 4 and all(len(name) <= 40 for name in names)


@pytest.mark.slow  # Tesseract on 80 pages: about two minutes here
def test_a_scan_of_more_than_77_pages_is_read(tmp_path):
    # 80 pages: the old cache name listed every page number and passed 255 bytes from page 78 on.
    # Low resolution keeps Tesseract quick; the text is still read.
    scan = _scan(tmp_path, pages=80, dpi=100)
    doc = load_file(scan, ocr_langs="eng", ocr_cache=tmp_path / "cache")
    assert len(doc.metadata["ocr_pages"]) == 80
    assert "Kazakhstan" in doc.text
    assert all(len(p.name) <= 40 for p in (tmp_path / "cache").iterdir())


def test_an_empty_password_encrypted_scan_is_read_not_refused_with_a_tool_message(tmp_path):
    from pypdf import PdfReader, PdfWriter

    scan = _scan(tmp_path, pages=1)
    locked = tmp_path / "locked.pdf"
    writer = PdfWriter(clone_from=PdfReader(scan))
    writer.encrypt(user_password="", owner_password="owner")
    writer.write(locked)
    doc = load_file(locked, ocr_langs="eng", ocr_cache=tmp_path / "cache")
    assert "Kazakhstan" in doc.text and "qpdf" not in str(doc.metadata)


def test_an_ocrmypdf_failure_is_one_plain_line(tmp_path, monkeypatch):
    # ocrmypdf crashing on a damaged page printed a Python traceback's last line to the user
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "ocrmypdf"
    fake.write_text("#!/bin/sh\necho \"AttributeError: 'NoneType' object has no attribute 'MediaBox'\" >&2\nexit 15\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    from journalqa.ingest import IngestError

    with pytest.raises(IngestError) as caught:
        load_file(_scan(tmp_path, pages=1), ocr_langs="eng", ocr_cache=None)
    reason = str(caught.value)
    assert "OCR could not read this PDF" in reason
    for leak in ("AttributeError", "MediaBox", "exit 15", "ocrmypdf failed", str(tmp_path)):
        assert leak not in reason


def _descendants(pid: int) -> dict[int, str]:
    """pid -> command name of every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        names[int(entry.name)] = name
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = names[child]
            todo.append(child)
    return found


def _working_in(folder: Path) -> dict[int, str]:
    """pid -> command line of every live process whose arguments name a path in ``folder``: after the kill they
    are orphans, no longer below the killed process, but Tesseract and ocrmypdf still name their files there."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and str(folder) in cmdline and _alive(int(entry.name)):
            found[int(entry.name)] = cmdline[:120]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow  # a real add, OCR and a kill: about 30 s
def test_killing_add_during_ocr_ends_ocr_and_the_next_start_sweeps_its_files(tmp_path):
    scan = _scan(tmp_path, pages=12)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        **os.environ,
        "JOURNALQA_INDEX_DIR": str(tmp_path / "index"),
        "JOURNALQA_CORPUS_DIR": str(tmp_path / "corpus"),
        "JOURNALQA_OCR_LANGS": "eng",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # no OCR cache hit from another test
        "TMPDIR": str(temp),
    }
    add = subprocess.Popen(
        [sys.executable, "-m", "journalqa.cli", "add", "--quiet", str(scan)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ocr: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and "tesseract" not in ocr.values():
            assert add.poll() is None, "add ended before OCR started"
            ocr = _descendants(add.pid)
            time.sleep(0.2)
        assert "tesseract" in ocr.values(), f"no tesseract below add: {ocr}"
    finally:
        add.send_signal(signal.SIGKILL)
        add.wait(timeout=30)
    # the group dies at once; 5 s is well short of the 12 pages' OCR, which an orphaned ocrmypdf would go on with
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (any(_alive(pid) for pid in ocr) or _working_in(tmp_path)):
        time.sleep(0.2)
    left = {pid: name for pid, name in ocr.items() if _alive(pid)}
    assert not left, f"still running after the kill: {left}"
    time.sleep(1)  # nothing starts again either (a surviving ocrmypdf starts Tesseract on its next pages)
    assert not _working_in(tmp_path), f"OCR still working on this test's files: {_working_in(tmp_path)}"
    leftovers = list(temp.glob(f"journalqa-{add.pid}-*"))
    assert leftovers and any(p.is_file() for p in leftovers[0].rglob("*"))  # the upload's copy, page images
    # the next start sweeps them (a quick command that claims a temporary folder)
    remove = subprocess.run(
        [sys.executable, "-m", "journalqa.cli", "remove", "nothing"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert remove.returncode == 1  # "no document 'nothing'"
    assert not list(temp.glob(f"journalqa-{add.pid}-*"))
    assert sweep_temp_dirs(temp) == []  # the remove's own folder went with it at exit
