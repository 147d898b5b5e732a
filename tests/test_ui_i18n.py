"""The interface in English, Russian and Kazakh (issue #31), end to end: a real server over the real index and a real
Chromium whose browser language picks the interface language. Screenshots of the first screen go to docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journalqa.i18n import LANGUAGES, catalog
from tests.servers import CHROMIUM, CHROMIUM_ARGS, ROOT, ask_in_chat, ui_server

pytestmark = pytest.mark.slow
DOCS = ROOT / "docs"
PASSWORD = "correct horse battery"
# each language's first-screen examples with the journal's sentence (its gold quote) that answers them
GOLD = {
    "Кто координирует строительство газопровода ТАПИ?": "Asian Development Bank",
    "Когда Вашингтон и талибы подписали соглашение в Дохе?": "February 29, 2020",
    "Какого числа Казахстан и Афганистан установили дипломатические отношения?": "Diplomatic relations between",
    "Через какой казахстанский порт шли грузы Северной распределительной сети?": "Aktau",
    "Вашингтон мен Талибан Дохада келісімге қашан қол қойды?": "February 29, 2020",
    "Қазақстан мен Ауғанстан дипломатиялық қатынастарды қай күні орнатты?": "Diplomatic relations between",
    "Солтүстік тарату желісінің жүктері Қазақстанның қай порты арқылы өтті?": "Aktau",
    "2022 жылғы 12 қаңтарда Өзбекстан Ауғанстанға электр энергиясын жеткізуді қанша пайызға қысқартты?": "60%",
}
NOT_IN_JOURNAL = {"ru": "Когда в Афганистане появился футбол?", "kk": "Кабул қаласының халқы қанша?"}
# What is not interface text: the product's name, the journal's title, and Gradio's own footer link, which Gradio
# translates only into the languages it ships (Russian, not Kazakh)
NAMES = ["journalqa", "Kazakhstan Journal of Foreign Studies", "English", "API"]
# the page's visible text less what is shown as written: document text, the user's questions, the footer
VISIBLE_INTERFACE_TEXT = """() => {
  const skip = (el) => el.closest('[translate]')?.getAttribute('translate') === 'no'
    || el.closest('.user-row, footer, #jq-docs');
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const el = node.parentElement;
      if (el && !skip(el) && el.checkVisibility({ visibilityProperty: true }) && node.textContent.trim())
        out.push(node.textContent.trim());
      return;
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (skip(el) || !el.checkVisibility()) continue;
    // a chat message's aria-label is its whole HTML (the answer's text): not a label
    for (const a of ['placeholder', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && !v.includes('<')) out.push(v);
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(real_index, tmp_path_factory):
    base = tmp_path_factory.mktemp("ui-i18n")
    env = {"JOURNALQA_FEEDBACK_DB": str(base / "fb.sqlite3"), "JOURNALQA_ADMIN_PASSWORD": PASSWORD}
    with ui_server(real_index.index_dir, real_index.corpus_dir, base / "server.log", env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make system-deps)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str, locale: str, width: int = 1400, height: int = 900):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#jq-question textarea", timeout=60_000)
    page.wait_for_function("() => document.documentElement.lang && document.documentElement.lang !== 'en' "
                           "|| navigator.language.startsWith('en')", timeout=20_000)  # fmt: skip
    page.wait_for_timeout(1500)  # the labels follow the language switch's change event
    return context, page


def _english_left(texts: list[str]) -> list[str]:
    """Texts of the page that still hold English: an English catalog text, or any run of Latin letters."""
    english = {v for e in catalog("en").values() for v in (e.values() if isinstance(e, dict) else [e])} - set(NAMES)
    left = []
    for text in texts:
        stripped = text
        for name in NAMES:
            stripped = stripped.replace(name, "")
        if text in english or re.search(r"[A-Za-z]{3,}", stripped):
            left.append(text)
    return left


@pytest.mark.parametrize("language, locale", [("ru", "ru-RU"), ("kk", "kk-KZ")])
def test_the_interface_speaks_the_browser_language(browser, server, language, locale):
    context, page = _open(browser, server, locale)
    try:
        assert page.evaluate("document.documentElement.lang") == language
        assert page.is_checked(f"#jq-lang-switch input[value={language}]")
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"ui-{language}.png"))
        # the first screen, the search options, an answer with its sources, a "not in the journal" reply
        page.locator("#jq-options").get_by_role("button").first.click()
        page.wait_for_timeout(300)
        first_example = next(q for q in GOLD if q in page.inner_text("#jq-chat"))
        ask_in_chat(page, first_example)
        page.locator("#jq-evidence button.jq-open").first.click()  # the article reader, its page marks
        page.wait_for_selector("#jq-reader .jq-page-mark", timeout=20_000)
        texts = page.evaluate(VISIBLE_INTERFACE_TEXT)
        page.click("#jq-back")
        ask_in_chat(page, NOT_IN_JOURNAL[language])
        texts += page.evaluate(VISIBLE_INTERFACE_TEXT)
        assert page.locator("#jq-chat .jq-not-found, #jq-chat .jq-uncertain").count() == 1
        # and the Admin tab's login
        page.locator("button[role=tab]").nth(1).click()
        page.wait_for_selector("#admin-password", state="visible")
        texts += page.evaluate(VISIBLE_INTERFACE_TEXT)
        left = _english_left(texts)
        assert left == [], "\n".join(left)
    finally:
        context.close()


def test_english_screenshot_and_the_switch_is_remembered(browser, server):
    context, page = _open(browser, server, "en-US")
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.get_attribute("#jq-comment textarea", "placeholder") == catalog("en")["comment.placeholder"]
        page.screenshot(path=str(DOCS / "ui-en.png"))
        page.click("#jq-lang-switch label:has-text('Қазақша')")
        page.wait_for_function("() => document.documentElement.lang === 'kk'")
        page.wait_for_selector("#jq-send:has-text('Сұрау')")
        page.reload()
        page.wait_for_selector("#jq-send:has-text('Сұрау')", timeout=60_000)
        assert page.evaluate("document.documentElement.lang") == "kk"
    finally:
        context.close()


def test_a_question_in_another_language_offers_to_switch(browser, server):
    context, page = _open(browser, server, "en-US")
    try:
        ask_in_chat(page, "Кто координирует строительство газопровода ТАПИ?")
        page.wait_for_selector("#jq-lang-offer", state="visible", timeout=10_000)
        page.click("#jq-lang-offer-button")
        page.wait_for_selector("#jq-send:has-text('Спросить')", timeout=10_000)
        # the answer already in the chat is shown again in the new language
        assert "источник" in page.inner_text("#jq-evidence")
    finally:
        context.close()


def test_phone_layout_after_an_answer(browser, server):
    context, page = _open(browser, server, "ru-RU", width=390, height=844)
    try:
        heading = page.locator("#jq-chat h3").first
        assert heading.evaluate("h => h.scrollWidth <= h.clientWidth + 1")  # the heading is not clipped
        page.screenshot(path=str(ROOT / "tests" / "artifacts" / "ui-phone-empty.png"))
        ask_in_chat(page, "Кто координирует строительство газопровода ТАПИ?", settle_ms=800)
        view = page.evaluate("""() => {
          const rows = document.querySelectorAll('#jq-chat .user-row');
          const q = rows[rows.length - 1].getBoundingClientRect();
          const a = document.querySelector('#jq-chat .jq-answer').getBoundingClientRect();
          const box = document.querySelector('#jq-chat .bubble-wrap, #jq-chat [role=log]') || document.querySelector('#jq-chat');
          const c = box.getBoundingClientRect();
          return {q_top: q.top, a_top: a.top, top: Math.max(c.top, 0), bottom: Math.min(c.bottom, innerHeight),
                  wide: document.documentElement.scrollWidth - innerWidth};
        }""")  # fmt: skip
        page.screenshot(path=str(ROOT / "tests" / "artifacts" / "ui-phone-answer.png"))
        assert view["top"] - 2 <= view["q_top"] < view["bottom"], view  # the question is in view
        assert view["q_top"] < view["a_top"] < view["bottom"], view  # and so is the start of its answer
        assert view["wide"] <= 1, view  # no sideways scrolling
    finally:
        context.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_admin_table_fits_the_screen(browser, server, width):
    context, page = _open(browser, server, "en-US", width=width, height=900)
    try:
        page.get_by_role("tab", name="Admin").click()
        page.fill("#admin-password input", PASSWORD)
        page.click("#admin-unlock")
        page.wait_for_selector("#admin-docs table", timeout=20_000)
        sizes = page.evaluate("""() => ({
          page: document.documentElement.scrollWidth, view: innerWidth,
          table: document.querySelector('#admin-docs table').getBoundingClientRect().right,
          hash: document.querySelector('#admin-docs td.jq-col-hash').getBoundingClientRect().right })""")
        page.screenshot(path=str(ROOT / "tests" / "artifacts" / f"ui-admin-{width}.png"), full_page=True)
        assert sizes["page"] <= sizes["view"] + 1, sizes  # no sideways scrolling
        assert sizes["table"] <= sizes["view"] and sizes["hash"] <= sizes["view"], sizes  # every column on screen
    finally:
        context.close()


@pytest.mark.parametrize("question", list(GOLD))
def test_every_example_is_answered_with_its_gold_quote(real_assistant, question):
    from ui.app import EXAMPLES_BY_LANGUAGE

    assert question in {q for language in LANGUAGES for q in EXAMPLES_BY_LANGUAGE[language]}
    answer = real_assistant.ask(question)
    assert answer.verdict == "answered", (question, answer.evidence)
    assert GOLD[question] in answer.answer, (question, answer.answer)


def test_every_example_has_its_gold_quote_here():
    from ui.app import EXAMPLES_BY_LANGUAGE

    assert set(EXAMPLES_BY_LANGUAGE["ru"]) | set(EXAMPLES_BY_LANGUAGE["kk"]) == set(GOLD)
