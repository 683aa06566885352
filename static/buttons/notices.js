/* shareproxy: what the server skipped or read differently on a page of buttons, and why
   a page has none, told to the loader, which prints it in the console for the site owner.
   A page without buttons may tell any embedding page: it says only what that page asked. */
(function () {
  "use strict";
  var d = document, W = window, el = d.querySelector("[data-notices]");
  if (!el || W.parent === W) return;
  var gone = el.hasAttribute("data-unavailable"), to = el.dataset.origin || (gone ? "*" : "");
  var list = [];
  try { list = JSON.parse(el.dataset.notices); } catch (e) { /* none */ }
  if (to) W.parent.postMessage({type: gone ? "shareproxy:unavailable" : "shareproxy:notices", notices: list}, to);
})();
