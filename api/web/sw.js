// Vigil web pages: the service worker (docs/explorer.md "Offline", docs/security.md). Served at
// /web/sw.js with Service-Worker-Allowed: / and registered for the scope "/" by field.js.
// It keeps the page usable with no network, for the inspector in the field:
// - the page and its modules (/, /web/*.js, /web/style.css): network first, the cached copy
//   when the network fails, so an online page is always the program's current one;
// - the public answers an inspection form needs, never signed ones: GET /v1/log (origin, for
//   signing records) and GET /v1/catalog (substances, checklists): network first, cache after.
// Everything else (signed GETs, POST /v1/entries, proofs, checkpoints) passes straight to the
// network and is never stored here. What a form needs from signed answers (the businesses and
// venues an inspector may inspect, the caller's identity) is kept by the page itself in
// IndexedDB (queue.js), where signing out deletes it.
// The cache is named after the page's version, which the server writes over the token below
// (api/web_routes.cc): a program with a different page installs a new worker, and its
// activation deletes every older cache.
const VERSION = '__VIGIL_WEB_VERSION__';
const CACHE = `vigil-page-${VERSION}`;
// The page: "/" and every other file of the program's page (the server writes the list over
// the token, from VIGIL_WEB_FILES of api/CMakeLists.txt).
const PAGE = ['/', '__VIGIL_WEB_FILES__'];
const PUBLIC_DATA = ['/v1/log', '/v1/catalog'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([...PAGE, ...PUBLIC_DATA].map((u) => new Request(u, { cache: 'no-store' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('vigil-page-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Which requests the worker answers from its cache when the network fails.
function cacheable(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  // A signed request is never stored, whatever its path.
  if (request.headers.has('Signature')) return false;
  if (url.search) return false;
  if (url.pathname === '/' || PUBLIC_DATA.includes(url.pathname)) return true;
  return /^\/web\/[a-z0-9-]{1,32}\.(js|css)$/.test(url.pathname) && url.pathname !== '/web/sw.js';
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  // The cache key: the path alone (a navigation to "/#/field" is "/").
  const key = new URL(request.url).pathname;
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(key, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(key);
    if (hit) return hit;
    // Not cached (e.g. a module this page does not carry): a plain failure, said once.
    return new Response(`offline, and ${key} is not cached: ${e.message}`, { status: 504, headers: { 'Content-Type': 'text/plain' } });
  }
}

self.addEventListener('fetch', (event) => {
  if (!cacheable(event.request)) return;  // straight to the network, never stored
  event.respondWith(networkFirst(event.request));
});
