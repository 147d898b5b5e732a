"""Kazakh stemming, measured: BM25 alone with the light suffix stripper against no stemming (issue #13).

    python evals/multilingual/bench_kazakh_stemmer.py

Chunks the two non-English documents (evals/multilingual/docs) as the index does (200-token budget counted by
multilingual-e5-small's tokenizer), builds BM25 over them with ``journalqa.text.language.index_terms`` once per
``KAZAKH_STEMMER`` setting, and prints hit@5 of the answerable questions of ``qa_docs.jsonl`` per question
language. BM25 alone, so the stemmer is all that differs. No model is run except the tokenizer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from journalqa.evaluation.gold import gold_quotes, load_items, relevance
from journalqa.evaluation.metrics import hit_at_k, span_of
from journalqa.index.chunk import chunk_documents
from journalqa.index.embed import E5_TORCH, Embedder
from journalqa.index.store import bm25_input, build_bm25, make_bm25_tokenizer
from journalqa.ingest import load_corpus
from journalqa.text import language

HERE = Path(__file__).resolve().parent


def hit_rates(chunks: list, items: list, docs: dict[str, str]) -> dict[str, list[float]]:
    tokenizer = make_bm25_tokenizer()
    texts = bm25_input([c.text for c in chunks], [c.language for c in chunks])
    bm25 = build_bm25(tokenizer.tokenize(texts, update_vocab=True, return_as="ids", show_progress=False), tokenizer)
    collection = [span_of(c) for c in chunks]
    hits: dict[str, list[float]] = {}
    for item in items:
        quotes = [q for q in gold_quotes(item.quotes, docs, collection) if q.located]
        query = bm25_input([item.question], [language.question_language(item.question)])
        ids = tokenizer.tokenize(query, update_vocab=False, return_as="ids", show_progress=False)[0]
        scores = bm25.get_scores(ids) if len(ids) else np.zeros(len(chunks))
        top = [collection[i] for i in np.argsort(-scores, kind="stable")[:5] if scores[i] > 0]
        hits.setdefault(item.language, []).append(hit_at_k(relevance(top, quotes), 5))
    return hits


def main() -> int:
    docs = load_corpus(HERE / "docs")
    chunks = chunk_documents(docs, max_tokens=200, count_tokens=Embedder(E5_TORCH).count_tokens)
    items = [i for i in load_items(HERE / "qa_docs.jsonl", "all") if i.answerable]
    texts = {d.doc_id: d.text for d in docs}
    print(f"{len(chunks)} chunks, {len(items)} answerable questions (both splits); BM25 hit@5 per question language")
    for setting in ("suffix", "none"):
        language.KAZAKH_STEMMER = setting
        language.stem.cache_clear()
        hits = hit_rates(chunks, items, texts)
        row = "  ".join(f"{lang} {np.mean(v):.3f} ({int(sum(v))}/{len(v)})" for lang, v in sorted(hits.items()))
        print(f"{setting:7} {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
