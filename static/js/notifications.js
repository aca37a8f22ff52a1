// Settings: turn web push on or off for this device. The browser's permission prompt appears
// only after the person taps "turn on"; the subscription is stored per device.
(function () {
  "use strict";
  var section = document.getElementById("notifications");
  if (!section) return;
  var status = section.querySelector("[data-push-status]");
  var on = section.querySelector("[data-push-on]");
  var off = section.querySelector("[data-push-off]");
  var publicKey = section.getAttribute("data-vapid-key");

  function say(state) { status.textContent = section.getAttribute("data-text-" + state); }
  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    say(subscribed ? "on" : Notification.permission === "denied" ? "denied" : "off");
  }
  function token() {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  }
  function tell(method, body) {
    return fetch("/pwa/subscription", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify(body),
    }).then(function (reply) { if (!reply.ok) throw new Error(reply.status); });
  }
  function keyBytes(base64url) {
    var raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function current() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    });
  }

  if (!publicKey || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) {
    on.hidden = off.hidden = true;
    say("unsupported");
    return;
  }
  current().then(function (subscription) { show(!!subscription); });

  on.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") return show(false);
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(publicKey),
        });
      }).then(function (subscription) {
        return tell("POST", subscription.toJSON());
      }).then(function () { show(true); });
    }).catch(function () { say("failed"); });
  });

  off.addEventListener("click", function () {
    current().then(function (subscription) {
      if (!subscription) return;
      return tell("DELETE", { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () { show(false); }, function () { say("failed"); });
  });

  // Signing out: this device stops getting this person's messages.
  var signOut = document.querySelector('form[action="/logout"]');
  if (signOut) {
    signOut.addEventListener("submit", function (event) {
      if (signOut.hasAttribute("data-push-forgotten")) return;
      event.preventDefault();
      signOut.setAttribute("data-push-forgotten", "");
      current().then(function (subscription) {
        if (!subscription) return;
        return tell("DELETE", { endpoint: subscription.endpoint }).then(function () {
          return subscription.unsubscribe();
        });
      }).catch(function () {}).then(function () { signOut.requestSubmit(); });
    });
  }
})();
