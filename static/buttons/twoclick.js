/* shareproxy, two-click mode once a network is activated: its share link stands in until
   the network's script has put its button in place. If the script fails (a content
   blocker, no network) or nothing shows within a few seconds, the link stays and the row
   says why. Runs before those scripts (all deferred, in order); the buttons' script
   resizes the frame when the row changes. */
(function () {
  "use strict";
  var d = document, status = d.querySelector("[data-status]"), live = d.querySelector("[data-live]");
  d.querySelectorAll(".sp-widget").forEach(function (w) {
    var line, timer;
    function fail() {
      if (w.dataset.state !== "loading") return;
      w.dataset.state = "failed";
      line = d.createElement("span");
      line.textContent = w.dataset.failed + " ";
      if (status) status.appendChild(line);
      if (live) live.textContent = w.dataset.failed;
    }
    var watch = new MutationObserver(function (changes) {
      for (var i = 0; i < changes.length; i++) {
        for (var j = 0; j < changes[i].addedNodes.length; j++) {
          if (changes[i].addedNodes[j].nodeType !== 1) continue;
          clearTimeout(timer);
          watch.disconnect();
          w.dataset.state = "ready"; // late is fine: the network's own button wins
          if (line) line.remove();
          return;
        }
      }
    });
    watch.observe(w.querySelector(".sp-official"), {childList: true, subtree: true});
    w.addEventListener("error", fail, true); // a script's load error does not bubble
    timer = setTimeout(fail, 4000);
  });
})();
