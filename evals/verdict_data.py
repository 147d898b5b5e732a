"""Collect the answerer's candidate sentences with their signals, for fitting the verdict and the sentence chooser.

    python evals/verdict_data.py --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --split calibration \
        --out evals/reports/verdict-data-calibration.jsonl

One line per gold item: the question's language and kind, whether it is answerable, and its top candidate
sentences (``journalqa.answer.score_sentences`` over the retrieved passages) with each one's signals and whether it
holds a gold quote (its document span overlaps a located quote by half the shorter of the two). The question-to-
sentence cosine is computed here on the fly (the query role for the question, the passage role for the sentence).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from journalqa.answer import score_sentences
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.ingest import load_corpus
from journalqa.evaluate import load_items, locate
from journalqa.question import parse_question

ROOT = Path(__file__).resolve().parents[1]


def holds_quote(doc_id: str, start: int, end: int, quote_spans: list[tuple[str, int, int]]) -> bool:
    for q_doc, q_start, q_end in quote_spans:
        if q_doc != doc_id:
            continue
        shared = min(end, q_end) - max(start, q_start)
        if shared > 0 and 2 * shared >= min(end - start, q_end - q_start):
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=str(ROOT / "evals" / "qa.jsonl"))
    parser.add_argument("--split", default="calibration")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--candidates", type=int, default=30, help="top sentences kept per question")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    assistant = Assistant.load(settings=settings)
    docs = {d.doc_id: d.text for d in load_corpus(settings.corpus_dir)}
    items = load_items(args.qa, args.split)
    retriever = assistant.retriever
    sentence_vectors: dict[str, np.ndarray] = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for n, item in enumerate(items, 1):
            question = parse_question(item.question)
            passages = retriever.retrieve(item.question, settings.top_k)
            scored = score_sentences(
                question, passages, assistant.weights, translations=translations_of(retriever, item.question)
            )[: args.candidates]
            new = [s.text for s in scored if s.text not in sentence_vectors]
            if new:
                for text, vector in zip(new, assistant.embedder.encode(new), strict=True):
                    sentence_vectors[text] = vector
            q_vector = assistant.embedder.encode_query(item.question)
            quote_spans = [span for quote in item.quotes for span in locate(quote, docs)]
            rows = []
            for s in scored:
                chunk = passages[s.passage_index].chunk
                passage = passages[s.passage_index]
                rows.append(
                    {
                        "passage": s.passage_index,
                        "score": s.score,
                        "coverage": s.coverage,
                        "cosine": s.cosine,
                        "match": s.match,
                        "matches": list(s.matches),
                        "sentence_cosine": float(q_vector @ sentence_vectors[s.text]),
                        "language": s.language,
                        "bm25_rank": passage.ranks.get("bm25"),
                        "dense_rank": passage.ranks.get("dense"),
                        "gold": holds_quote(chunk.doc_id, chunk.start + s.span[0], chunk.start + s.span[1], quote_spans),
                        "chunk_id": chunk.chunk_id,
                        "span": list(s.span),
                    }
                )
            record = {
                "id": item.id,
                "language": question.language,
                "kind": question.kind,
                "asks": [a.kind for a in question.asks],
                "answerable": item.answerable,
                "type": item.type,
                "names": len(question.constraints.names),
                "passage_gold": [
                    holds_quote(p.chunk.doc_id, p.chunk.start, p.chunk.end, quote_spans) for p in passages
                ],
                "top_cosine": passages[0].dense_score if passages else None,
                "sentences": rows,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if n % 25 == 0:
                print(f"{n}/{len(items)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
