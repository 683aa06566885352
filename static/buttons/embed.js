/* shareproxy loader: <div data-shareproxy data-networks="…"></div> becomes the buttons' iframe,
   <div data-shareproxy-embed data-url="https://…"></div> a two-click video or post. */
(function () {
  "use strict";
  var d = document, W = window, s = d.currentScript;
  var base = new URL(s ? s.src : "/embed.js", location.href).origin;
  var PARAMS = ["networks", "title", "theme", "lang", "mode", "orientation", "style", "counts", "info", "media", "via", "mail"];
  // Shariff's attributes, read as ours (data-services is a JSON array; the server reads it).
  var SHARIFF = {services: "networks", buttonStyle: "style", infoUrl: "info", mediaUrl: "media", mailUrl: "mail", twitterVia: "via"};
  var IGNORED = {backendUrl: "counts come from shareproxy itself", infoDisplay: "the info page opens in a new tab",
    mailSubject: "the subject is the title", mailBody: "the body is the page's address", referrerTrack: "nothing is added to the page's address",
    flattrUser: "Flattr is not offered", flattrCategory: "Flattr is not offered"};
  var OWN = {shareproxy: 1, url: 1, label: 1};
  var told = {};
  function tell(level, text, el) {
    // Each thing the site owner should know, once per page, however many frames say it.
    if (told[text]) return;
    told[text] = 1;
    var c = W.console;
    if (c && c[level]) c[level]("shareproxy (" + base + "): " + text, el || "");
  }
  function dashed(key) { return "data-" + key.replace(/[A-Z]/g, function (m) { return "-" + m.toLowerCase(); }); }
  function params(div) {
    // The div's data-* attributes as the buttons' parameters; each Shariff name read as
    // ours, and each attribute not understood, is reported.
    var out = {};
    Object.keys(div.dataset).forEach(function (k) {
      var v = div.dataset[k];
      if (OWN[k] || PARAMS.indexOf(k) >= 0) { if (v) out[k] = v; return; }
      if (SHARIFF[k]) {
        tell("info", dashed(k) + " (Shariff's name) is read as " + dashed(SHARIFF[k]), div);
        if (v && !div.dataset[SHARIFF[k]]) out[SHARIFF[k]] = v;
      } else if (IGNORED[k]) {
        tell("warn", dashed(k) + " (Shariff's) is not supported and ignored: " + IGNORED[k], div);
      } else {
        tell("warn", dashed(k) + " is not an attribute shareproxy knows: ignored (see the README, Embedding)", div);
      }
    });
    return out;
  }
  function allowed() {
    // Only features this browser knows: Chromium logs "Unrecognized feature" for others
    // (Web Share is missing on desktop Linux, for one).
    var fp = d.featurePolicy || d.permissionsPolicy, known = ["clipboard-write"];
    var share = fp && fp.features ? fp.features().indexOf("web-share") >= 0 : !!navigator.share;
    if (share) known.push("web-share");
    return known.join("; ");
  }
  var EMBED_PARAMS = ["theme", "lang"];
  var frames = [];
  var KEY = /^shareproxy\.(twoclick\.[a-z0-9_-]{1,30}|mastodon\.instance|fediverse\.recent|embed\.[a-z0-9_-]{1,30})$/;

  function remembered(networks) {
    // Choices the visitor asked this site to remember (see "remember for this site").
    var out = [], keys = ["shareproxy.mastodon.instance", "shareproxy.fediverse.recent"];
    // "a,b" or Shariff's ["a","b"]: the names alone
    (networks || "").split(",").forEach(function (n) { keys.push("shareproxy.twoclick." + n.replace(/[^A-Za-z0-9_-]/g, "").toLowerCase()); });
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
    var q = new URLSearchParams(), p = params(div);
    q.set("url", p.url || pageUrl());
    if (!p.title && d.title) q.set("title", d.title);
    PARAMS.forEach(function (k) { if (p[k]) q.set(k, p[k]); });
    if (/^https?:/.test(location.protocol)) q.set("origin", location.origin);
    var f = d.createElement("iframe");
    var kept = remembered(p.networks);
    f.src = base + "/buttons?" + q.toString() + (kept ? "#" + kept : "");
    f.title = p.label || "Share";
    f.loading = "lazy";
    f.setAttribute("allow", allowed());
    f.setAttribute("scrolling", "no");
    // One row's height is kept free; the frame shows once it has spoken (its first
    // message), so an answer without buttons or a server that cannot be reached never
    // shows the visitor anything broken.
    var entry = {frame: f, spoke: !q.has("origin")};
    f.style.cssText = "display:block;border:0;width:100%;height:44px;overflow:hidden" + (entry.spoke ? "" : ";visibility:hidden");
    f.addEventListener("load", function () {
      setTimeout(function () {
        if (entry.spoke || !f.parentNode) return;
        f.style.height = "0"; f.style.display = "none";
        tell("warn", "the buttons' frame sent no message: is " + base + " reachable, and is this page's host (" +
          location.hostname + ") in its SHAREPROXY_ALLOWED_DOMAINS?", div);
      }, 5000);
    });
    div.appendChild(f);
    frames.push(entry);
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
      var h = Number(e.data.height), said = e.data.notices;
      if (!entry.div && !entry.spoke) { entry.spoke = true; f.style.visibility = "visible"; }
      if (Array.isArray(said)) said.slice(0, 50).forEach(function (n) {
        if (n && typeof n.text === "string") tell(n.level === "info" ? "info" : "warn", n.text.slice(0, 500), f.parentNode);
      });
      if (e.data.type === "shareproxy:unavailable" && !entry.div) {
        f.style.height = "0"; f.style.display = "none";  // nothing to show: no gap either
      } else if (e.data.type === "shareproxy:ready" && entry.div) {
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
          else if (typeof v === "string" && v.length <= 1400) localStorage.setItem(e.data.key, v);
        } catch (err) { /* storage blocked */ }
      }
      return;
    }
  });
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", init); else init();
})();
