// The offline outbox. An answer given without a connection waits in IndexedDB with its
// idempotency key (submission_key) and is sent when the device is online again: on the
// `online` event, on the next page load, and by Background Sync in the service worker (which
// loads this file with importScripts). The server stores a submission once however often it
// arrives, so sending again after a lost reply is safe. Before a replay a fresh CSRF token is
// fetched: the one in a kept page may belong to an older session.
(function (scope) {
  "use strict";

  var DB_NAME = "tillidspuls";
  var SYNC_TAG = "pulse-outbox";
  var ANSWER_URL = /^\/pulse\/\d+$/;
  // After this many failed tries an item is given up, visibly (a reply we can't place).
  var MAX_ATTEMPTS = 20;
  // The answer page's states as the server writes them into data-state: exactly the values of
  // AnswerState in pulse/survey/states.py (tests/unit/test_contracts.py holds them together).
  var STATE = { THANKS: "thanks", ALREADY_ANSWERED: "already_answered", CLOSED: "closed" };
  // The state outbox.js gives the card it shows while an answer waits (never from the server).
  var SAVED = "saved";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "key" });
        request.result.createObjectStore("notices", { autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  /** Run `work(store)` in one transaction; resolves with its request's result when done. */
  function inStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () { db.close(); resolve(request && request.result); };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  var outbox = {
    put: function (item) { return inStore("outbox", "readwrite", function (s) { return s.put(item); }); },
    all: function () { return inStore("outbox", "readonly", function (s) { return s.getAll(); }); },
    remove: function (key) { return inStore("outbox", "readwrite", function (s) { return s.delete(key); }); },
  };

  function addNotice(notice) {
    return inStore("notices", "readwrite", function (s) { return s.add(notice); });
  }

  /** Take the notices out (read and delete in one transaction). */
  function takeNotices() {
    return inStore("notices", "readwrite", function (s) {
      var request = s.getAll();
      request.onsuccess = function () { s.clear(); };
      return request;
    });
  }

  function clearAll() {
    return Promise.all([
      inStore("outbox", "readwrite", function (s) { return s.clear(); }),
      inStore("notices", "readwrite", function (s) { return s.clear(); }),
    ]);
  }

  /** One replay at a time across tabs and the worker (where the browser has Web Locks). */
  function exclusively(work) {
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request("pulse-outbox", work) : work();
  }

  /** A fresh CSRF token, and the tag of whoever is signed in now ("" when nobody is). */
  function freshSession() {
    return fetch("/pwa/csrf", { credentials: "same-origin", cache: "no-store" }).then(function (reply) {
      if (!reply.ok) throw new Error("no CSRF token");
      return reply.json();
    });
  }

  /** Send one item; resolves with {outcome, html}. Outcomes: sent, closed, already_answered,
   *  refused (each final: the item leaves the outbox) or retry (kept). Rejects when offline. */
  function send(item, token) {
    var body = new URLSearchParams();
    item.fields.forEach(function (field) {
      body.append(field[0], field[0] === "csrf_token" ? token : field[1]);
    });
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": token,
        "HX-Request": "true",
        "HX-Target": "pulse",
      },
      body: body,
    }).then(function (reply) {
      return reply.text().then(function (html) {
        // Redirected: signed out. Keep it (not a failed try); it goes when this person signs
        // in again.
        if (reply.redirected) return { outcome: "signed-out" };
        var state = (html.match(/data-state="([a-z_]+)"/) || [])[1];
        if (reply.status === 200 && state === STATE.THANKS) return { outcome: "sent", html: html };
        if (reply.status === 409 && state === STATE.CLOSED) return { outcome: "closed", html: html };
        if (reply.status === 409) return { outcome: "already_answered", html: html };
        if (reply.status === 404 || reply.status === 422) return { outcome: "refused" };
        return { outcome: "retry" };
      });
    });
  }

  /** Send everything in the outbox; resolves with {remaining}. Results become notices. */
  function replay() {
    return exclusively(function () {
      return outbox.all().then(function (items) {
        if (!items.length) return { remaining: 0 };
        return freshSession().then(function (session) {
          var token = session.token;
          // Only the person who gave the answers may send them: on a shared device another
          // person's kept answers wait until that person signs in again.
          var mine = items.filter(function (item) { return session.owner && item.owner === session.owner; });
          var remaining = items.length - mine.length;
          return mine.reduce(function (previous, item) {
            return previous.then(function () {
              return send(item, token).then(function (result) {
                if (result.outcome === "signed-out") { remaining += 1; return null; }
                item.attempts = (item.attempts || 0) + 1;
                if (result.outcome === "retry" && item.attempts < MAX_ATTEMPTS) {
                  remaining += 1;
                  return outbox.put(item);
                }
                var outcome = result.outcome === "retry" ? "refused" : result.outcome;
                return outbox.remove(item.key).then(function () {
                  return addNotice({ outcome: outcome, url: item.url, html: result.html || "" });
                });
              }, function () { remaining += 1; });
            });
          }, Promise.resolve()).then(function () { return { remaining: remaining }; });
        }, function () { return { remaining: items.length }; });
      });
    });
  }

  function count() {
    return outbox.all().then(function (items) { return items.length; });
  }

  scope.PulseOutbox = { SYNC_TAG: SYNC_TAG, replay: replay, count: count };

  // ------------------------------------------------------------------------------------------
  // In a page: keep a submission that can't be sent, show what happened to kept ones.
  if (typeof document === "undefined") return;

  function answerForm(element) {
    var form = element && element.closest && element.closest("form[hx-post]");
    return form && ANSWER_URL.test(new URL(form.action).pathname) ? form : null;
  }

  function fromTemplate(id) {
    var template = document.getElementById(id);
    return template ? template.content.firstElementChild.cloneNode(true) : null;
  }

  function focusHeading(region) {
    var heading = region.querySelector("h1");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
    heading.scrollIntoView({ block: "center" });
  }

  function keep(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    var key = fields.filter(function (field) { return field[0] === "submission_key"; })[0];
    if (!key) return;
    var item = {
      key: key[1],
      url: new URL(form.action).pathname,
      fields: fields,
      attempts: 0,
      owner: document.body.getAttribute("data-outbox-owner") || "",
    };
    outbox.put(item).then(function () {
      var region = document.getElementById("pulse");
      var saved = fromTemplate("outbox-saved");
      var error = document.getElementById("request-error");
      if (error) error.hidden = true;
      if (region && saved) {
        saved.setAttribute("data-state", SAVED);
        region.replaceChildren(saved);
        focusHeading(region);
      }
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (registration) {
          return registration.sync && registration.sync.register(SYNC_TAG);
        }).catch(function () {});
      }
    }, function () {
      // No storage on this device (e.g. a private window): say it was not sent.
      var error = document.getElementById("request-error");
      if (error) error.hidden = false;
    });
  }

  // Known to be offline: don't even try; keep it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = answerForm(event.detail.elt);
    if (!form || navigator.onLine !== false) return;
    event.preventDefault();
    keep(form);
  });
  // Thought to be online, but the request never got an answer: keep it.
  document.addEventListener("htmx:sendError", function (event) {
    var form = answerForm(event.detail.elt);
    if (form) keep(form);
  });

  function showNotices() {
    return takeNotices().then(function (notices) {
      var box = document.getElementById("outbox-notices");
      (notices || []).forEach(function (notice) {
        var region = document.getElementById("pulse");
        var waiting = region && region.querySelector("[data-state=" + SAVED + "]");
        if (waiting && notice.html && notice.url === location.pathname) {
          // The server's own reply (thank-you, or closed) takes the saved card's place.
          region.outerHTML = notice.html;
          focusHeading(document.getElementById("pulse"));
        }
        var message = fromTemplate("outbox-notice-" + notice.outcome);
        if (box && message) box.appendChild(message);
      });
    });
  }

  function flush() {
    if (navigator.onLine === false) return Promise.resolve();
    return replay().then(showNotices, showNotices);
  }

  scope.PulseOutbox.flush = flush;

  if (location.pathname === "/signed-out" && /[?&]bye=1/.test(location.search)) {
    // Signed out on purpose: nothing of this person's stays on the device. (An expired
    // session also lands on /signed-out, without bye=1: then kept answers wait.)
    exclusively(clearAll);
    try { sessionStorage.removeItem("tillidspuls-who5"); } catch (error) { /* no storage */ }
  } else {
    document.addEventListener("DOMContentLoaded", flush);
    window.addEventListener("online", flush);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "outbox-replayed") showNotices();
      });
    }
  }
})(self);
