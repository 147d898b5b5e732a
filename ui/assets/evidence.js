element.addEventListener("click", function (event) {
  const button = event.target.closest("[data-open]");
  if (button) trigger("click", { open: Number(button.dataset.open) });
});
watch("value", function () {
  const id = window.__jqTarget;
  if (!id) return;
  let tries = 20;
  const go = function () {
    if (window.jqFocus(id)) window.__jqTarget = null;
    else if (tries-- > 0) setTimeout(go, 50);
  };
  go();
});
