// Tillidspuls service worker, served from /sw.js so that it controls every page.
//
// What it keeps: the app shell (CSS, scripts, icons, the offline page) and, for the signed-in
// device only, the answer page of an open round the person has not answered yet, so that it can
// be answered offline. Never results, TRIO or MED pages, never the home page, nothing else
// personal. Kept pages are dropped at sign-out and whenever the server no longer lists them.
"use strict";

const VERSION = {{ version|tojson }};
const SHELL_CACHE = "pulse-shell-" + VERSION;
const PAGES_CACHE = "pulse-pages-" + VERSION;
const SHELL = {{ shell|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const ICON = {{ icon|tojson }};
const ANSWER_PAGE = /^\/pulse\/\d+$/;
const HASHED = /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/;

// The outbox (IndexedDB + replay) is shared with the pages: Background Sync replays it here.
importScripts({{ outbox_script|tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // A content-hashed file ("app.<hash>.js") never changes under its name: take it from the
    // HTTP cache, where the page that registered this worker has just put it. Only the
    // unhashed pages of the shell (offline page, manifest) are fetched fresh.
    await cache.addAll(SHELL.map((url) => (HASHED.test(url) ? url : new Request(url, { cache: "reload" }))));
    await syncPages().catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL_CACHE && name !== PAGES_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** Keep exactly the pages the server lists for this device (none when signed out). */
async function syncPages() {
  const reply = await fetch("/pwa/pages", { credentials: "same-origin", cache: "no-store" });
  if (!reply.ok) return;
  const { pages } = await reply.json();
  const cache = await caches.open(PAGES_CACHE);
  for (const request of await cache.keys()) {
    if (!pages.includes(new URL(request.url).pathname)) await cache.delete(request);
  }
  for (const path of pages) {
    if (!ANSWER_PAGE.test(path) || (await cache.match(path))) continue;
    const page = await fetch(path, { credentials: "same-origin", cache: "no-store" });
    if (page.ok && !page.redirected) await cache.put(path, page);
  }
}

async function forgetPersonalPages() {
  for (const name of await caches.keys()) {
    if (name.startsWith("pulse-pages-")) await caches.delete(name);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Posts (answers, settings) and other sites always go straight to the network.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
  // Everything else (fragments, JSON, results) is not touched and never stored.
});

/** Pages: network first; without a network a kept answer page, or the offline page. */
async function navigate(event, url) {
  if (url.pathname === "/signed-out") event.waitUntil(forgetPersonalPages());
  try {
    return await fetch(event.request);
  } catch (error) {
    if (ANSWER_PAGE.test(url.pathname)) {
      const kept = await caches.match(url.pathname, { cacheName: PAGES_CACHE });
      if (kept) return kept;
    }
    const offline = await caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE });
    return offline || Response.error();
  }
}

async function cacheFirst(request) {
  const kept = await caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true });
  return kept || fetch(request);
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "sync-pages") event.waitUntil(syncPages().catch(() => {}));
  if (type === "sign-out") event.waitUntil(forgetPersonalPages());
  // A page that was still loading when the worker activated missed clients.claim().
  if (type === "claim") event.waitUntil(self.clients.claim());
});

self.addEventListener("sync", (event) => {
  if (event.tag !== PulseOutbox.SYNC_TAG) return;
  event.waitUntil((async () => {
    const { remaining } = await PulseOutbox.replay();
    const windows = await self.clients.matchAll({ type: "window" });
    windows.forEach((client) => client.postMessage({ type: "outbox-replayed" }));
    // Throwing asks the browser to try again later.
    if (remaining) throw new Error("outbox not empty yet");
  })());
});

// Web push: a round opened or closes soon. The payload holds no answers and no names.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const path = typeof data.url === "string" && /^\/(?!\/)/.test(data.url) ? data.url : "/";
  event.waitUntil(self.registration.showNotification(data.title || "Tillidspuls", {
    body: data.body || "",
    icon: ICON,
    badge: ICON,
    tag: data.tag || "pulse",
    data: { url: path },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if ("focus" in client) {
        await client.focus();
        return client.navigate ? client.navigate(target) : undefined;
      }
    }
    return self.clients.openWindow(target);
  })());
});
