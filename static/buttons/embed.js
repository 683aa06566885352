/* shareproxy loader: <div data-shareproxy data-networks="…"></div> becomes the buttons' iframe,
   <div data-shareproxy-embed data-url="https://…"></div> a two-click video or post. */
(function () {
  "use strict";
  var d = document, s = d.currentScript;
  var base = new URL(s ? s.src : "/embed.js", location.href).origin;
  var PARAMS = ["networks", "title", "theme", "lang", "mode", "orientation", "style", "counts", "info", "media"];
  var EMBED_PARAMS = ["theme", "lang"];
  var frames = [];
  var KEY = /^shareproxy\.(twoclick\.[a-z0-9_-]{1,30}|mastodon\.instance|embed\.[a-z0-9_-]{1,30})$/;

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
  function rememberedEmbeds() {
    // Which providers the visitor allowed on this site (the frame knows its own provider).
    var out = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i), v = localStorage.getItem(k);
        if (/^shareproxy\.embed\./.test(k) && KEY.test(k) && v === "1") out.push(encodeURIComponent(k) + "=1");
      }
    } catch (e) { /* storage blocked: nothing remembered */ }
    return out.join("&");
  }

  function pageUrl() {
    var l = d.querySelector('link[rel="canonical"]'), m = d.querySelector('meta[property="og:url"]');
    return (l && l.href) || (m && m.content) || location.href.split("#")[0];
  }
  function buttons(div) {
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
    frames.push({frame: f});
  }
  function embed(div) {
    // Until the frame says it has something to show, the visitor sees a plain link to the
    // content (or what the page put inside the div): an unsupported address, a provider
    // that fails or a blocked frame never leave a hole in the page.
    var url = div.dataset.url || "";
    if (div.querySelector("iframe") || !/^https?:\/\//i.test(url)) return;
    var link = null;
    if (!div.firstElementChild) {
      link = d.createElement("a");
      link.href = url;
      link.textContent = div.dataset.label || url;
      link.rel = "nofollow noopener noreferrer";
      link.target = "_blank";
      div.appendChild(link);
    }
    var q = new URLSearchParams();
    q.set("url", url);
    EMBED_PARAMS.forEach(function (p) { if (div.dataset[p]) q.set(p, div.dataset[p]); });
    if (/^https?:/.test(location.protocol)) q.set("origin", location.origin);
    var f = d.createElement("iframe"), kept = rememberedEmbeds();
    f.src = base + "/embed?" + q.toString() + (kept ? "#" + kept : "");
    f.title = div.dataset.label || url;
    f.loading = "lazy";
    f.setAttribute("allow", "autoplay; fullscreen; picture-in-picture; encrypted-media");
    f.setAttribute("allowfullscreen", "");
    f.setAttribute("scrolling", "no");
    f.style.cssText = "display:block;border:0;width:100%;height:0;overflow:hidden;visibility:hidden";
    var entry = {frame: f, div: div, waiting: true};
    div.appendChild(f);
    frames.push(entry);
  }
  function init() {
    d.querySelectorAll("div[data-shareproxy]").forEach(buttons);
    d.querySelectorAll("div[data-shareproxy-embed]").forEach(embed);
  }
  function show(entry, height, title) {
    var f = entry.frame;
    entry.waiting = false;
    Array.prototype.slice.call(entry.div.children).forEach(function (c) { if (c !== f) c.remove(); });
    if (typeof title === "string" && title) f.title = title.slice(0, 200);
    f.style.visibility = "visible";
    if (height > 0 && height < 6000) f.style.height = Math.ceil(height) + "px";
  }
  addEventListener("message", function (e) {
    if (e.origin !== base || !e.data || typeof e.data !== "object") return;
    for (var i = 0; i < frames.length; i++) {
      var entry = frames[i], f = entry.frame;
      if (e.source !== f.contentWindow) continue;
      var h = Number(e.data.height);
      if (e.data.type === "shareproxy:ready" && entry.div) {
        show(entry, h, e.data.title);
      } else if (e.data.type === "shareproxy:unavailable" && entry.div) {
        f.remove();  // the link stays
        frames.splice(i, 1);
      } else if (e.data.type === "shareproxy:resize") {
        if (entry.div && entry.waiting) return;
        if (h > 0 && h < 6000) f.style.height = Math.ceil(h) + "px";
      } else if (e.data.type === "shareproxy:print" && !entry.div) {
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
