/* shareproxy embeds: the click that loads the provider, "remember", local dates, resizing. */
(function () {
  "use strict";
  var d = document, W = window, root = d.querySelector("[data-embed]");
  if (!root) return;
  var ds = root.dataset, origin = ds.origin, K = "shareproxy.embed." + ds.provider;

  function tell(msg) { if (origin && W.parent !== W) W.parent.postMessage(msg, origin); }
  function height() { return Math.ceil(d.documentElement.scrollHeight); }
  //= frame-store.js
  function reload(params) {
    var u = new URL(location.href);
    Object.keys(params).forEach(function (k) {
      if (params[k] === null) u.searchParams.delete(k); else u.searchParams.set(k, params[k]);
    });
    u.hash = Object.keys(mem).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(mem[k]); }).join("&");
    location.replace(u.href);
  }

  var state = ds.state;
  if (state === "placeholder" && store(K) === "1" && d.querySelector("[data-activate]")) {
    reload({activate: "1"});
    return;
  }
  d.querySelectorAll("[data-activate]").forEach(function (b) {
    b.addEventListener("click", function () { reload({activate: "1"}); });
  });
  d.querySelectorAll("[data-remember]").forEach(function (c) {
    c.checked = store(K) === "1";
    c.addEventListener("change", function () { store(K, c.checked ? "1" : null); });
  });
  d.querySelectorAll("[data-forget]").forEach(function (b) {
    b.addEventListener("click", function () { store(K, null); reload({activate: null}); });
  });

  // Dates in the visitor's own time zone and language.
  d.querySelectorAll("time[datetime]").forEach(function (t) {
    var when = new Date(t.getAttribute("datetime"));
    if (isNaN(when.getTime()) || !W.Intl) return;
    try {
      t.textContent = new Intl.DateTimeFormat(ds.lang, {dateStyle: "medium", timeStyle: "short"}).format(when);
    } catch (e) { /* an engine without these options: keep the server's text */ }
  });

  // A post's own embed reports its height, each provider in its own way.
  d.querySelectorAll("iframe[data-resize]").forEach(function (f) {
    var from = f.dataset.frameOrigin, kind = f.dataset.resize;
    function set(h) {
      h = Number(h);
      if (h > 0 && h < 5000) { f.height = String(Math.ceil(h)); tell({type: "shareproxy:resize", height: height()}); }
    }
    W.addEventListener("message", function (e) {
      if (e.origin !== from || e.source !== f.contentWindow || !e.data || typeof e.data !== "object") return;
      if (kind === "mastodon" && e.data.type === "setHeight" && e.data.id === 1) set(e.data.height);
      if (kind === "bluesky" && e.data.id === "sp") set(e.data.height);
    });
    if (kind === "mastodon") {
      f.addEventListener("load", function () { f.contentWindow.postMessage({type: "setHeight", id: 1}, from); });
    }
  });

  // A preview that was not ready: ask again a few times, then leave the link.
  var waiting = false;
  if (state === "pending") {
    var tries = Number(ds.retry || 0);
    waiting = tries < 3;
    if (waiting) setTimeout(function () { reload({retry: String(tries + 1)}); }, 1500 * (tries + 1));
  }

  if (W.ResizeObserver) new ResizeObserver(function () { tell({type: "shareproxy:resize", height: height()}); }).observe(d.body);
  var usable = state === "placeholder" || state === "player";
  if (!waiting) tell({type: usable ? "shareproxy:ready" : "shareproxy:unavailable", height: height(), title: d.title});
})();
