// Citation markers [n] are links to #a<turn>-src-<n>: scroll the source card into view and flash it.
// When the card belongs to another answer than the one shown, the chat's select event re-renders the
// panel first; evidence.js then finishes the jump (window.__jqTarget).
window.jqFocus = function (id) {
  const el = document.getElementById(id);
  if (!el || !el.offsetParent) return false;
  el.scrollIntoView({ behavior: "smooth", block: "nearest" });
  el.classList.remove("jq-flash");
  void el.offsetWidth;
  el.classList.add("jq-flash");
  return true;
};
document.addEventListener(
  "click",
  function (event) {
    const link = event.target.closest && event.target.closest("a.jq-cite");
    if (!link) return;
    event.preventDefault();
    const id = decodeURIComponent((link.getAttribute("href") || "").slice(1));
    if (!window.jqFocus(id)) window.__jqTarget = id;
  },
  true,
);
// Gradio's own strings: it translates them into the languages it ships (Russian, not Kazakh) by the browser's
// language, and a few aria-labels ("chatbot conversation", "range slider for …") it never translates. They follow
// the interface language here, from the catalogs (window.jqGradioText, written by ui.app.launch_options).
(function () {
  const fix = function () {
    const table = (window.jqGradioText || {})[document.documentElement.lang];
    if (!table || !document.body) return;
    for (const el of document.querySelectorAll("[aria-label]")) {
      const value = el.getAttribute("aria-label");
      for (const [from, to] of table) {
        if (value.startsWith(from) && from !== to) { el.setAttribute("aria-label", to + value.slice(from.length)); break; }
      }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (!text || text.length > 40) continue;
      for (const [from, to] of table) {
        if (text === from.trim() && from !== to) { node.textContent = node.textContent.replace(text, to.trim()); break; }
      }
    }
  };
  let pending = null;
  new MutationObserver(function () {
    clearTimeout(pending);
    pending = setTimeout(fix, 60);
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label", "lang"] });
})();
