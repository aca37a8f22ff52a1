// Tillidspuls: the few lines of script the pages need. No inline script anywhere (CSP).
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // Each answer form gets an idempotency key made in this browser: however often the same
  // submission is sent (double tap, retry, offline replay), the server stores it once.
  function stampKeys(root) {
    root.querySelectorAll("input[data-client-key]:not([data-stamped])").forEach(function (input) {
      input.value = newKey();
      input.setAttribute("data-stamped", "");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { stampKeys(document); });
  document.addEventListener("htmx:load", function (event) { stampKeys(event.target); });

  // After htmx replaces the pulse, move focus to what changed: the first error, or the new
  // heading (thank-you, already answered). Screen readers announce it; sighted people see it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var region = document.getElementById("pulse");
    if (!region || !region.contains(event.target) && event.target !== region) return;
    var target = region.querySelector(".error") || region.querySelector("h1");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  });

  // A request that failed for a reason we did not render (network, server): say so.
  document.addEventListener("htmx:sendError", showRequestError);
  document.addEventListener("htmx:responseError", showRequestError);
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) box.hidden = true;
  });
  // In the unit picker (admin/_unit_field.html), Enter searches now instead of submitting the
  // form before a unit is chosen.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("input[data-picker]")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(input, "search");
  });
  function showRequestError() {
    var box = document.getElementById("request-error");
    if (box) box.hidden = false;
  }
})();
