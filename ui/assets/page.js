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
