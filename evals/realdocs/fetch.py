"""Fetch the real-PDF bench documents from Debian packages into a cache folder (default .cache/realdocs/).

    python evals/realdocs/fetch.py [--out .cache/realdocs]

Each PDF comes out of a Debian package with ``apt-get download`` + ``dpkg-deb`` (the package is never
installed, so no root is needed once the apt lists exist). SOURCES.json records, per file, the package,
its version, the .deb's sha256 and the PDF's sha256, so a bench figure can name exactly what it read.
A file already in the cache with the recorded sha256 is not fetched again. Standard library only: it runs
before (and without) the venv.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / ".cache" / "realdocs"


@dataclass(frozen=True)
class Source:
    file: str  # name in the cache folder
    package: str  # Debian package that ships it
    path: str  # where the package puts it


SOURCES = [
    Source("apsguide4-2.pdf", "texlive-publishers-doc", "/usr/share/doc/texlive-doc/latex/revtex/aps/apsguide4-2.pdf"),
    Source("R-intro.pdf", "r-doc-pdf", "/usr/share/R/doc/manual/R-intro.pdf"),
    Source("sandwich-CL.pdf", "r-cran-sandwich", "/usr/lib/R/site-library/sandwich/doc/sandwich-CL.pdf"),
]


class FetchError(RuntimeError):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
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


def fetch(out: Path) -> dict[str, dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "SOURCES.json"
    manifest: dict[str, dict[str, object]] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for src in SOURCES:
        target = out / src.file
        known = manifest.get(src.file)
        if known and target.exists() and known.get("sha256") == sha256(target):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            deb = download(src.package, Path(tmp))
            extract(deb, src.path, target)
            manifest[src.file] = {
                "package": src.package,
                "version": _run(["dpkg-deb", "-f", str(deb), "Version"]).strip(),
                "deb": deb.name,
                "deb_sha256": sha256(deb),
                "path": src.path,
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
    args = parser.parse_args(argv)
    try:
        fetch(args.out)
    except FetchError as err:
        print(f"realdocs: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
