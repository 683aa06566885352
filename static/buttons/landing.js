/* The landing page: live previews sized to their buttons, the style switch, the snippet
   builder with its tabs, and "Copy code". Everything it loads comes from this server. */
(function () {
  "use strict";
  var d = document, base = location.origin;
  var OPTIONS = ["theme", "orientation", "style", "counts", "mode"];
  var DEFAULTS = {theme: "color", orientation: "horizontal", style: "standard", counts: "on", mode: "share"};

  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  // --- previews: same-origin iframes, so their height can be read and followed
  function fit(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.documentElement) return;
    var list = doc.querySelector(".sp-buttons"), note = doc.querySelector(".sp-note");
    var h = list ? Math.ceil((note || list).getBoundingClientRect().bottom + 8) : doc.documentElement.scrollHeight;
    frame.style.height = Math.max(40, h) + "px";
  }
  function watch(frame) {
    frame.addEventListener("load", function () {
      fit(frame);
      var doc = frame.contentDocument;
      if (doc && doc.body && window.ResizeObserver) {
        new ResizeObserver(function () { fit(frame); }).observe(doc.body);
      }
    });
    fit(frame);
  }
  // The height a horizontal row needs on a 375 px phone (343 px of content): the preview's
  // buttons, wrapped as flex-wrap does, so a snippet copied on a wide screen holds there.
  var PHONE = 343, GAP = 6, PAD = 8;
  function phoneHeight(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return 0; }
    var list = doc && doc.querySelector(".sp-buttons");
    if (!list || list.classList.contains("sp-vertical")) return 0;
    var x = 0, rows = 0, tall = 0;
    list.querySelectorAll(":scope > li:not([hidden])").forEach(function (li) {
      var r = li.getBoundingClientRect(), w = Math.min(r.width, PHONE - PAD);
      if (!rows || x + GAP + w > PHONE - PAD) { rows++; x = w; } else x += GAP + w;
      tall = Math.max(tall, r.height);
    });
    // a two-click row's note under it, its text reflowed to the phone's width
    var note = doc.querySelector(".sp-note"), n = note ? note.getBoundingClientRect() : null;
    var more = n ? 6 + n.height * Math.max(1, Math.ceil(n.width / (PHONE - PAD))) : 0;
    return rows ? Math.ceil(PAD + rows * tall + (rows - 1) * GAP + more) : 0;
  }
  d.querySelectorAll("iframe[data-fit]").forEach(watch);
  window.addEventListener("resize", function () { d.querySelectorAll("iframe[data-fit]").forEach(fit); });

  // --- the gallery's style switch
  var sw = d.getElementById("style-switch");
  if (sw) sw.addEventListener("change", function (e) {
    var style = e.target.value;
    d.querySelectorAll("iframe[data-gallery]").forEach(function (f) {
      var u = new URL(f.src, base);
      u.searchParams.set("style", style);
      f.src = u.pathname + u.search;
    });
  });

  // --- tabs (WAI-ARIA tabs pattern: arrows, Home and End move between them)
  var tabs = Array.prototype.slice.call(d.querySelectorAll("[role=tab]"));
  function select(tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      d.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) tab.focus();
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { select(t, false); });
    t.addEventListener("keydown", function (e) {
      var n = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[e.key];
      if (n === undefined) return;
      e.preventDefault();
      select(tabs[(n + tabs.length) % tabs.length], true);
    });
  });

  // --- "Copy code": the clipboard API where the page is a secure context, else a selection
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = d.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    d.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = d.execCommand("copy"); } catch (e) { ok = false; }
    d.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  d.querySelectorAll("button[data-copy]").forEach(function (b) {
    var status = b.parentNode.querySelector(".copied"), timer;
    b.addEventListener("click", function () {
      var code = d.getElementById(b.getAttribute("data-copy"));
      copyText(code.textContent).then(function () {
        status.textContent = "Copied";
      }, function () {
        status.textContent = "Select the code and copy it yourself";
      });
      clearTimeout(timer);
      timer = setTimeout(function () { status.textContent = ""; }, 2500);
    });
  });

  // --- the builder
  var form = d.getElementById("builder");
  if (!form) return;
  var allowed = (form.getAttribute("data-allowed") || "").split(",").filter(Boolean);
  var preview = d.getElementById("preview"), linksToken = 0, shown = preview.getAttribute("src"), pending;

  function hostAllowed(host) {
    host = host.toLowerCase().replace(/^\[|\]$/g, "");
    return allowed.some(function (a) {
      return a.indexOf("*.") === 0 ? host.slice(-(a.length - 1)) === a.slice(1) : host === a;
    });
  }
  function pageHost() {
    try { return new URL(form.elements.url.value).hostname; } catch (e) { return ""; }
  }
  function picked() {
    var nets = [];
    form.querySelectorAll("input[name=networks]:checked").forEach(function (c) { nets.push(c.value); });
    return nets;
  }
  function set(id, text) { d.getElementById(id).textContent = text; }

  function update() {
    var nets = picked(), host = pageHost(), ok = host && hostAllowed(host);
    var q = new URLSearchParams(), data = ' data-networks="' + esc(nets.join(",")) + '"';
    q.set("url", form.elements.url.value);
    if (form.elements.title.value) q.set("title", form.elements.title.value);
    q.set("networks", nets.join(","));
    q.set("lang", form.elements.lang.value);
    data += ' data-lang="' + esc(form.elements.lang.value) + '"';
    OPTIONS.forEach(function (n) {
      var v = form.elements[n].value;
      if (v === DEFAULTS[n]) return;
      q.set(n, v);
      data += " data-" + n + '="' + esc(v) + '"';
    });
    var note = d.getElementById("host-note");
    note.textContent = !host ? "Enter the full address of a page, such as https://www.example.org/post." :
      ok ? "" : host + " is not in SHAREPROXY_ALLOWED_DOMAINS of this server: the buttons will not show there until you add it.";
    var src = "/buttons?" + q.toString();
    clearTimeout(pending);
    if (ok && nets.length && src !== shown) {
      pending = setTimeout(function () { shown = src; preview.src = src; }, 250);
    }

    set("snippet-script", '<div data-shareproxy' + data + '></div>\n<script src="' + base + '/embed.js" async></script>');
    // Only clipboard-write: web-share is unknown to some browsers (Chromium on desktop
    // Linux logs "Unrecognized feature"), so the Web Share button is the loader's, which
    // asks for it where it is known.
    d.getElementById("iframe-share-note").hidden = nets.indexOf("share") < 0;
    var height = Math.max(40, parseInt(preview.style.height, 10) || 44, phoneHeight(preview));
    set("snippet-iframe", '<iframe src="' + esc(base + "/buttons?" + q.toString()) + '"\n        title="Share this page" loading="lazy" allow="clipboard-write"' +
      '\n        style="border:0;width:100%;height:' + height + 'px"></iframe>');

    var lq = new URLSearchParams(q);
    lq.delete("mode");
    var linksUrl = base + "/snippet?" + lq.toString();
    set("snippet-links-url", linksUrl);
    var token = ++linksToken;
    if (ok && nets.length) {
      fetch("/snippet?" + lq.toString()).then(function (r) {
        return r.ok ? r.text() : Promise.reject(new Error(String(r.status)));
      }).then(function (html) {
        if (token === linksToken) set("snippet-links", html.trim());
      }, function () {
        if (token === linksToken) set("snippet-links", "<!-- the snippet could not be fetched: check the page URL -->");
      });
    } else {
      set("snippet-links", "<!-- pick a network and a page on an allowed host -->");
    }

    var page = encodeURIComponent(form.elements.url.value), badges = [], imgs = d.getElementById("badge-preview");
    imgs.textContent = "";
    form.querySelectorAll("input[name=networks]:checked").forEach(function (c) {
      if (!c.hasAttribute("data-share")) return;
      var theme = form.elements.theme.value === "auto" ? "color" : form.elements.theme.value;
      var img = base + "/badge/" + c.value + ".png?url=" + page + "&scale=2&lang=" + form.elements.lang.value + "&theme=" + theme;
      badges.push('<a href="' + esc(base + "/share/" + c.value + "?url=" + page) + '"><img src="' +
        esc(img) + '" alt="' + esc(c.getAttribute("data-alt")) + '" height="20"></a>');
      if (ok) {
        var el = d.createElement("img");
        el.src = img;
        el.alt = c.getAttribute("data-alt");
        el.height = 20;
        imgs.appendChild(el);
      }
    });
    set("snippet-badges", badges.join("\n") || "<!-- badges exist for networks with a share page; pick one -->");
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  preview.addEventListener("load", function () { setTimeout(update, 50); });
  update();
})();
