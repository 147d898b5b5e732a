// Scroll the opened article to the cited passage once it is laid out.
const toPassage = function (tries) {
  const mark = element.querySelector("#jq-passage");
  if (mark && mark.offsetParent) mark.scrollIntoView({ block: "center" });
  else if (tries > 0) setTimeout(function () { toPassage(tries - 1); }, 50);
};
toPassage(20);
watch("value", function () { toPassage(20); });
