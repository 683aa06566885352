/* The fediverse share page: recent servers (kept in this browser only) and the copy button. */
(function () {
  "use strict";
  var d = document, W = window, KEY = "shareproxy.fediverse.recent", MAX = 5;
  var main = d.querySelector(".sp-fedi");
  if (!main) return;

  function recent() {
    try {
      var list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (h) { return typeof h === "string" && host(h) === h; }).slice(0, MAX) : [];
    } catch (e) { return []; }
  }
  function keep(list) {
    try { if (list.length) localStorage.setItem(KEY, JSON.stringify(list)); else localStorage.removeItem(KEY); } catch (e) { /* storage refused */ }
  }
  function remember(h) {
    if (!h) return;
    keep([h].concat(recent().filter(function (x) { return x !== h; })).slice(0, MAX));
  }
  // The server's host from a name, a handle (@alice@host) or a profile URL, as the server reads it.
  function host(text) {
    var t = String(text || "").trim().toLowerCase(), m;
    if (!t || /\s/.test(t)) return "";
    if (t.indexOf("://") >= 0) {
      try { var u = new URL(t); if (!/^https?:$/.test(u.protocol) || (u.port && u.port !== "443")) return ""; t = u.hostname; } catch (e) { return ""; }
    } else {
      t = t.replace(/^@/, "");
      m = t.lastIndexOf("@");
      if (m >= 0) t = t.slice(m + 1);
      t = t.split(/[\/?#]/)[0];
    }
    t = t.replace(/\.$/, "");
    return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(t) && !/^[0-9.]+$/.test(t) ? t : "";
  }

  if (main.dataset.host) remember(main.dataset.host);

  var form = d.querySelector("form.sp-ask");
  if (form) {
    var input = form.elements.instance, box = form.querySelector(".sp-recent"), ul = box.querySelector("ul");
    var draw = function () {
      var list = recent();
      ul.textContent = "";
      list.forEach(function (h) {
        var li = d.createElement("li"), b = d.createElement("button");
        b.type = "button"; b.textContent = h; b.dataset.host = h; b.dir = "ltr";
        li.appendChild(b); ul.appendChild(li);
      });
      box.hidden = !list.length;
    };
    draw();
    if (!input.value && !input.hasAttribute("autofocus")) input.focus();
    box.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) return;
      if (b.classList.contains("sp-forget")) { keep([]); draw(); input.focus(); return; }
      input.value = b.dataset.host;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
    form.addEventListener("submit", function (e) {
      var h = host(input.value), err = form.querySelector(".sp-err");
      if (!h) {
        e.preventDefault();
        err.textContent = form.dataset.invalid;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "sp-hint sp-err");
        input.focus();
        return;
      }
      input.value = h;  // only the host leaves the browser, never a handle or profile
      remember(h);
    });
  }

  var copy = d.querySelector(".sp-copytext"), text = d.getElementById("sp-text");
  if (copy && text && W.navigator.clipboard) {
    copy.hidden = false;
    var live = d.querySelector("[data-live]"), label = copy.textContent;
    copy.addEventListener("click", function () {
      W.navigator.clipboard.writeText(text.value).then(function () {
        copy.textContent = live.textContent = copy.dataset.done;
        setTimeout(function () { copy.textContent = label; live.textContent = ""; }, 2000);
      }, function () { text.select(); });
    });
  }
  if (text) text.addEventListener("focus", function () { text.select(); });
})();
