/* Sésame's service worker, served at /sw.js by pwa/offline.py, which fills in the lists
   below from the files they name and versions them by a hash of those files' bytes.
   The rule it applies (see pwa/offline.py): only these URLs are ever stored, fetched by
   the worker itself without cookies; nothing the user receives is stored. */
"use strict";

const VERSION = {{ version | tojson }};
const CACHE = "sesame-" + VERSION;
const ASSETS = {{ assets | tojson }};
const PAGES = {{ pages | tojson }};
const OFFLINE = {{ offline | tojson }};
const SLOW_MS = 4000;
const DOWNLOADS = /^\/\.well-known\/|^\/mail\/|\.mobileconfig$/;
// An exact URL (path and query) is the key: a query that is not on the lists (a code, a
// token) is never answered from the cache.
const key = (url) => {
  const u = new URL(url, self.location.origin);
  return u.origin === self.location.origin ? u.pathname + u.search : null;
};
const ASSET_SET = new Set(ASSETS.map(key));
const PAGE_SET = new Set(PAGES.map(key));

self.addEventListener("install", (event) => {
  // All or nothing, like cache.addAll, but without cookies and revalidating the HTTP cache
  // (a stale copy there must not be stored under the new version).
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        ASSETS.concat(PAGES).map((path) =>
          fetch(new Request(path, { credentials: "omit", cache: "no-cache" })).then((response) => {
            if (!response.ok || response.redirected) throw new Error(path + " answered " + response.status);
            return cache.put(key(path), response);
          })
        )
      )
    )
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // This worker owns the origin's Cache Storage: every other cache is an old version.
      for (const name of await caches.keys()) {
        if (name !== CACHE) await caches.delete(name);
      }
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // form posts always go to the network
  const kept = key(request.url);
  if (kept === null) return; // another origin
  if (DOWNLOADS.test(kept)) return; // files for other programs (mail apps, iOS profiles): untouched
  if (ASSET_SET.has(kept)) {
    event.respondWith(fromCache(kept).then((copy) => copy || fetch(request)));
    if (request.mode === "navigate") event.waitUntil(preloaded(event).catch(() => {})); // unused
  } else if (request.mode === "navigate" || request.headers.get("HX-History-Restore-Request") === "true") {
    event.respondWith(page(event, kept));
  }
  // Anything else (htmx fragments, other files) goes to the network untouched.
});

// The navigation preload's answer (undefined when the browser has none).
function preloaded(event) {
  return Promise.resolve(event.preloadResponse);
}

async function fromCache(kept) {
  const cache = await caches.open(CACHE);
  return cache.match(kept, { ignoreVary: true });
}

// Whole pages: the network first; without it, the stored copy of a kept page, or the
// offline page (it says forms need the network). On a network that hangs (one bar of
// signal), a kept page's copy is shown after SLOW_MS rather than a blank screen.
async function page(event, kept) {
  const network = preloaded(event).then((response) => response || fetch(event.request));
  network.catch(() => {}); // handled below; not an "uncaught" error when the copy won
  const copy = PAGE_SET.has(kept) ? fromCache(kept) : Promise.resolve(undefined);
  const slow = new Promise((resolve) => setTimeout(resolve, SLOW_MS));
  try {
    return await Promise.race([network, slow.then(() => copy.then((found) => found || network))]);
  } catch (error) {
    return (await copy) || (await fromCache(OFFLINE)) || Response.error();
  }
}
