"""An :class:`~journalqa.evaluation.runner.EvalRun` as files: ``results.json``, ``report.md`` (tables) and PNG charts.

Tables are pure functions of the run; charts use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from journalqa.evaluation.metrics import (
    BOOTSTRAP_METRICS,
    HEADLINE_METRICS,
    metric_vectors,
    paired_bootstrap,
    statistic,
)
from journalqa.evaluation.runner import EvalRun
from journalqa.text.lexicon import lexicon

LABELS = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "hit@10": "hit@10",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "evidence_recall@1": "evid. recall@1",
    "evidence_recall@3": "evid. recall@3",
    "evidence_recall@5": "evid. recall@5",
    "evidence_recall@10": "evid. recall@10",
    "evidence_recall@ctx": "evid. recall (answer context)",
    "fact_containment": "key facts",
    "token_f1": "token F1",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "support_rate": "support",
    "abstention_precision": "abstention P",
    "abstention_recall": "abstention R",
    "abstention_f1": "abstention F1",
    "abstained_rate": "abstained",
    "answerable_abstained": "answerable abstaining",
    "answered_share": "answerable answered",
    "answered_precision": "answered: cited sentences holding the answer",
    "first_sentence_holds": "answered: first sentence holds the answer",
    "answerable_none": "answerable not_in_documents",
    "unanswerable_answered": "unanswerable answered",
    "unanswerable_none": "unanswerable not_in_documents",
    "uncertain_share": "uncertain (all)",
}
# The verdict tiers (issue #28) and their targets: (metric, target, at least or at most)
VERDICT_TARGETS = (
    ("answered_share", 0.75, "≥"),
    ("answered_precision", 0.90, "≥"),
    ("answerable_none", 0.03, "≤"),
    ("unanswerable_answered", 0.10, "≤"),
    ("unanswerable_none", 0.60, "≥"),
    ("uncertain_share", 0.20, "≤"),
)
RETRIEVAL_COLUMNS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr@10",
    "ndcg@10",
    "evidence_recall@1",
    "evidence_recall@5",
    "evidence_recall@10",
    "evidence_recall@ctx",
)
ANSWER_COLUMNS = (
    "fact_containment",
    "token_f1",
    "citation_precision",
    "citation_recall",
    "support_rate",
    "abstention_precision",
    "abstention_recall",
    "abstention_f1",
)
README_COLUMNS = (*HEADLINE_METRICS, "support_rate", "abstention_f1")
TYPE_COLUMNS = ("hit@5", "mrr@10", "evidence_recall@5", "fact_containment", "citation_precision", "abstained_rate")
LANGUAGE_COLUMNS = (
    "hit@5",
    "mrr@10",
    "answerable_abstained",
    "abstention_f1",
    "fact_containment",
    "citation_precision",
)
CHART_METRICS = ("hit@5", "mrr@10", "evidence_recall@5", "fact_containment", "citation_precision", "abstention_f1")


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(run: EvalRun, name: str, key: str, with_interval: bool) -> str:
    value = fmt(run.results[name].overall.get(key))
    interval = run.intervals.get(name, {}).get(key)
    if with_interval and interval is not None and not math.isnan(interval.diff):
        mark = "**" if interval.significant else ""
        value += f" ({mark}{interval.diff:+.3f}{mark} [{interval.low:+.3f}, {interval.high:+.3f}])"
    return value


def headline_table(run: EvalRun, columns: Sequence[str] = README_COLUMNS, intervals: bool = True) -> str:
    """Configurations as rows; for each non-baseline cell the difference to the baseline and its 95% interval."""
    header = ["configuration", *(LABELS[c] for c in columns), "retrieve p50 ms"]
    rows = []
    for name, result in run.results.items():
        latency = result.latency.get("retrieve", {}).get("p50")
        cells = [_cell(run, name, c, intervals and c in BOOTSTRAP_METRICS) for c in columns]
        rows.append([f"`{name}`" + (" (default)" if name == run.baseline else ""), *cells, fmt(latency, 1)])
    return _table(header, rows)


def metric_table(run: EvalRun, columns: Sequence[str]) -> str:
    header = ["configuration", *(LABELS[c] for c in columns)]
    return _table(header, [[f"`{n}`", *(fmt(r.overall.get(c)) for c in columns)] for n, r in run.results.items()])


def type_table(run: EvalRun, name: str, columns: Sequence[str] = TYPE_COLUMNS) -> str:
    result = run.results[name]
    header = ["type", "n", *(LABELS[c] for c in columns)]
    rows = [
        [kind, str(int(values["n"] or 0)), *(fmt(values.get(c)) for c in columns)]
        for kind, values in result.by_type.items()
    ]
    return _table(header, rows)


def language_table(run: EvalRun, columns: Sequence[str] = LANGUAGE_COLUMNS) -> str:
    """One row per (configuration, question language)."""
    header = ["configuration", "language", "n", *(LABELS[c] for c in columns)]
    rows = [
        [f"`{name}`", language, str(int(values["n"] or 0)), *(fmt(values.get(c)) for c in columns)]
        for name, result in run.results.items()
        for language, values in result.by_language.items()
    ]
    return _table(header, rows)


def verdict_table(run: EvalRun, resamples: int = 1000) -> str:
    """One row per (configuration, question language): each verdict metric with its bootstrap 95% interval and,
    after the baseline, the paired difference to the baseline on the same items."""
    header = ["configuration", "language", "n", *(f"{LABELS[m]} ({op} {t:.2f})" for m, t, op in VERDICT_TARGETS)]
    rows = []
    base = run.results[run.baseline]
    languages = sorted({item.language for item in run.items})
    for name, result in run.results.items():
        for language in ["all", *languages] if len(languages) > 1 else ["all"]:
            idx = np.array([i for i, item in enumerate(run.items) if language in ("all", item.language)])
            cells = []
            for metric, target, op in VERDICT_TARGETS:
                values = metric_vectors(run.items, result.scores, metric)[idx]
                stat = statistic(metric, [run.items[i] for i in idx], [result.scores[i] for i in idx])
                mean = stat(np.arange(len(idx)))
                low, high = _percentile_interval(stat, len(idx), resamples)
                met = not math.isnan(mean) and (mean >= target if op == "≥" else mean <= target)
                cell = (
                    f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]{'' if met else ' ✗'}" if np.isfinite(values).any() else "–"
                )
                if name != run.baseline and np.isfinite(values).any():
                    base_stat = statistic(metric, [run.items[i] for i in idx], [base.scores[i] for i in idx])
                    cell += f" ({paired_bootstrap(base_stat, stat, len(idx), resamples)})"
                cells.append(cell)
            rows.append([f"`{name}`", language, str(len(idx)), *cells])
    return _table(header, rows)


def _percentile_interval(stat, n: int, resamples: int, seed: int = 0) -> tuple[float, float]:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    values = np.array([stat(rng.integers(0, n, n)) for _ in range(resamples)])
    values = values[~np.isnan(values)]
    return (float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))) if values.size else (math.nan,) * 2


def latency_table(run: EvalRun) -> str:
    stages = sorted({s for r in run.results.values() for s in r.latency}, key=lambda s: (s == "total", s))
    header = ["configuration", *(f"{s} p50 / p95 ms" for s in stages)]
    rows = []
    for name, result in run.results.items():
        cells = []
        for stage in stages:
            values = result.latency.get(stage)
            cells.append(f"{fmt(values['p50'], 1)} / {fmt(values['p95'], 1)}" if values else "–")
        rows.append([f"`{name}`", *cells])
    return _table(header, rows)


def interval_table(run: EvalRun) -> str:
    header = ["configuration", *(LABELS[k] for k in BOOTSTRAP_METRICS)]
    rows = [[f"`{name}`", *(str(iv[k]) for k in BOOTSTRAP_METRICS)] for name, iv in run.intervals.items()]
    return _table(header, rows)


# CPU features that choose ONNX Runtime's int8 kernels (AMX, AVX-512 VNNI, AVX2). The same commit and library
# versions measured one question per language apart on two machines, most likely through these kernels' rounding
# moving near ties by a rank (docs/multilingual.md, "Figures across machines"): a report says where it was measured.
_INT8_FEATURES = ("amx_int8", "avx512_vnni", "avx_vnni", "avx512f", "avx2")


def machine_record() -> str:
    """The CPU model, its int8-relevant features and the runtime's version, for the report: what the figures were
    measured on."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:  # not Linux
        pass
    try:
        runtime = f"onnxruntime {version('onnxruntime')}"
    except PackageNotFoundError:
        runtime = "no onnxruntime"
    features = "+".join(f for f in _INT8_FEATURES if f in flags) or "no x86 SIMD flags read"
    # the answerer's Kazakh/Russian name check reads system dictionaries: without them answers differ
    names = "Hunspell kk/ru" if lexicon().knows() else "no Hunspell dictionaries"
    return f"{model} ({features}), {runtime}, {names}"


def report_markdown(run: EvalRun, command: str = "") -> str:
    items = run.items
    answerable = sum(item.answerable for item in items)
    parts = [
        f"# journalqa evaluation — {run.started}",
        "",
        f"Gold set `{run.qa_path}`, split `{run.split}`: {len(items)} questions ({answerable} answerable, "
        f"{len(items) - answerable} unanswerable). Baseline for differences: `{run.baseline}`."
        + (f" Reproduce: `{command}`." if command else "")
        + (f" Machine: {run.meta['machine']}." if run.meta.get("machine") else ""),
        "",
        "## Headline",
        "",
        "Differences to the baseline with a paired bootstrap 95% interval (bold: the interval excludes 0).",
        "",
        headline_table(run),
        "",
        "## Verdicts by question language",
        "",
        "Each answer is `answered`, `uncertain` or `not_in_documents`. Bootstrap 95% intervals in brackets; after "
        "the baseline, the paired difference to it. ✗: the target in the header is missed. Precision counts the "
        "cited sentences of answered answerable questions that overlap a gold quote by half the shorter of the two.",
        "",
        verdict_table(run),
        "",
        "## By question language",
        "",
        "Answerable abstaining: the share of answerable questions that got no answer.",
        "",
        language_table(run),
        "",
        "## Configurations",
        "",
        *(f"- `{n}`: {r.config.description}" for n, r in run.results.items()),
        "",
        "## Retrieval (answerable questions; a passage is relevant when it covers a gold quote)",
        "",
        metric_table(run, RETRIEVAL_COLUMNS),
        "",
        "## Answers",
        "",
        "Key facts, token F1 and citations over answerable questions the configuration answered; support over all "
        "answer claims; abstention with unanswerable as the positive class.",
        "",
        metric_table(run, ANSWER_COLUMNS),
        "",
        "## Differences to the baseline (paired bootstrap 95%)",
        "",
        interval_table(run),
        "",
        "## Latency per stage",
        "",
        latency_table(run),
        "",
    ]
    for name in run.results:
        parts += [f"## By question type: `{name}`", "", type_table(run, name), ""]
    if run.unlocated:
        parts += ["## Gold quotes not found in the corpus", ""]
        parts += [f"- {item_id}: {quote[:90]!r}" for item_id, quote in run.unlocated]
        parts.append("")
    parts += [
        "## Definitions",
        "",
        "- A gold quote is located in its document by character offsets (quotes and whitespace normalized). "
        "A passage covers it when its chunk contains the quote; a quote no single chunk contains counts as covered "
        "by a chunk holding half of it, and for recall by adjacent retrieved chunks of the same document together.",
        "- hit@k, MRR@10: rank of the first relevant passage in the top 10 retrieved; nDCG@10 counts a passage "
        "only when it covers a quote no higher passage covered, against the fewest passages covering every quote.",
        "- Evidence recall@k: share of an item's quotes covered by the top k; '(answer context)': by the passages "
        "handed to the answer (top_k of the configuration).",
        "- Key facts: numbers and capitalized names of the gold answer found in the answer. Token F1: SQuAD-style.",
        "- Citation precision: share of distinct cited passages covering a gold quote; recall: share of gold "
        "quotes covered by the cited passages. Support: share of answer claims (text up to a marker) found "
        "verbatim in a passage they cite.",
        "",
    ]
    return "\n".join(parts)


def run_dict(run: EvalRun) -> dict[str, Any]:
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(run.settings).items()}
    settings = {k: v for k, v in settings.items() if "key" not in k and "password" not in k}
    return {
        "started": run.started,
        "qa": run.qa_path,
        "split": run.split,
        "baseline": run.baseline,
        "settings": settings,
        "meta": run.meta,
        "unlocated_quotes": [{"id": i, "quote": q} for i, q in run.unlocated],
        "configs": {
            name: {
                "description": r.config.description,
                "overrides": dict(r.config.overrides),
                "system": r.config.system,
                "answer_mode": r.config.answer_mode,
                "overall": r.overall,
                "by_type": r.by_type,
                "by_language": r.by_language,
                "latency_ms": r.latency,
                "vs_baseline": {
                    k: {"diff": iv.diff, "low": iv.low, "high": iv.high}
                    for k, iv in run.intervals.get(name, {}).items()
                },
                "items": r.records,
            }
            for name, r in run.results.items()
        },
    }


def write_charts(run: EvalRun, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = []
    names = list(run.results)
    width = 0.8 / max(1, len(names))

    def grouped(ax, groups: Sequence[str], value) -> None:  # noqa: ANN001
        x = np.arange(len(groups))
        for i, name in enumerate(names):
            values = [value(name, g) for g in groups]
            values = [np.nan if v is None else v for v in values]
            ax.bar(x + (i - (len(names) - 1) / 2) * width, values, width, label=name)
        ax.set_xticks(x, groups, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)

    fig, ax = plt.subplots(figsize=(11, 4.5))
    grouped(ax, [LABELS[m] for m in CHART_METRICS], lambda n, g: run.results[n].overall.get(_key(g)))
    ax.set_title(f"Metrics by configuration ({run.split} split, n={len(run.items)})")
    ax.legend(fontsize=8, ncol=min(4, len(names)))
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "metrics_by_config.png"))

    types = sorted({item.type for item in run.items})
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, metric in zip(axes, ("hit@5", "fact_containment"), strict=True):
        grouped(ax, types, lambda n, t, m=metric: run.results[n].by_type.get(t, {}).get(m))
        ax.set_title(f"{LABELS[metric]} by question type")
    unanswerable = run.results[run.baseline].by_type.get("unanswerable", {}).get("abstained_rate")
    if unanswerable is not None:
        axes[0].text(
            0.01,
            0.02,
            f"{run.baseline}: abstains on {unanswerable:.0%} of unanswerable",
            transform=axes[0].transAxes,
            fontsize=8,
        )
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "metrics_by_type.png"))

    stages = [s for s in ("retrieve", "answer", "total") if any(s in r.latency for r in run.results.values())]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(stages))
    for i, name in enumerate(names):
        lat = run.results[name].latency
        p50 = [lat.get(s, {}).get("p50", np.nan) for s in stages]
        p95 = [lat.get(s, {}).get("p95", np.nan) for s in stages]
        offset = x + (i - (len(names) - 1) / 2) * width
        ax.bar(offset, p50, width, label=name)
        ax.scatter(offset, p95, marker="_", color="black", s=80, zorder=3)
    ax.set_xticks(x, stages)
    ax.set_ylabel("ms (bar p50, tick p95)")
    ax.set_yscale("log")
    ax.set_title("Latency per stage")
    ax.legend(fontsize=8, ncol=min(4, len(names)))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "latency.png"))
    plt.close("all")
    return paths


def _key(label: str) -> str:
    return next(k for k, v in LABELS.items() if v == label)


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


def write_report(run: EvalRun, out_dir: Path, command: str = "") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    results.write_text(json.dumps(_clean(run_dict(run)), ensure_ascii=False, indent=1, default=_json_default) + "\n")
    report = out_dir / "report.md"
    report.write_text(report_markdown(run, command), encoding="utf-8")
    return [results, report, *write_charts(run, out_dir)]


def _clean(value: Any) -> Any:
    """NaN becomes null: JSON has no NaN."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def evaluate_to_dir(
    qa_path: Path | str | Sequence[Path | str],
    config_names: Sequence[str],
    settings: Any,
    out_dir: Path | None = None,
    split: str = "test",
    resamples: int = 2000,
    command: str = "",
    articles: Any = None,
) -> tuple[EvalRun, Path]:
    """Run :func:`~journalqa.evaluation.runner.run_eval` and write its report to ``out_dir`` (default
    ``evals/reports/<timestamp>``); indexes of configurations with their own chunking are cached beside it."""
    import time

    from journalqa.evaluation.runner import run_eval

    out_dir = out_dir or Path("evals") / "reports" / time.strftime("%Y%m%d-%H%M%S")
    run = run_eval(
        qa_path,
        config_names,
        settings,
        split=split,
        cache_dir=out_dir.parent / ".indexes",
        resamples=resamples,
        articles=articles,
    )
    run.meta["command"] = command
    run.meta["machine"] = machine_record()
    write_report(run, out_dir, command)
    return run, out_dir
