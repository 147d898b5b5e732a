"""Fetch the real-PDF bench documents from Debian packages into a cache folder (default .cache/realdocs/).

    python evals/realdocs/fetch.py [--out .cache/realdocs] [--split calibration|test]

Each PDF comes out of a Debian package with ``apt-get download`` + ``dpkg-deb`` (the package is never
installed, so no root is needed once the apt lists exist). SOURCES.json records, per file, the package,
its version, the .deb's sha256 and the PDF's sha256, so a bench figure can name exactly what it read.
A file already in the cache with the recorded sha256 is not fetched again. Standard library only: it runs
before (and without) the venv.

Two recipes make a bench file out of a package's PDF, both deterministic and recorded in SOURCES.json:

* ``pages=(A, B)``: PDF pages A..B of a long manual (poppler's ``pdfseparate`` + ``pdfunite``);
* ``scan_dpi=N``: a scan: pages A..B rendered to grey PNG at N dpi (``pdftoppm -r N -gray -f A -l B -png``) and
  wrapped into a PDF with no text layer (``img2pdf --nodate --engine internal``), so the pipeline must OCR it.

pdfunite writes a random /ID into the trailer, which follows the cross-reference table; it is replaced by zeros
there (no object offset moves), so the file is the same on every run.

``split`` says what a document is for: ``calibration`` documents (the ones tried while building, issue #12 and
#30) may be looked at for any threshold or rule; ``test`` documents are only measured (evals/bench_realdocs.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / ".cache" / "realdocs"
TEX = "/usr/share/doc/texlive-doc"
RLIB = "/usr/lib/R/site-library"
INSTEAD = "/usr/share/doc/instead/manual/pdf/ru"


@dataclass(frozen=True)
class Source:
    file: str  # name in the cache folder
    package: str  # Debian package that ships it
    path: str  # where the package puts it
    split: str = "calibration"  # "calibration" (rules and thresholds may look at it) or "test" (only measured)
    lang: str = "en"  # the document's language: "en" or "ru"
    pages: tuple[int, int] | None = None  # PDF pages first..last of the package's PDF kept (1-based)
    scan_dpi: int | None = None  # rendered at this resolution and rebuilt as an image-only PDF (a scan)

    @property
    def stem(self) -> str:
        return self.file.removesuffix(".pdf")

    def recipe(self) -> str:
        if self.scan_dpi:
            first, last = self.pages or (1, 1)
            return (
                f"pdftoppm -r {self.scan_dpi} -gray -f {first} -l {last} -png {Path(self.path).name} page; "
                "img2pdf --nodate --engine internal -o OUT page-*.png; "
                f"pdftotext -f {first} -l {last} {Path(self.path).name} OUT.source.txt (to check quotes against)"
            )
        if self.pages:
            first, last = self.pages
            name = Path(self.path).name
            return f"pdfseparate -f {first} -l {last} {name} p-%04d.pdf; pdfunite p-*.pdf OUT; /ID zeroed"
        return "as shipped"


SOURCES = [
    # calibration: the PDFs tried while building (#12: the three bench PDFs; #30: the ones that exposed its defects)
    Source("apsguide4-2.pdf", "texlive-publishers-doc", f"{TEX}/latex/revtex/aps/apsguide4-2.pdf"),
    Source("R-intro.pdf", "r-doc-pdf", "/usr/share/R/doc/manual/R-intro.pdf"),
    Source("sandwich-CL.pdf", "r-cran-sandwich", f"{RLIB}/sandwich/doc/sandwich-CL.pdf"),
    Source("texlive-ru.pdf", "texlive-lang-cyrillic", f"{TEX}/texlive/texlive-ru/texlive-ru.pdf", lang="ru"),
    Source("tugboat-babelbib.pdf", "texlive-latex-base-doc", f"{TEX}/bibtex/babelbib/tugboat-babelbib.pdf"),
    Source("usrguide.pdf", "texlive-latex-base-doc", f"{TEX}/latex/base/usrguide.pdf"),
    Source("strucchange-intro.pdf", "r-cran-strucchange", f"{RLIB}/strucchange/doc/strucchange-intro.pdf"),
    # test: chosen for variety, measured only (nobody tunes on them)
    Source(
        "tb88henderson.pdf", "texlive-metapost-doc", f"{TEX}/metapost/featpost/doc/otherinfo/tb88henderson.pdf", "test"
    ),
    Source("tb57roeg.pdf", "texlive-metapost-doc", f"{TEX}/metapost/mp3d/tb57roeg.pdf", "test"),
    Source("mnras_guide.pdf", "texlive-publishers-doc", f"{TEX}/latex/mnras/mnras_guide.pdf", "test"),
    Source("injpsj2.pdf", "texlive-publishers-doc", f"{TEX}/latex/jpsj/injpsj2.pdf", "test"),
    Source("asmeconf-template.pdf", "texlive-publishers-doc", f"{TEX}/latex/asmeconf/asmeconf-template.pdf", "test"),
    Source("zoo.pdf", "r-cran-zoo", f"{RLIB}/zoo/doc/zoo.pdf", "test"),
    Source("residual-shadings.pdf", "r-cran-vcd", f"{RLIB}/vcd/doc/residual-shadings.pdf", "test"),
    Source("R-data.pdf", "r-doc-pdf", "/usr/share/R/doc/manual/R-data.pdf", "test"),
    Source("stead3-ru.pdf", "instead-doc-ru", f"{INSTEAD}/stead3-ru.pdf", "test", "ru", (7, 26)),
    Source("mpman-ru.pdf", "texlive-lang-cyrillic", f"{TEX}/metapost/mpman-ru/mpman-ru.pdf", "test", "ru", (1, 20)),
    Source("eskdx.pdf", "texlive-lang-cyrillic", f"{TEX}/latex/eskdx/manual/eskdx.pdf", "test", "ru"),
    # scans: image-only PDFs made from three other sources at three resolutions
    Source("scan-rfaq-150.pdf", "r-doc-pdf", "/usr/share/R/doc/manual/R-FAQ.pdf", "test", "en", (7, 10), 150),
    Source("scan-lmtest-300.pdf", "r-cran-lmtest", f"{RLIB}/lmtest/doc/lmtest-intro.pdf", "test", "en", (1, 3), 300),
    Source("scan-russ-200.pdf", "texlive-lang-cyrillic", f"{TEX}/latex/russ/russ_doc.pdf", "test", "ru", (1, 3), 200),
]

# made by another script (the Makefile's realdocs target), listed here so every bench document has a split
MADE = {"kjfs-2022-no1-2.pdf": "evals/realdocs/render_journal_pdf.py"}


def splits() -> dict[str, str]:
    """Document stem -> "calibration" or "test", for every bench document."""
    out = {src.stem: src.split for src in SOURCES}
    out.update({name.removesuffix(".pdf"): "calibration" for name in MADE})
    return out


def languages() -> dict[str, str]:
    out = {src.stem: src.lang for src in SOURCES}
    out.update({name.removesuffix(".pdf"): "en" for name in MADE})
    return out


class FetchError(RuntimeError):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise FetchError(f"{cmd[0]} is not installed (`make system-deps`: poppler-utils, img2pdf)") from None
    if done.returncode != 0:
        raise FetchError(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return done.stdout


def download(package: str, workdir: Path) -> Path:
    """``apt-get download`` into workdir; on a machine whose apt lists were never fetched (a fresh container),
    root runs ``apt-get update`` once and retries; anyone else gets the command to run."""
    try:
        _run(["apt-get", "download", "-qq", package], cwd=workdir)
    except FetchError:
        if os.geteuid() != 0:
            raise FetchError(f"apt-get download {package} failed; run `apt-get update` as root and retry") from None
        _run(["apt-get", "update", "-qq"])
        _run(["apt-get", "download", "-qq", package], cwd=workdir)
    debs = sorted(workdir.glob(f"{package}_*.deb"))
    if not debs:
        raise FetchError(f"apt-get download {package} left no .deb")
    return debs[-1]


def extract(deb: Path, member: str, dest: Path) -> None:
    """The one member of the package's data, as ``dpkg -x`` would write it, without unpacking the other 300 MB
    (texlive-publishers-doc) to disk."""
    with tempfile.TemporaryDirectory() as tmp:
        fsys = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-x", "-C", tmp, f".{member}"], stdin=fsys.stdout, capture_output=True, text=True)
        fsys.wait()
        found = Path(tmp) / member.lstrip("/")
        if tar.returncode != 0 or not found.is_file():
            raise FetchError(f"{deb.name} has no {member}: {tar.stderr.strip()}")
        shutil.move(str(found), dest)


_ID_STRING = rb"(?:\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)"  # a literal (with escapes) or a hex string
ID = re.compile(rb"/ID\s*\[\s*" + _ID_STRING + rb"\s*" + _ID_STRING + rb"\s*\]", re.S)
FIXED_ID = b"/ID [<" + b"0" * 32 + b"><" + b"0" * 32 + b">]"


def fixed_id(pdf: Path) -> None:
    """Replace the file identifiers in the trailer (after the last cross-reference table, so no offset moves)."""
    data = pdf.read_bytes()
    table = data.rfind(b"\nxref")
    found = [m for m in ID.finditer(data) if m.start() > table] if table >= 0 else []
    if found:
        last = found[-1]
        pdf.write_bytes(data[: last.start()] + FIXED_ID + data[last.end() :])


def make(src: Source, pdf: Path, dest: Path) -> None:
    """Apply the source's recipe to the package's PDF (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        first, last = src.pages or (1, 1)
        if src.scan_dpi:
            _run(["pdftoppm", "-r", str(src.scan_dpi), "-gray", "-f", str(first), "-l", str(last), "-png", str(pdf),
                  str(work / "page")])  # fmt: skip
            # img2pdf's own PDF writer and relative names: pikepdf's writer (the default) draws a random /ID
            pngs = sorted(p.name for p in work.glob("page-*.png"))
            _run(["img2pdf", "--nodate", "--engine", "internal", "-o", str(dest.resolve()), *pngs], cwd=work)
            text = dest.with_suffix(".source.txt")
            _run(["pdftotext", "-f", str(first), "-l", str(last), str(pdf), str(text)])
        elif src.pages:
            _run(["pdfseparate", "-f", str(first), "-l", str(last), str(pdf), str(work / "p-%04d.pdf")])
            _run(["pdfunite", *sorted(str(p) for p in work.glob("p-*.pdf")), str(dest)])
            fixed_id(dest)
        else:
            shutil.copyfile(pdf, dest)


def fetch(out: Path, split: str | None = None) -> dict[str, dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "SOURCES.json"
    manifest: dict[str, dict[str, object]] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    with tempfile.TemporaryDirectory() as debdir:
        debs: dict[str, Path] = {}  # one download per package per run (texlive-publishers-doc is 213 MB)
        for src in SOURCES:
            if split and src.split != split:
                continue
            target = out / src.file
            known = manifest.get(src.file)
            side = out / f"{src.stem}.source.txt"  # a scan's source text, to check the questions' quotes against
            complete = target.exists() and (side.exists() or not src.scan_dpi)
            if known and complete and known.get("recipe") == src.recipe() and known.get("sha256") == sha256(target):
                continue
            if src.package not in debs:
                debs[src.package] = download(src.package, Path(debdir))
            deb = debs[src.package]
            with tempfile.TemporaryDirectory() as tmp:
                shipped = Path(tmp) / Path(src.path).name
                extract(deb, src.path, shipped)
                made = Path(tmp) / "made.pdf"
                make(src, shipped, made)
                shutil.move(str(made), target)
                if src.scan_dpi:
                    shutil.move(str(made.with_suffix(".source.txt")), side)
                manifest[src.file] = {
                    "package": src.package,
                    "version": _run(["dpkg-deb", "-f", str(deb), "Version"]).strip(),
                    "deb": deb.name,
                    "deb_sha256": sha256(deb),
                    "path": src.path,
                    "path_sha256": sha256(shipped),
                    "recipe": src.recipe(),
                    "split": src.split,
                    "lang": src.lang,
                    "sha256": sha256(target),
                    "bytes": target.stat().st_size,
                }
            print(f"fetched {src.file} from {manifest[src.file]['deb']}", file=sys.stderr)
            # written after every file so an interrupted run keeps what it already has
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--split", choices=("calibration", "test"), default=None, help="only these documents")
    args = parser.parse_args(argv)
    try:
        fetch(args.out, args.split)
    except FetchError as err:
        print(f"realdocs: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
