// The service worker: keeps every file the page needs, so that a second visit is ready without the
// network and the page works offline. app.js registers it once the model is ready.
"use strict";

// Every URL the page needs, relative to this worker's scope, with its sha256; `version` hashes all of
// it and this file's code. scripts/offline.py writes it here (scripts/serve.py on each request from the
// working tree, scripts/build.py into dist/), so any changed file makes this script's bytes differ,
// the browser installs the new worker, and the new worker fills a new cache. Left null (this file
// served as it is, by a server that does not write it), the worker keeps nothing.
const SITE = null;

const PREFIX = "lenet-py-";
const CACHE = SITE ? PREFIX + SITE.version : null;
const SCOPE = new URL(self.registration.scope);
// Network first for the small files, but a network that neither answers nor fails (a captive portal,
// one bar of signal) must not keep a visitor from the copy already here.
const NETWORK_WAIT_MS = 3000;

const keyOf = (path) => new URL(path, SCOPE).href;

async function sha256(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// One listed file into the new cache. An older cache's copy is taken when its bytes are the listed
// ones, so a new build downloads only what changed (a retrained model: the weights, not 32 MB of
// runtime). Anything else comes from the network and must hash to the listing: a file that changed
// after the listing was made fails the install, and the worker already active stays in charge.
async function keep(cache, path, expected) {
  const key = keyOf(path);
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await (await caches.open(name)).match(key);
    if (old && (await sha256(await old.clone().arrayBuffer())) === expected) return cache.put(key, old);
  }
  // "no-cache": on the first visit the page has just fetched all of this, so the HTTP cache answers
  // after a 304 and nothing is downloaded twice.
  const response = await fetch(key, { cache: "no-cache" });
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  if ((await sha256(await response.clone().arrayBuffer())) !== expected) {
    throw new Error(`${path} is not the file listed in sw.js (changed since?)`);
  }
  return cache.put(key, response);
}

self.addEventListener("install", (event) => {
  if (!SITE) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    try {
      await Promise.all(Object.entries(SITE.files).map(([path, sha]) => keep(cache, path, sha)));
    } catch (err) {
      await caches.delete(CACHE);  // half a cache is no offline copy
      throw err;
    }
    // Take over at once rather than when every tab of the site is closed: a reload keeps its tab, so
    // a waiting worker would keep serving the old runtime and never delete the old cache. Safe because
    // everything but the runtime comes network-first anyway (see the fetch handler).
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The runtime (32 MB, changed only with web/runtime.json) is served from the cache first: a repeat
// visit downloads none of it. Everything else (page, scripts, weights, the lenet_py wheel, the replay
// sample: small) goes to the network first and falls back to the cache: an edit to web/ or lenet_py/,
// or a retrained model, shows on the very next reload, as it does without a service worker, while
// the new worker and its cache install in the background.
self.addEventListener("fetch", (event) => {
  if (!SITE || event.request.method !== "GET") return;
  const url = new URL(event.request.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  const path = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length)) || "index.html";
  if (!Object.prototype.hasOwnProperty.call(SITE.files, path)) return;  // not the site's: as if no worker
  const runtime = SITE.runtime && path.startsWith(SITE.runtime);
  event.respondWith(runtime ? cacheFirst(event.request, path) : networkFirst(event.request, path));
});

async function cacheFirst(request, path) {
  const cached = await (await caches.open(CACHE)).match(keyOf(path));
  return cached || fetch(request);
}

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    // The newest copy seen is the one to have offline; the next install checks it against its listing.
    if (response.status === 200) cache.put(keyOf(path), response.clone()).catch(() => {});
    return response;
  });
  const cached = await cache.match(keyOf(path));
  if (!cached) return network;
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, cached));
  return Promise.race([network.catch(() => cached), slow]);
}
