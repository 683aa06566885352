/* shareproxy loader: <div data-shareproxy data-networks="…"></div> becomes the buttons' iframe. */
(function () {
  "use strict";
  var d = document, s = d.currentScript;
  var base = new URL(s ? s.src : "/embed.js", location.href).origin;
  var PARAMS = ["networks", "title", "theme", "lang", "mode", "orientation", "style", "counts", "info", "media"];
  var frames = [];
  var KEY = /^shareproxy\.(twoclick\.[a-z0-9_-]{1,30}|mastodon\.instance)$/;

  function remembered(networks) {
    // Choices the visitor asked this site to remember (see "remember for this site").
    var out = [], keys = ["shareproxy.mastodon.instance"];
    (networks || "").split(",").forEach(function (n) { keys.push("shareproxy.twoclick." + n.trim()); });
    try {
      keys.forEach(function (k) {
        var v = localStorage.getItem(k);
        if (v && KEY.test(k)) out.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
      });
    } catch (e) { /* storage blocked: nothing remembered */ }
    return out.join("&");
  }

  function pageUrl() {
    var l = d.querySelector('link[rel="canonical"]'), m = d.querySelector('meta[property="og:url"]');
    return (l && l.href) || (m && m.content) || location.href.split("#")[0];
  }
  function init() {
    d.querySelectorAll("div[data-shareproxy]").forEach(function (div) {
      if (div.querySelector("iframe")) return;
      var q = new URLSearchParams();
      q.set("url", div.dataset.url || pageUrl());
      if (!div.dataset.title && d.title) q.set("title", d.title);
      PARAMS.forEach(function (p) { if (div.dataset[p]) q.set(p, div.dataset[p]); });
      if (/^https?:/.test(location.protocol)) q.set("origin", location.origin);
      var f = d.createElement("iframe");
      var kept = remembered(div.dataset.networks);
      f.src = base + "/buttons?" + q.toString() + (kept ? "#" + kept : "");
      f.title = div.dataset.label || "Share";
      f.loading = "lazy";
      f.setAttribute("allow", "clipboard-write; web-share");
      f.setAttribute("scrolling", "no");
      f.style.cssText = "border:0;width:100%;height:44px;overflow:hidden";
      div.appendChild(f);
      frames.push(f);
    });
  }
  addEventListener("message", function (e) {
    if (e.origin !== base || !e.data || typeof e.data !== "object") return;
    for (var i = 0; i < frames.length; i++) {
      if (e.source !== frames[i].contentWindow) continue;
      if (e.data.type === "shareproxy:resize") {
        var h = Number(e.data.height);
        if (h > 0 && h < 4000) frames[i].style.height = Math.ceil(h) + "px";
      } else if (e.data.type === "shareproxy:print") {
        print();
      } else if (e.data.type === "shareproxy:store" && KEY.test(e.data.key)) {
        var v = e.data.value;
        try {
          if (v === null) localStorage.removeItem(e.data.key);
          else if (typeof v === "string" && v.length <= 253) localStorage.setItem(e.data.key, v);
        } catch (err) { /* storage blocked */ }
      }
      return;
    }
  });
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", init); else init();
})();
