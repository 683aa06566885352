/* The demo page's snippet builder. */
(function () {
  "use strict";
  var d = document, form = d.getElementById("builder");
  if (!form) return;
  var base = location.origin;
  function esc(s) { return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }
  function update() {
    var q = new URLSearchParams(), nets = [], data = "";
    form.querySelectorAll("input[name=networks]:checked").forEach(function (c) { nets.push(c.value); });
    q.set("url", form.elements.url.value);
    if (form.elements.title.value) q.set("title", form.elements.title.value);
    q.set("networks", nets.join(","));
    ["lang", "theme", "orientation", "style", "counts", "mode"].forEach(function (n) {
      q.set(n, form.elements[n].value);
      data += " data-" + n + '="' + esc(form.elements[n].value) + '"';
    });
    d.getElementById("preview").src = "/buttons?" + q.toString();
    d.getElementById("snippet-iframe").value = '<iframe src="' + esc(base + "/buttons?" + q.toString()) +
      '" title="Share" loading="lazy" allow="clipboard-write; web-share" style="border:0;width:100%;height:44px"></iframe>';
    d.getElementById("snippet-script").value = '<div data-shareproxy data-networks="' + esc(nets.join(",")) + '"' + data +
      '></div>\n<script src="' + esc(base) + '/embed.js" async></script>';
    q.delete("mode");
    d.getElementById("snippet-links").value = "GET " + base + "/snippet?" + q.toString();
    var page = encodeURIComponent(form.elements.url.value), badges = [];
    form.querySelectorAll("input[name=networks]:checked").forEach(function (c) {
      if (!c.hasAttribute("data-share")) return;
      var img = base + "/badge/" + c.value + ".png?url=" + page + "&scale=2&lang=" +
        form.elements.lang.value + "&theme=" + form.elements.theme.value;
      badges.push('<a href="' + esc(base + "/share/" + c.value + "?url=" + page) + '"><img src="' +
        esc(img) + '" alt="' + esc(c.dataset.alt) + '" height="20"></a>');
    });
    d.getElementById("snippet-badges").value = badges.join("\n");
  }
  form.addEventListener("change", update);
  d.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var t = d.getElementById(b.dataset.copy);
      if (navigator.clipboard) navigator.clipboard.writeText(t.value);
    });
  });
  update();
})();
