// Draws the charts of a team page with plotly.js (basic bundle). The figures come as JSON in a
// <script type="application/json"> beside each chart; no inline script runs (CSP).
(function () {
  "use strict";

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      window.Plotly.react(element, spec.data, spec.layout, {
        displayModeBar: false, responsive: true, logging: 0
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
