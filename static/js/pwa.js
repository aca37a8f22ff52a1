// The installable app: register the service worker (at the site root, so it controls every
// page), keep its offline copy of the open pulse up to date, and offer installation.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});

  // Each page load: the worker asks the server which page it may keep for offline answering
  // (none after sign-out), and drops the others.
  navigator.serviceWorker.ready.then(function (registration) {
    var worker = registration.active;
    if (!worker) return;
    // This page loaded while the worker was activating: ask it to take control now.
    if (!navigator.serviceWorker.controller) worker.postMessage({ type: "claim" });
    var type = location.pathname === "/signed-out" ? "sign-out" : "sync-pages";
    if (navigator.onLine !== false) worker.postMessage({ type: type });
  });

  // The install hint appears only where the browser offers installation.
  var offer = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    offer = event;
    var hint = document.getElementById("install-hint");
    if (hint) hint.hidden = false;
  });
  window.addEventListener("appinstalled", function () {
    var hint = document.getElementById("install-hint");
    if (hint) hint.hidden = true;
  });
  document.addEventListener("click", function (event) {
    if (!offer || !event.target.closest("[data-install]")) return;
    offer.prompt();
    offer = null;
    document.getElementById("install-hint").hidden = true;
  });

  // The offline page links to the pulse kept on this device, if there is one.
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("offline-pages");
    if (!list || !window.caches) return;
    caches.keys().then(function (names) {
      var pages = names.filter(function (name) { return name.indexOf("pulse-pages-") === 0; });
      return Promise.all(pages.map(function (name) {
        return caches.open(name).then(function (cache) { return cache.keys(); });
      }));
    }).then(function (groups) {
      var template = document.getElementById("offline-page-link");
      [].concat.apply([], groups).forEach(function (request) {
        var link = template.content.firstElementChild.cloneNode(true);
        link.href = new URL(request.url).pathname;
        list.appendChild(link);
      });
      list.hidden = !list.children.length;
    });
  });
})();
