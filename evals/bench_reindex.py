"""Re-indexing benchmark: add one 30-page PDF to the journal index, and remove one document from a
10,000-chunk index.

The 10,000-chunk index is built from generated Markdown documents with random unit vectors standing in
for embeddings (embedding 10k chunks would take minutes and removal never embeds); the PDF is added with
the real bundled model. Usage: python evals/bench_reindex.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from journalqa.config import Settings, apply_offline_env  # noqa: E402
from journalqa.index.build import sync_index  # noqa: E402
from journalqa.index.embed import Embedder  # noqa: E402
from journalqa.index.manage import add_paths, remove_documents  # noqa: E402
from journalqa.index.store import build_bm25, build_dense, load_index  # noqa: E402
from tests.pdfs import write_text_pdf  # noqa: E402


class RandomEmbedder:
    """Random unit vectors with the real embedder's interface (dimension 384), for the 10k setup only."""

    dimension = 384

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def count_tokens(self, text: str) -> int:
        return int(len(text.split()) * 1.3) + 1

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        v = self.rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic_corpus(folder: Path, documents: int, sentences: int) -> None:
    words = "trade security water border railway customs energy refugees policy cooperation".split()
    rng = np.random.default_rng(1)
    for d in range(documents):
        body = " ".join(
            f"Sentence {i} of report {d} covers {' '.join(rng.choice(words, 12))}." for i in range(sentences)
        )
        (folder / f"report-{d:03d}.md").write_text(f"# Report {d}\n\n{body}\n", encoding="utf-8")


def main() -> int:
    apply_offline_env()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)

        # 1. one 30-page PDF added to the journal index (real model)
        settings = Settings(index_dir=tmp_path / "journal-index", corpus_dir=tmp_path / "journal-corpus")
        shutil.copytree(ROOT / "corpus", settings.corpus_dir)
        embedder = Embedder(settings.embedder)
        embedder.encode(["warm up"])
        sync_index(settings, embedder, show_progress=False)
        pdf = write_text_pdf(tmp_path / "thirty-pages.pdf", pages=30, paragraphs=16, title="Thirty pages")
        started = time.perf_counter()
        report = add_paths(settings, [pdf], embedder=embedder, show_progress=False)
        add_s = time.perf_counter() - started
        t = report.sync.timings_s
        print(
            f"add one 30-page PDF: {add_s:.2f} s total ({report.sync.embedded_chunks} chunks embedded; "
            f"chunk {t['chunk']:.2f} s, embed {t['embed']:.2f} s, write {t['write']:.2f} s); "
            f"index now {report.sync.chunks} chunks; other documents re-embedded: 0"
        )

        # 2. remove one document from a 10,000-chunk index
        big = Settings(index_dir=tmp_path / "big-index", corpus_dir=tmp_path / "big-corpus")
        big.corpus_dir.mkdir()
        synthetic_corpus(big.corpus_dir, documents=100, sentences=1000)
        fake = RandomEmbedder()
        sync_index(big, fake, show_progress=False)  # type: ignore[arg-type]
        data = load_index(big.index_dir)
        print(f"synthetic index: {len(data.chunks)} chunks in 100 documents")
        started = time.perf_counter()
        removed, _, sync = remove_documents(big, ["report-042"], embedder=fake)  # type: ignore[arg-type]
        remove_s = time.perf_counter() - started
        # the in-memory work of a removal, without reading or writing files
        keep = [i for i, c in enumerate(data.chunks) if c.doc_id != "report-043"]
        started = time.perf_counter()
        vectors = data.dense.reconstruct_n(0, data.dense.ntotal)[keep]
        build_dense(vectors)
        build_bm25([data.token_ids[i] for i in keep], data.bm25_tokenizer)
        work_s = time.perf_counter() - started
        print(
            f"remove one document ({len(data.chunks) - sync.chunks} chunks) from {len(data.chunks)} chunks: "
            f"{remove_s:.2f} s end to end incl. reading and writing the index; "
            f"in-memory work (filter vectors, rebuild FAISS + BM25 from stored tokens): {work_s * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
