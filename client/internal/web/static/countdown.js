// The token inspector's clock: each <time class="countdown"> shows its
// instant in the browser's local time and counts down to it (or up from it).
"use strict";
(function () {
  function span(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      var left = Math.round((at - now) / 1000);
      el.textContent = new Date(at).toLocaleString() + (left >= 0 ? " (in " + span(left) + ")" : " (" + span(left) + " ago)");
    });
  }
  tick();
  setInterval(tick, 1000);
})();
