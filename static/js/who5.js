// WHO-5 on the device: when a pulse asks all five WHO-5 items, the thank-you shows the person's
// own 0-100 score. It is computed here from the answers just given, kept only in this tab's
// sessionStorage until shown, and never sent to the server. No inline script (CSP).
(function () {
  "use strict";
  var KEY = "tillidspuls-who5";
  var ITEMS = ["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"];

  // Raw sum (0-25) times four; null unless all five were answered (a skip means no score).
  function scoreOf(form) {
    var sum = 0;
    for (var i = 0; i < ITEMS.length; i++) {
      var chosen = form.querySelector('input[name="q_' + ITEMS[i] + '"]:checked');
      if (!chosen || chosen.value === "") return null;
      var value = parseInt(chosen.value, 10);
      if (isNaN(value) || value < 0 || value > 5) return null;
      sum += value;
    }
    return sum * 4;
  }

  function remember(score) {
    try {
      if (score === null) sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, String(score));
    } catch (e) { /* storage off: no score, nothing else changes */ }
  }

  // Capture phase: runs before htmx (or a plain submit) sends the form and it leaves the DOM.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.querySelector && form.querySelector('input[name="q_who5_1"]')) {
      remember(scoreOf(form));
    }
  }, true);

  function show(root) {
    var box = root.querySelector ? root.querySelector("[data-who5-result]") : null;
    if (!box) return;
    var stored = null;
    try {
      stored = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY);
    } catch (e) { return; }
    var score = stored === null ? NaN : parseInt(stored, 10);
    if (isNaN(score) || score < 0 || score > 100) return;
    box.querySelector("[data-who5-score]").textContent = String(score);
    var band = score <= 35 ? "low" : score <= 50 ? "reduced" : "good";
    box.querySelectorAll("[data-who5-band]").forEach(function (part) {
      part.hidden = part.getAttribute("data-who5-band") !== band;
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () { show(document); });
  document.addEventListener("htmx:load", function (event) { show(event.target); });
})();
