"""Scanned pages: find the pages of a PDF without a usable text layer and give them one with Tesseract.

The work is done by Debian's ``ocrmypdf`` (over ``tesseract-ocr`` with the language packs): it writes a copy of
the PDF in which the chosen pages carry an invisible, positioned text layer over their image and every other
page is left as it was. So the same layout-aware extraction and cleaning passes read OCR'd pages and born-digital
pages alike. Chosen over calling Tesseract page by page (pytesseract) by measurement: equal character accuracy,
~1 s more per page, and positions the PDF extractor can read (``python evals/realdocs/bench_ocr.py``).

Nothing here is needed to run journalqa: without the tools, ``ocr_available()`` says which Debian packages
to install and the caller indexes the text pages only.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from journalqa.config import cache_dir

DEFAULT_LANGS = "eng+rus+kaz"
# A page whose text layer has fewer usable characters than this, while images cover most of it, is a scan
# (allowing for a stamp such as "Downloaded from ... on 12 May 2020" that archives print over scans).
SCAN_MAX_CHARS = 200
SCAN_MIN_IMAGE_SHARE = 0.5
# Fewer usable characters than this and something drawn on the page: text as outlines, or a small scan.
NO_TEXT_CHARS = 20
# Below this share of usable characters the text layer is unreadable: fonts without a Unicode map give
# private-use or replacement characters, and some give ``(cid:42)`` runs.
MIN_USABLE_SHARE = 0.5
# The ocrmypdf run is allowed this long per page before it is stopped (Tesseract alone needs 2-8 s here);
# JOURNALQA_OCR_SECONDS_PER_PAGE (Settings.ocr_seconds_per_page) overrides it.
SECONDS_PER_PAGE = 60
# ocrmypdf's exit status for an encrypted input (ocrmypdf.ExitCode.encrypted_pdf)
EXIT_ENCRYPTED = 8
log = logging.getLogger(__name__)

# Runs ocrmypdf for journalqa and dies with it: the parent-death signal (prctl PR_SET_PDEATHSIG) reaches this
# process when journalqa dies, even by SIGKILL, and it then kills its whole process group: ocrmypdf and the
# Tesseract processes it started, which a parent-death signal alone (not inherited past one fork) would miss.
SUPERVISOR = """
import ctypes, os, signal, subprocess, sys
def die(*_):
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, die)
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):  # the parent died before the signal was armed
    die()
sys.exit(subprocess.run(sys.argv[2:]).returncode)
"""


class OcrError(RuntimeError):
    """OCR could not run or failed; the message is one line meant for the user."""


@dataclass(frozen=True)
class OcrResult:
    dst: Path
    pages: tuple[int, ...]  # 0-based pages that were OCR'd (given a new text layer)
    seconds: float  # wall time of the OCR run
    langs: str

    @property
    def seconds_per_page(self) -> float:
        return self.seconds / len(self.pages) if self.pages else 0.0


def _packages(langs: str) -> list[str]:
    """Debian's name for each Tesseract language pack: ``chi_sim`` -> ``tesseract-ocr-chi-sim``."""
    return [f"tesseract-ocr-{lang.lower().replace('_', '-')}" for lang in _split_langs(langs)]


def _split_langs(langs: str) -> list[str]:
    return [lang for lang in langs.split("+") if lang.strip()]


@lru_cache(maxsize=8)
def _check(langs: str, path: str) -> str | None:
    # Keyed on PATH as well, so a changed PATH (a tool installed, or taken away) is seen at once.
    tesseract = shutil.which("tesseract", path=path)
    missing_tools = [name for name in ("tesseract", "ocrmypdf") if shutil.which(name, path=path) is None]
    wanted = _split_langs(langs)
    if not wanted:
        return "OCR off: no OCR language set (JOURNALQA_OCR_LANGS, e.g. eng+rus+kaz)"
    installed: set[str] = set()
    if tesseract:
        listing = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30)
        # the first line is a header ("List of available languages in ..."), then one language a line
        installed = {line.strip() for line in listing.stdout.splitlines()[1:] if line.strip()}
    missing_langs = [lang for lang in wanted if lang not in installed]
    if not missing_tools and not missing_langs:
        return None
    packages = [{"tesseract": "tesseract-ocr", "ocrmypdf": "ocrmypdf"}[tool] for tool in missing_tools]
    packages += [pkg for lang, pkg in zip(wanted, _packages(langs), strict=True) if lang in missing_langs]
    what = ", ".join(missing_tools + ([f"Tesseract languages {'+'.join(missing_langs)}"] if missing_langs else []))
    return f"OCR off (missing {what}): scanned pages are not read; apt-get install {' '.join(packages)}"


def default_cache_dir() -> Path:
    """Where OCR'd copies of scans are kept between loads: ``$XDG_CACHE_HOME/journalqa/ocr`` (~/.cache/...)."""
    return cache_dir() / "ocr"


def ocr_available(langs: str = DEFAULT_LANGS) -> str | None:
    """None when tesseract, ocrmypdf and every language in ``langs`` are installed; otherwise one line saying
    what is missing and which Debian packages to install."""
    return _check(langs, os.environ.get("PATH", ""))


# ----------------------------------------------------------------------------------------- which pages


def usable_chars(text: str) -> int:
    """Letters and digits a reader could use: not private-use, not U+FFFD, not inside ``(cid:N)`` codes."""
    text = re.sub(r"\(cid:\d+\)", "", text)
    return sum(1 for c in text if c.isalnum() and c != "\ufffd" and unicodedata.category(c) != "Co")


def page_needs_ocr(text: str, image_share: float, has_content: bool = True) -> bool:
    """Whether a page's text must come from OCR.

    ``text``: its extracted text layer; ``image_share``: the share of the page area its images cover (0-1);
    ``has_content``: anything is drawn on it at all (a blank page needs nothing).

    Yes for a scan (images over at least half the page and under 200 usable characters, a stamp allowed),
    for a page with something drawn but next to no text (text turned into outlines, a small scan), and for a
    text layer that is mostly unreadable codes. No for a figure with a caption, or a blank page.
    """
    usable = usable_chars(text)
    if image_share >= SCAN_MIN_IMAGE_SHARE and usable < SCAN_MAX_CHARS:
        return True
    if usable < NO_TEXT_CHARS:
        return has_content or image_share > 0
    # punctuation is neutral (contents pages are mostly dot leaders); only codes nobody can read count against
    unreadable = len(re.findall(r"\(cid:\d+\)", text)) + sum(
        1 for c in text if c == "\ufffd" or unicodedata.category(c) == "Co"
    )
    return usable / (usable + unreadable) < MIN_USABLE_SHARE


def _image_names(resources: object, into: set[str]) -> None:
    """Names of image XObjects in ``resources`` and in the forms it contains (a scan is often wrapped in one)."""
    try:
        xobjects = resources.get("/XObject")  # type: ignore[attr-defined]
        xobjects = xobjects.get_object() if xobjects is not None else {}
    except AttributeError:
        return
    for name, ref in xobjects.items():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            into.add(name)
        elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            _image_names(obj["/Resources"].get_object(), into)


def page_signals(page: object) -> tuple[str, float, bool]:
    """(text, image share, has content) of a pypdf page, for ``page_needs_ocr``."""
    images: set[str] = set()
    _image_names(page.get("/Resources", {}), images)  # type: ignore[attr-defined]
    drawn: list[float] = []

    def visit(op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        # an image is drawn into the unit square mapped by the current matrix: its area is |det(cm)|
        if op == b"Do" and args and args[0] in images:
            drawn.append(abs(cm[0] * cm[3] - cm[1] * cm[2]))

    try:
        text = page.extract_text(visitor_operand_before=visit)  # type: ignore[attr-defined]
    except Exception:  # a broken content stream: no usable text; OCR may still read the rendering
        text = ""
    box = page.mediabox  # type: ignore[attr-defined]
    area = max(1.0, float(box.width) * float(box.height))
    contents = page.get_contents()  # type: ignore[attr-defined]
    has_content = contents is not None and len(contents.get_data().strip()) > 0
    return text, min(1.0, sum(drawn) / area), has_content


def pages_needing_ocr(pdf: Path) -> list[int]:
    """0-based pages of ``pdf`` without a usable text layer."""
    from pypdf import PdfReader

    # pypdf logs font-parsing notes (e.g. "fontTools is required") per page; they say nothing about scans
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(pdf)
    return [i for i, page in enumerate(reader.pages) if page_needs_ocr(*page_signals(page))]


# ----------------------------------------------------------------------------------------- OCR


def ocr_pdf(src: Path, dst: Path, langs: str = DEFAULT_LANGS, pages: Sequence[int] | None = None) -> OcrResult:
    """Write to ``dst`` a copy of ``src`` whose given 0-based ``pages`` (default: those ``pages_needing_ocr``
    finds) carry a Tesseract text layer; the other pages are copied untouched. Raises OcrError (one line)
    when the tools are missing or ocrmypdf fails.

    A chosen page is treated as an image (``--force-ocr``): whatever text layer it had was unusable, so it is
    replaced, never doubled.
    """
    src, dst = Path(src), Path(dst)
    reason = ocr_available(langs)
    if reason:
        raise OcrError(reason)
    chosen = sorted(set(pages_needing_ocr(src) if pages is None else pages))
    started = time.perf_counter()
    if not chosen:
        shutil.copyfile(src, dst)
        return OcrResult(dst, (), 0.0, langs)
    with tempfile.TemporaryDirectory(prefix="journalqa-ocr-") as tmp:
        readable = _decrypted(src, Path(tmp) / "decrypted.pdf")
        return _ocr_pages(readable, dst, langs, chosen, started)


def _decrypted(src: Path, spare: Path) -> Path:
    """``src``, or when it is encrypted with an empty user password (readable by anyone, so pypdf read it) an
    unencrypted copy written to ``spare``: ocrmypdf refuses every encrypted file."""
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(src)
        if not reader.is_encrypted or not reader.decrypt(""):
            return src
        PdfWriter(clone_from=reader).write(spare)
    except Exception:  # not decryptable here: ocrmypdf says so, and the reason below is plain
        return src
    return spare


def _ocr_pages(src: Path, dst: Path, langs: str, chosen: list[int], started: float) -> OcrResult:
    cmd = [
        "ocrmypdf",
        "--quiet",
        "--language",
        langs,
        "--pages",
        ",".join(str(p + 1) for p in chosen),  # ocrmypdf counts from 1
        "--force-ocr",
        "--output-type",
        "pdf",  # not PDF/A: no Ghostscript rewrite of the whole file, the other pages stay byte-for-byte
        "--optimize",
        "0",
        "--jobs",
        str(min(len(chosen), os.cpu_count() or 1)),
        str(src),
        str(dst),
    ]
    limit = 60 + _seconds_per_page() * len(chosen)
    code, stderr = _run_owned(cmd, limit)
    if code is None:
        raise OcrError(f"OCR of {len(chosen)} page(s) took over {limit} s; stopped (JOURNALQA_OCR_SECONDS_PER_PAGE)")
    if code != 0:
        # the tool's own words (a Python traceback, a qpdf command line) are for the log, not the user
        lines = [line for line in stderr.splitlines() if line.strip()]
        log.warning("ocrmypdf exit %s on %s: %s", code, src.name, lines[-1] if lines else "no message")
        if code == EXIT_ENCRYPTED:
            raise OcrError("encrypted PDF: OCR cannot read it; save an unencrypted copy first")
        raise OcrError("OCR could not read this PDF (it may be damaged); save a new copy of it and add that")
    return OcrResult(dst, tuple(chosen), time.perf_counter() - started, langs)


def _seconds_per_page() -> int:
    from journalqa.config import Settings, SettingsError

    try:
        return Settings.from_env().ocr_seconds_per_page
    except SettingsError:  # the CLI and the server refuse a bad setting at start; a library caller gets the default
        return SECONDS_PER_PAGE


def _run_owned(cmd: list[str], timeout: float) -> tuple[int | None, str]:
    """Run ``cmd`` under the supervisor, in a process group of its own; (exit status or None on timeout, stderr).

    Whatever ends this call, a timeout, an exception or this process being killed, ends the whole group with it.
    Temporary files go to this process's temporary folder (``TMPDIR``), which the next start sweeps if this
    process died (``sweep_temp_dirs``).
    """
    env = {**os.environ, "TMPDIR": tempfile.gettempdir()}
    argv = [sys.executable, "-I", "-S", "-c", SUPERVISOR, str(os.getpid()), *cmd]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stderr or ""
    except subprocess.TimeoutExpired:
        return None, ""
    finally:
        # only while the supervisor is unreaped is its group certainly ours (a reaped one's id may be reused)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def page_count(pdf: Path) -> int | None:
    """How many pages ``pdf`` has, or None when pypdf cannot tell (the loader then says why)."""
    from pypdf import PdfReader

    try:
        return len(PdfReader(pdf).pages)
    except Exception:  # a damaged or encrypted file: counted by nobody here, refused by the loader with its reason
        return None


def cache_name(digest: str, langs: str, pages: Sequence[int]) -> str:
    """A short, fixed-length file name for the OCR'd copy of a source (its hash) in ``langs`` with ``pages``.

    The key used to list every page number (``{hash}-eng+rus+kaz-0.1.2…77.pdf``) and went past the 255-byte
    file-name limit at 78 pages, so a long scan could never be added (issue #29)."""
    key = f"{digest}|{langs}|{','.join(map(str, sorted(pages)))}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".pdf"


# a folder of one journalqa process's temporary files: journalqa-<pid>-<random>
TEMP_PREFIX = "journalqa-"


def claim_temp_dir() -> Path:
    """Give this process a temporary folder of its own (``tempfile`` and child processes use it), after sweeping
    the folders of journalqa processes that are gone: a run killed mid-OCR leaves the upload's copy and the
    page images there, and the next start removes them."""
    base = Path(tempfile.gettempdir())
    sweep_temp_dirs(base)
    mine = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=base))
    tempfile.tempdir = str(mine)
    os.environ["TMPDIR"] = str(mine)
    atexit.register(shutil.rmtree, mine, ignore_errors=True)
    return mine


def sweep_temp_dirs(base: Path) -> list[Path]:
    """Remove the temporary folders in ``base`` of journalqa processes no longer running; the removed ones."""
    swept = []
    for folder in base.glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            swept.append(folder)
    return swept


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def main() -> int:
    """``python -m journalqa.ingest.ocr``: one line on whether scanned pages can be read here (``make run`` prints it)."""
    from journalqa.config import Settings

    langs = Settings.from_env().ocr_langs
    reason = ocr_available(langs)
    print(reason or f"OCR ready: tesseract + ocrmypdf, languages {langs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
