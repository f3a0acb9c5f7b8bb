// The token inspector's clock: each <time class="countdown"> shows its
// instant in the browser's local time and counts down to it (or up from it),
// in the page's language: its words come from the page, in the JSON of
// <script id="countdown-words">, keyed by their English. The button
// #pause-countdowns, shown by this script, stops the countdowns and starts
// them again (WCAG 2.2 Success Criterion 2.2.2, Pause, Stop, Hide: text
// that updates by itself can be paused); aria-pressed says which it is.
"use strict";
(function () {
  var words = JSON.parse(document.getElementById("countdown-words").textContent);
  function say(key, value) {
    return (words[key] || key).replace("%s", value);
  }
  function span(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return (h ? say("%sh", h) + " " : "") + (h || m ? say("%sm", m) + " " : "") + say("%ss", s % 60);
  }
  function tick() {
    var now = Date.now(), lang = document.documentElement.lang;
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      var left = Math.round((at - now) / 1000);
      el.textContent = new Date(at).toLocaleString(lang) + " (" + say(left >= 0 ? "in %s" : "%s ago", span(left)) + ")";
    });
  }
  tick();
  var timer = setInterval(tick, 1000);
  var pause = document.getElementById("pause-countdowns");
  pause.hidden = false;
  pause.addEventListener("click", function () {
    var paused = pause.getAttribute("aria-pressed") !== "true";
    pause.setAttribute("aria-pressed", String(paused));
    clearInterval(timer);
    if (!paused) {
      tick();
      timer = setInterval(tick, 1000);
    }
  });
})();
