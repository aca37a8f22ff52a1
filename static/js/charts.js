// Draws the charts of a team page with plotly.js (basic bundle). Each chart's figure comes as
// JSON in its own `data-chart` attribute: no inline script runs (CSP), and htmx drops <script>
// elements from swapped content (allowScriptTags: false), so the data can't live in one.
//
// htmx swaps a section with outerHTML: the element an event names may be the old, detached
// one. `htmx:load` names the new content, so charts are drawn there (and on first load).
(function () {
  "use strict";

  function charts(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.matches && root.matches("[data-chart]")) found.unshift(root);
    return found;
  }

  function draw(root) {
    if (!window.Plotly || !root || !root.isConnected) return;
    charts(root).forEach(function (element) {
      var spec = JSON.parse(element.getAttribute("data-chart"));
      window.Plotly.react(element, spec.data, spec.layout, {
        displayModeBar: false, responsive: true, logging: 0
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document.body); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
