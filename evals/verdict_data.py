"""Collect the answerer's candidate sentences with their signals, for fitting the verdict and the sentence chooser.

    python evals/verdict_data.py --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --split calibration \
        --out evals/reports/verdict-data-calibration.jsonl

One line per gold item: the question's language and kind, whether it is answerable, and its top candidate
sentences (``journalqa.answer.evidence.score_sentences`` over the retrieved passages) with each one's signals and whether it
holds a gold quote (``journalqa.evaluation.metrics.holds_quote``). The question-to-
sentence cosine comes from the index folder's sentence vectors (journalqa.index.sentence_vectors), as the answerer reads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journalqa.answer.evidence import question_signals, score_sentences, sentence_signals
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluation.gold import gold_quotes, load_items, read_article_split
from journalqa.evaluation.metrics import holds_quote
from journalqa.index.embed import build_fingerprint
from journalqa.index.sentence_vectors import load_or_build
from journalqa.ingest import load_corpus
from journalqa.search.question import parse_question

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=str(ROOT / "evals" / "qa.jsonl"))
    parser.add_argument("--split", default="calibration")
    parser.add_argument(
        "--articles", type=Path, default=ROOT / "evals" / "article_split.json", help="split by article (this file)"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--candidates", type=int, default=30, help="top sentences kept per question")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    assistant = Assistant.load(settings=settings)
    docs = {d.doc_id: d.text for d in load_corpus(settings.corpus_dir)}
    items = load_items(args.qa, args.split, read_article_split(args.articles))
    retriever = assistant.retriever
    sentences = retriever.sentences or load_or_build(
        settings.index_dir,
        retriever.chunks,
        assistant.embedder.id,
        build_fingerprint(assistant.embedder.name),
        assistant.embedder.encode,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for n, item in enumerate(items, 1):
            question = parse_question(item.question)
            passages = retriever.retrieve(item.question, settings.top_k)
            scored = score_sentences(
                question, passages, assistant.weights, translations=translations_of(retriever, item.question)
            )[: args.candidates]
            q_vector = assistant.embedder.encode_query(item.question)
            cosines = sentences.cosines(q_vector, [s.text for s in scored])
            quotes = gold_quotes(item.quotes, docs, ())
            rows = []
            for s, cosine in zip(scored, cosines, strict=True):
                chunk = passages[s.passage_index].chunk
                row = sentence_signals(s, passages[s.passage_index], cosine)
                gold = holds_quote((chunk.doc_id, chunk.start + s.span[0], chunk.start + s.span[1]), quotes)
                rows.append(row | {"gold": gold, "chunk_id": chunk.chunk_id, "span": list(s.span)})
            record = question_signals(question, assistant.weights, translations_of(retriever, item.question)) | {
                "id": item.id,
                "asks": [a.kind for a in question.asks],
                "answerable": item.answerable,
                "type": item.type,
                "passage_gold": [holds_quote((p.chunk.doc_id, p.chunk.start, p.chunk.end), quotes) for p in passages],
                "top_cosine": passages[0].dense_score if passages else None,
                "sentences": rows,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if n % 25 == 0:
                print(f"{n}/{len(items)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
