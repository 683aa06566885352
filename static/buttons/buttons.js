/* shareproxy buttons: popups, two-click activation, Mastodon, copy, counts, resize. */
(function () {
  "use strict";
  var d = document, W = window, root = d.querySelector(".sp-buttons");
  if (!root) return;
  var ds = root.dataset, origin = ds.origin, K = "shareproxy.twoclick.";
  var RECENT = "shareproxy.fediverse.recent";

  function tell(msg) { if (origin && W.parent !== W) W.parent.postMessage(msg, origin); }
  // The content's height (scrollHeight never drops below the frame's: no shrinking back)
  function height() {
    var b = 0;
    d.querySelectorAll("body,body *").forEach(function (e) { b = Math.max(b, e.getBoundingClientRect().bottom); });
    return Math.ceil(b + W.scrollY);
  }
  function send() { tell({type: "shareproxy:resize", height: height()}); }
  //= frame-store.js
  function reload(add, drop) {
    var u = new URL(location.href), a = (u.searchParams.get("activate") || "").split(",");
    a = a.concat(add).filter(function (n, i, all) { return n && all.indexOf(n) === i && drop.indexOf(n) < 0; });
    if (a.length) u.searchParams.set("activate", a.join(",")); else u.searchParams.delete("activate");
    u.hash = Object.keys(mem).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(mem[k]); }).join("&");
    location.replace(u.href);
  }
  function popup(href) {
    var w = 600, h = 460, x = Math.max(0, (screen.width - w) / 2), y = Math.max(0, (screen.height - h) / 2);
    W.open(href, "_blank", "noopener,noreferrer,width=" + w + ",height=" + h + ",left=" + x + ",top=" + y);
  }
  function fmt(n) {
    if (n < 1e3) return "" + n;
    var u = [1e3, "k", 1e6, "M", 1e9, "G"];
    for (var i = 0; i < 6; i += 2) {
      var t = Math.round(n / u[i] * 10);
      if (t < 1e4 || i === 4) return t / 10 + u[i + 1];
    }
  }

  // A two-click network the visitor chose to remember is activated at once.
  var want = [];
  d.querySelectorAll("[data-twoclick]").forEach(function (b) {
    if (store(K + b.dataset.network) === "1") want.push(b.dataset.network);
  });
  if (want.length) { reload(want, []); return; }
  d.querySelectorAll("[data-remember]").forEach(function (c) {
    c.checked = store(K + c.dataset.remember) === "1";
    c.addEventListener("change", function () { store(K + c.dataset.remember, c.checked ? "1" : null); });
  });
  // Web Share where this frame may use it (allow="web-share")
  var fp = d.featurePolicy;
  if (W.navigator.share && (!fp || !fp.allowsFeature || fp.allowsFeature("web-share"))) d.querySelectorAll("li.sp-share").forEach(function (li) { li.hidden = false; });


  root.addEventListener("click", function (e) {
    var el = e.target.closest("a[data-popup],[data-network],[data-forget]");
    if (!el || el.tagName === "DIV") return;
    var n = el.dataset.network;
    if (el.dataset.forget) { store(K + el.dataset.forget, null); reload([], [el.dataset.forget]); return; }
    if (el.hasAttribute("data-twoclick")) { reload([n], []); return; }
    if (el.hasAttribute("aria-controls")) {  // a fediverse button: its server picker
      e.preventDefault();
      var f = d.getElementById(el.getAttribute("aria-controls"));
      d.querySelectorAll("form.sp-masto").forEach(function (o) {
        if (o !== f && !o.hidden) { o.hidden = true; root.querySelector('[aria-controls="' + o.id + '"]').setAttribute("aria-expanded", "false"); }
      });
      f.hidden = !f.hidden;
      el.setAttribute("aria-expanded", String(!f.hidden));
      if (!f.hidden) { chips(f); f.elements.instance.focus(); }
      send();
    } else if (n === "copy") {
      var label = el.querySelector(".sp-label"), old = label.textContent, live = d.querySelector("[data-live]");
      if (W.navigator.clipboard) W.navigator.clipboard.writeText(ds.url).then(function () {
        label.textContent = live.textContent = el.dataset.done;
        setTimeout(function () { label.textContent = old; live.textContent = ""; }, 2000);
      }, function () {});
    } else if (n === "print") {
      if (origin && W.parent !== W) tell({type: "shareproxy:print"}); else W.print();
    } else if (n === "share") {
      W.navigator.share({title: ds.title, url: ds.url}).catch(function () {});
    } else if (el.hasAttribute("data-popup") && !(e.ctrlKey || e.metaKey || e.shiftKey)) {
      e.preventDefault();
      popup(el.href);
    }
  });

  // The fediverse picker: the visitor's server as a name, a handle or a profile URL; only
  // the host leaves the browser (never the handle), through /share/<network>, which finds
  // the server's software, counts the share and sends the visitor on.
  function fediHost(text) {
    var t = String(text || "").trim().toLowerCase(), at;
    if (!t || /\s/.test(t)) return "";
    if (t.indexOf("://") >= 0) {
      try {
        var u = new URL(t);
        if (!/^https?:$/.test(u.protocol) || (u.port && u.port !== "443")) return "";
        t = u.hostname;
      } catch (x) { return ""; }
    } else {
      t = t.replace(/^@/, "").split(/[\/?#]/)[0];
      at = t.lastIndexOf("@");
      if (at >= 0) t = t.slice(at + 1);
    }
    t = t.replace(/\.$/, "");
    return /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(t) && !/^[0-9.]+$/.test(t) ? t : "";
  }
  function recent() {
    var list;
    try { list = JSON.parse(store(RECENT) || "[]"); } catch (x) { list = []; }
    if (!Array.isArray(list)) list = [];
    var old = store("shareproxy.mastodon.instance");  // the one server earlier versions kept
    if (old && list.indexOf(old) < 0) list.push(old);
    return list.filter(function (h) { return typeof h === "string" && fediHost(h) === h; }).slice(0, 5);
  }
  function chips(f) {
    var box = f.querySelector(".sp-recent"), holder = box.querySelector(".sp-chips"), list = recent();
    holder.textContent = "";
    list.forEach(function (h) {
      var b = d.createElement("button");
      b.type = "button"; b.className = "sp-chip"; b.dir = "ltr"; b.textContent = h; b.dataset.host = h;
      holder.appendChild(b);
    });
    box.hidden = !list.length;
  }
  function closeForm(f, focus) {
    var opener = root.querySelector('[aria-controls="' + f.id + '"]');
    f.hidden = true; opener.setAttribute("aria-expanded", "false");
    if (focus) opener.focus();
    send();
  }
  function go(f, host) {
    var q = new URLSearchParams(), i = f.elements;
    ["url", "title", "lang", "theme"].forEach(function (k) { if (i[k] && i[k].value) q.set(k, i[k].value); });
    q.set("instance", host);
    store(RECENT, JSON.stringify([host].concat(recent().filter(function (h) { return h !== host; })).slice(0, 5)));
    store("shareproxy.mastodon.instance", null);
    popup(f.getAttribute("action") + "?" + q.toString());
    closeForm(f, false);
  }
  d.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList.contains("sp-masto")) return;
    e.preventDefault();
    var i = f.elements.instance, err = f.querySelector(".sp-err"), host = fediHost(i.value);
    if (!host) {
      err.textContent = f.dataset.invalid; i.setAttribute("aria-invalid", "true"); i.focus(); send(); return;
    }
    err.textContent = ""; i.removeAttribute("aria-invalid");
    go(f, host);
  });
  d.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest(".sp-masto button[type=button]") : null;
    if (!b) return;
    var f = b.form;
    if (b.dataset.host) { go(f, b.dataset.host); return; }
    store(RECENT, null); store("shareproxy.mastodon.instance", null); chips(f); f.elements.instance.focus(); send();
  });
  d.addEventListener("keydown", function (e) {
    var f = e.target.form;
    if (e.key === "Escape" && f && f.classList.contains("sp-masto")) closeForm(f, true);
  });

  if (ds.fetch && W.fetch) {
    fetch("/api/counts?url=" + encodeURIComponent(ds.url) + "&networks=" + encodeURIComponent(ds.fetch))
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (counts) {
        ds.fetch.split(",").forEach(function (n) {
          var a = root.querySelector('[data-network="' + n + '"]'), c = counts[n];
          if (!a || typeof c !== "number" || c < 0 || a.querySelector(".sp-count")) return;
          var s = d.createElement("span");
          s.className = "sp-count"; s.id = "spc-" + n; s.textContent = fmt(c);
          a.appendChild(s); a.setAttribute("aria-describedby", s.id);
        });
        send();
      }).catch(function () {});
  }
  if (W.ResizeObserver) new ResizeObserver(send).observe(d.body);
  send();
})();
