/* tierwise portal: the live screen. The page's live part (#live-part) names its stream in
   `data-stream`; each `screen` event carries the part again as HTML rendered by the server
   in the reader's language, and replaces it (ticked creators stay ticked). EventSource
   reconnects by itself after a break; the status line says when the part last changed. */
(function () {
  "use strict";

  function start() {
    var part = document.getElementById("live-part");
    if (!part || !part.dataset.stream || !window.EventSource) {
      return;
    }
    var status = document.getElementById("live-status");
    var source = new EventSource(part.dataset.stream);

    function ticked() {
      var boxes = part.querySelectorAll("input[type=checkbox]:checked");
      return Array.prototype.map.call(boxes, function (box) {
        return box.value;
      });
    }

    source.addEventListener("screen", function (event) {
      var keep = ticked();
      part.innerHTML = event.data;
      keep.forEach(function (value) {
        var box = part.querySelector('input[type=checkbox][value="' + CSS.escape(value) + '"]');
        if (box) {
          box.checked = true;
        }
      });
      part.dataset.updates = String(Number(part.dataset.updates || "0") + 1);
      if (status) {
        status.textContent = new Date().toLocaleTimeString();
      }
    });
    source.addEventListener("open", function () {
      part.dataset.connected = "true";
    });
    source.addEventListener("error", function () {
      part.dataset.connected = "false";
    });
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
