"""Languages of the text: detection, stop words and stemming for English, Russian and Kazakh.

Detection is ``py3langid`` (langid.py's model, shipped in its wheel, BSD) restricted to the three languages. Measured
on the paragraphs of the Kazakh and Russian test documents and on journal paragraphs (evals/multilingual/docs,
corpus/; 2026-12-01): py3langid 176/178 kk, 159/160 ru, 299/299 en, also on their first six words (the misses
are English strings inside those documents: "HTTP Strict Transport Security"); lingua-language-detector 173/178,
152/160, 299/299 and a 100 MB wheel; "Kazakh letters present" alone 173/178, 152/160.

Stemming: Snowball ``english`` and ``russian`` (PyStemmer). Kazakh has no Snowball stemmer; ``kazakh_stem`` strips
the common plural, possessive and case endings (KAZAKH_STEMMER switches it off; see there).
Latin-script words are stemmed as English whatever the text's language: Russian and Kazakh texts quote English
names ("New York Times"), and the same word must get the same term in every text.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

LANGUAGES = ("en", "ru", "kk")
DEFAULT = "en"
NAMES = {"en": "English", "ru": "Russian", "kk": "Kazakh"}

# The letters Kazakh adds to the Russian alphabet: a text with them is not Russian.
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")  # one Cyrillic letter (Russian and Kazakh)
_LATIN = re.compile(r"[A-Za-z]")

# The version of the term pipeline below; the index manifest records it, and a change rebuilds BM25.
TERMS_VERSION = "1"

# fmt: off
STOPWORDS = {
    "en": frozenset(
        """a about above after again against all also am an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have having he
        her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
        not now of off on once only or other our ours ourselves out over own same she should so some such than that
        the their theirs them themselves then there these they this those through to too under until up very was we
        were what when where which while who whom why will with would you your yours yourself yourselves tell
        according journal article articles say says said""".split()
    ),
    # NLTK's Russian list (from Snowball) plus the question words and "according to the article" phrasings
    "ru": frozenset(
        """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её мне было вот
        от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять
        уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
        будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти
        мой тем чтобы нее неё сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над
        больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда
        лучше чуть том нельзя такой им более всегда конечно всю между это эта эти эту этих также который которая
        которое которые которого которой каких каким какие каков какова каково почему сколько статья статье статьи
        журнал журнале согласно говорится""".split()
    ),
    "kk": frozenset(
        """және мен бен пен да де та те бұл сол осы ол олар біз сіз сен не ма ме ба бе па пе үшін туралы бойынша
        арқылы бар жоқ еді болды болып болса немесе бірақ ал яғни тек ғана әр барлық өз өзі дейін кейін соң сияқты
        деп деген сондай осындай емес ең тағы әлі енді сонда мұнда онда оның олардың соның осының бұның оған осы
        мұның қай қандай қашан қалай неше қанша кім неге неліктен нені кімнің қайда қайдан мақала мақалада
        мақаласында журнал журналда""".split()
    ),
}
# fmt: on


def script_language(text: str) -> str:
    """English for Latin script, Kazakh for Cyrillic with Kazakh letters, else Russian: the fast guess."""
    cyrillic = len(CYRILLIC.findall(text))
    if cyrillic <= len(_LATIN.findall(text)):
        return "en"
    return "kk" if any(ch in KAZAKH_LETTERS for ch in text) else "ru"


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid.langid.LanguageIdentifier
    from py3langid.langid import _load_identifier

    return _load_identifier(langs=list(LANGUAGES))


def detect(text: str) -> str:
    """The text's language among ``LANGUAGES``; English when the text has no letters."""
    if not re.search(r"[^\W\d_]", text):
        return DEFAULT
    if not CYRILLIC.search(text):
        return "en"  # no Cyrillic letter: neither Russian nor Kazakh (saves the model call for the English corpus)
    return str(_identifier().classify(text)[0])


@lru_cache(maxsize=1024)  # a question is looked at by retrieval, the answerer and the abstention
def question_language(text: str) -> str:
    """A question's language: detection, but a question written in Cyrillic is never English."""
    language = detect(text)
    if language == "en" and len(CYRILLIC.findall(text)) > len(_LATIN.findall(text)):
        return script_language(text)
    return language


# ------------------------------------------------------------------------------------------------ stemming

# Kazakh endings, longest first within each group; stripped at most once per group, case before possessive
# before plural (the order they stack in: "елдер-іміз-ден" = countries-our-from).
_KK_CASE = (
    "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде дан ден тан тен нан нен"
    " мен бен пен мын мін бын бін пын пін ша ше дай дей тай тей ын ін"  # ын ін: accusative after a possessive
).split()
# not the bare м ң н endings: too many stems end in them ("Ауғанстан")
_KK_POSSESSIVE = "ымыз іміз мыз міз ыңыз іңіз ңыз ңіз сы сі ым ім ың ің ы і".split()
_KK_PLURAL = "лар лер дар дер тар тер".split()
_KK_MIN_STEM = 3


def _strip_one(word: str, endings: list[str]) -> str:
    for ending in sorted(endings, key=len, reverse=True):
        if word.endswith(ending) and len(word) - len(ending) >= _KK_MIN_STEM:
            return word[: -len(ending)]
    return word


def kazakh_stem(word: str) -> str:
    """A light suffix stripper: one case ending, then one possessive, then one plural ending."""
    for group in (_KK_CASE, _KK_POSSESSIVE, _KK_PLURAL):
        word = _strip_one(word, group)
    return word


# "suffix" (kazakh_stem) or "none". Measured on the 9 answerable Kazakh questions of
# evals/multilingual/qa_docs.jsonl, BM25 alone (python evals/multilingual/bench_kazakh_stemmer.py, 2026-12-01):
# 8/9 with either over the two documents; 9/9 against 8/9 for "suffix" with the journal indexed beside them.
# Too few questions to tell them apart; "suffix" is kept because it never lost and joins the inflected forms of
# tests/test_language.py ("университеттерінде" = "университет"), which "none" keeps apart.
KAZAKH_STEMMER = "suffix"


@lru_cache(maxsize=2)
def _snowball(language: str):  # noqa: ANN202 - Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer(language)


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """The stem of a lowercase word of a text in ``language``; Latin words are always stemmed as English."""
    if not CYRILLIC.search(word):
        return _snowball("english").stemWord(word)
    if language == "kk":
        return kazakh_stem(word) if KAZAKH_STEMMER == "suffix" else word
    return _snowball("russian").stemWord(word.replace("ё", "е"))


def is_stopword(word: str, language: str) -> bool:
    # English stop words inside Russian/Kazakh texts too: they quote English titles and names
    return word in STOPWORDS["en"] or word in STOPWORDS.get(language, frozenset())


def settings_record() -> dict[str, object]:
    """What the index manifest records about language handling (a change makes the index stale)."""
    return {
        "languages": list(LANGUAGES),
        "detector": "py3langid (en, ru, kk) + Kazakh letters",
        "stemmers": {
            "en": "snowball-english",
            "ru": "snowball-russian",
            "kk": "journalqa-suffix" if KAZAKH_STEMMER == "suffix" else "none",
        },
        "stopwords": {lang: len(words) for lang, words in STOPWORDS.items()},
        "terms_version": TERMS_VERSION,
        # question words mapped to the other languages' BM25 terms; its vocabulary is kept in the index folder
        "crosslingual": CROSSLINGUAL_VERSION,
    }


# the cross-lingual ranking's method version (journalqa.search.crosslingual), recorded in the index manifest
CROSSLINGUAL_VERSION = "1"


# ------------------------------------------------------------------------------------------------ BM25 terms

_TERM = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _bm25_english_stopwords() -> frozenset[str]:
    # bm25s's own short English list: the one BM25 used before languages were told apart, so English ranks stay
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def index_terms(text: str, language: str) -> list[str]:
    """BM25 terms of a text (a chunk, or a question) in ``language``: lowercase letter/digit runs of two or
    more characters, stop words of English and the language dropped, stemmed per language."""
    english = _bm25_english_stopwords()
    own = STOPWORDS.get(language, frozenset()) if language != "en" else frozenset()
    return [
        stem(word, language)
        for word in _TERM.findall(text.lower())
        if len(word) > 1 and word not in english and word not in own
    ]


# ------------------------------------------------------------------------------------------------ names across scripts

# Russian and Kazakh letters as English spells names (the answerer and the cross-lingual ranking share them)
_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "", "ю": "yu"},
        **{"я": "ya", "ә": "a", "ғ": "gh", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i"},
    }
)


def transliterate(word: str) -> str:
    return word.lower().replace("дж", "j").translate(_TRANSLIT)


# Names of states, capitals and regions that Russian and Kazakh write as their own words, not as a spelling of the
# English name, so that no transliteration reaches it: "Ресей" is Russia, "Қытай" China, "Мәскеу" Moscow. Keyed by
# the nominative; inflected forms ("Ресейдің", "Китаем") are found by their stems. A name missed here is still a
# name the answerer counts as unverifiable (half credit), not as absent.
# fmt: off
EXONYMS: dict[str, tuple[str, ...]] = {
    "ресей": ("russia", "russian"), "россия": ("russia",), "российский": ("russian", "russia"),
    "қытай": ("china", "chinese"), "китай": ("china",), "китайский": ("chinese", "china"),
    "мәскеу": ("moscow",), "москва": ("moscow",), "бейжің": ("beijing",), "пекин": ("beijing",),
    "өзбекстан": ("uzbekistan",), "өзбек": ("uzbek",), "жапония": ("japan",), "япония": ("japan",),
    "үндістан": ("india",), "индия": ("india",), "түркия": ("turkey", "türkiye"), "турция": ("turkey", "türkiye"),
    "ұлыбритания": ("britain", "uk"), "великобритания": ("britain", "uk"), "франция": ("france",),
    "еуропа": ("europe", "european"), "европа": ("europe",), "европейский": ("european", "europe"),
    "еуроодақ": ("eu",), "евросоюз": ("eu",), "азия": ("asia",), "орталық": ("central",),
    "центральный": ("central",), "оңтүстік": ("south", "southern"), "южный": ("south", "southern"),
    "солтүстік": ("north", "northern"), "северный": ("north", "northern"), "тегеран": ("tehran",),
    "ашғабат": ("ashgabat",), "ашхабад": ("ashgabat",), "бішкек": ("bishkek",), "бишкек": ("bishkek",),
    "киргиз": ("kyrgyz",), "киргизия": ("kyrgyzstan", "kyrgyz"),
}
# fmt: on


@lru_cache(maxsize=1)
def _exonyms_by_stem() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, english in EXONYMS.items():
        for key in (name, stem(name, "kk"), stem(name, "ru")):
            out.setdefault(key, english)
    return out


def exonyms(name: str) -> tuple[str, ...]:
    """The English names a lowercase Russian/Kazakh name stands for when it is not their spelling (``EXONYMS``)."""
    table = _exonyms_by_stem()
    for key in (name, stem(name, "kk"), stem(name, "ru")):
        if key in table:
            return table[key]
    return ()


_K_NOT_KH = re.compile(r"k(?!h)")


@lru_cache(maxsize=4096)
def latin_forms(name: str) -> tuple[str, ...]:
    """A Cyrillic name's Latin spellings: as written, and without its case ending ("Афганистане" -> "afganistan");
    and the English names it translates (``EXONYMS``: "Ресейдің" -> "russia")."""
    forms = {transliterate(name), transliterate(stem(name, "kk")), transliterate(stem(name, "ru"))}
    forms |= set(exonyms(name))
    # English spells "х" as h as often as kh ("Доха" = Doha), "кс" as x ("Индекс" = Index), and an English name's
    # W comes back from Russian as "в" ("Вашингтон" = Washington)
    forms |= {f.replace("kh", "h").replace("ks", "x") for f in forms}
    forms |= {"w" + f[1:] for f in forms if f.startswith("v")}
    # and an Arabic or Pashto name's q comes back as "к" ("Хаккани" = Haqqani, "Катар" = Qatar; Kazakh calibration:
    # answerable abstaining 8/53 -> 6/53)
    forms |= {_K_NOT_KH.sub("q", f) for f in forms if _K_NOT_KH.search(f)}
    return tuple(f for f in forms if len(f) >= 3)


@lru_cache(maxsize=4096)
def loanword_forms(name: str) -> tuple[str, ...]:
    """``latin_forms`` and, for words Russian took from Latin, English's c for their к and ц ("Концепцию" ->
    "koncepc..." -> "concept", "коалиция" -> "coalition"). The answerer's name check uses these; the cross-lingual
    ranking does not (on the calibration split the looser spellings cost it Russian MRR, 0.773 -> 0.762)."""
    forms = set(latin_forms(name))
    forms |= {f.replace("ts", "c").replace("k", "c") for f in forms if "ts" in f or "k" in f}
    return tuple(forms)


# 0.75: "aughanstan"~"afghanistan" 0.86, "rossiya"~"russia" 0.77, "tadzhikistan"~"tajikistan" 0.82;
# "kazakhstan"~"pakistan" 0.67
SAME_NAME = 0.75


def spelled_alike(a: str, b: str) -> bool:
    """Two Latin spellings of one name: difflib's ratio at least SAME_NAME; its two cheap upper bounds (``real_quick_ratio``, ``quick_ratio``: the
    lengths, the shared letters) are computed first without building a matcher, the same answer ~20x faster."""
    total = len(a) + len(b)
    if 2 * min(len(a), len(b)) < SAME_NAME * total:
        return False
    letters_a, letters_b = _letters(a), _letters(b)
    shared = sum(min(n, letters_b[c]) for c, n in letters_a.items() if c in letters_b)
    if 2 * shared < SAME_NAME * total:
        return False
    return SequenceMatcher(None, a, b).ratio() >= SAME_NAME


@lru_cache(maxsize=65536)
def _letters(word: str) -> Counter:
    return Counter(word)
