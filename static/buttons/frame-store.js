// Shared by buttons.js and embed-page.js: shareproxy/assets.py puts this file in place
// of their line "//= frame-store.js". Where the browser refuses storage to a
// third-party frame, the choice lives in the embedding page's localStorage instead:
// embed.js hands it over in the URL fragment (never sent to a server) and keeps what
// the frame asks it to store (through tell(), which each script defines).
var mem = {};
location.hash.slice(1).split("&").forEach(function (kv) {
  var p = kv.split("=");
  if (p[0] && p.length === 2) mem[decodeURIComponent(p[0])] = decodeURIComponent(p[1]);
});
function store(k, v) {
  try {
    if (v === undefined) return localStorage.getItem(k);
    if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v);
    return null;
  } catch (e) { /* storage refused: ask the embedding page */ }
  if (v === undefined) return mem.hasOwnProperty(k) ? mem[k] : null;
  if (v === null) delete mem[k]; else mem[k] = v;
  tell({type: "shareproxy:store", key: k, value: v});
  return null;
}
