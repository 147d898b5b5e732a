"""Collect the answerer's candidate sentences with their signals, for fitting the verdict and the sentence chooser.

    python evals/verdict_data.py --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --split calibration \
        --out evals/reports/verdict-data-calibration.jsonl

``--realdocs calibration`` collects the same rows for the real-document bench's questions instead
(evals/realdocs/qa2.jsonl and qa.jsonl, documents of that split in .cache/realdocs after ``make realdocs``): each PDF
is indexed alone, as ``evals/bench_realdocs.py`` does, and a sentence holds a quote when one contains the other in
the bench's tolerant form. The verdict is fitted on both (``evals/verdict_fit.py A.jsonl,B.jsonl``).

One line per gold item: the question's language and kind, whether it is answerable, and its top candidate
sentences (``journalqa.answer.evidence.score_sentences`` over the retrieved passages) with each one's signals and whether it
holds a gold quote (``journalqa.evaluation.metrics.holds_quote``). The question-to-
sentence cosine comes from the index folder's sentence vectors (journalqa.index.sentence_vectors), as the answerer reads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from journalqa.answer.evidence import ScoredSentence, question_signals, score_sentences, sentence_signals
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluation.gold import gold_quotes, load_items, read_article_split
from journalqa.evaluation.metrics import holds_quote
from journalqa.index.embed import build_fingerprint
from journalqa.index.sentence_vectors import SentenceVectors, load_or_build
from journalqa.ingest import load_corpus
from journalqa.search.question import parse_question
from journalqa.types import Passage

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
    parser.add_argument("--realdocs", choices=("calibration", "test"), help="the real-document bench's questions")
    parser.add_argument("--docs", default="", help="with --realdocs: only these document stems (comma-separated)")
    args = parser.parse_args()
    apply_offline_env()
    if args.realdocs:
        return realdocs_rows(args.realdocs, args.out, args.candidates, {d for d in args.docs.split(",") if d})
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
            quotes = gold_quotes(item.quotes, docs, ())

            def gold(passage: Passage, s: ScoredSentence, quotes=quotes) -> dict:
                chunk = passage.chunk
                held = holds_quote((chunk.doc_id, chunk.start + s.span[0], chunk.start + s.span[1]), quotes)
                return {"gold": held, "chunk_id": chunk.chunk_id, "span": list(s.span)}

            record, passages = candidate_record(item.question, assistant, sentences, args.candidates, gold)
            record |= {
                "id": item.id,
                "answerable": item.answerable,
                "type": item.type,
                "passage_gold": [holds_quote((p.chunk.doc_id, p.chunk.start, p.chunk.end), quotes) for p in passages],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if n % 25 == 0:
                print(f"{n}/{len(items)}", file=sys.stderr)
    return 0


def candidate_record(
    question_text: str,
    assistant: Assistant,
    sentences: SentenceVectors,
    candidates: int,
    gold: Callable[[Passage, ScoredSentence], dict],
) -> tuple[dict, list[Passage]]:
    """One question's record, as the answerer reads it: the question's signals and its top candidate sentences with
    theirs, each with what ``gold`` says of it; and the retrieved passages."""
    question = parse_question(question_text)
    retriever = assistant.retriever
    passages = retriever.retrieve(question_text, assistant.settings.top_k)
    translations = translations_of(retriever, question_text)
    scored = score_sentences(question, passages, assistant.weights, translations=translations)[:candidates]
    cosines = sentences.cosines(assistant.embedder.encode_query(question_text), [s.text for s in scored])
    rows = [
        sentence_signals(s, passages[s.passage_index], cosine) | gold(passages[s.passage_index], s)
        for s, cosine in zip(scored, cosines, strict=True)
    ]
    record = question_signals(question, assistant.weights, translations) | {
        "asks": [a.kind for a in question.asks],
        "top_cosine": passages[0].dense_score if passages else None,
        "sentences": rows,
    }
    return record, passages


def realdocs_rows(split: str, out_path: Path, candidates: int = 30, docs: set[str] | None = None) -> int:
    """The same rows for the real-document bench's questions: each PDF indexed alone in a temporary folder."""
    import shutil
    import tempfile

    from journalqa.index.build import build_index
    from journalqa.index.embed import Embedder

    sys.path.insert(0, str(ROOT / "evals"))
    import bench_realdocs as bench

    embedder = Embedder()
    by_doc: dict[str, list[dict]] = {}
    for item in bench.load_questions(split):
        if not docs or item["doc"] in docs:
            by_doc.setdefault(item["doc"], []).append(item)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for doc, items in sorted(by_doc.items()):
            pdf = bench.CACHE / f"{doc}.pdf"
            if not pdf.exists():
                raise SystemExit(f"{pdf} is missing: run make realdocs first")
            with tempfile.TemporaryDirectory() as tmp:
                corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
                corpus.mkdir()
                shutil.copy(pdf, corpus / pdf.name)
                settings = Settings(index_dir=index, corpus_dir=corpus)
                build_index(settings, embedder, show_progress=False)
                assistant = Assistant(settings, embedder)
                for item in items:
                    keys = [bench.quote_key(q["text"]) for q in item["quotes"]]

                    def gold(passage: Passage, s: ScoredSentence, keys=keys) -> dict:
                        key = bench.quote_key(s.text)
                        return {"gold": any(k and (k in key or (len(key) > 20 and key in k)) for k in keys)}

                    record, _ = candidate_record(
                        item["question"], assistant, assistant.retriever.sentences, candidates, gold
                    )
                    record |= {"id": item["id"], "doc": doc, "answerable": item["answerable"]}
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{doc}: {len(items)} questions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
