/* The till's service worker: keeps the offline till's page and its static files so the till
   opens and sells with no network. The page itself talks to the API (never cached here); its
   data lives in IndexedDB. Served at /pos/sw.js with scope /pos/: a till page (the full till
   at /pos/ too) asked for while the network is down is answered with the offline till. The
   scripts' translations (one versioned URL per language, written in by the view that serves this
   file) are kept at install, so the offline till speaks the clerk's language with no network. */
"use strict";

var SHELL = "omnistore-till-shell-v1";
var TILL_PAGE = "/pos/offline/";
var TILL_PAGES = "/pos/";
var CATALOGUE_PATH = "/jsi18n/";
var CATALOGUES = [];
var NOT_KEPT = {};

self.addEventListener("install", function (event) {
  self.skipWaiting();
  // Kept before the worker takes over; a failure (no network) leaves it to the next install.
  event.waitUntil(
    caches.open(SHELL)
      .then(function (cache) { return cache.addAll(CATALOGUES); })
      .catch(function () {})
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (n) { return n.startsWith("omnistore-till-shell-") && n !== SHELL; })
          .map(function (n) { return caches.delete(n); })
      );
    }).then(forgetOldCatalogues).then(function () { return self.clients.claim(); })
  );
});

function forgetOldCatalogues() {
  /* A new catalogue has a new URL: the versions this worker does not list are dropped. */
  return caches.open(SHELL).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.filter(function (request) {
        var path = new URL(request.url).pathname;
        return path.startsWith(CATALOGUE_PATH) && CATALOGUES.indexOf(path) < 0;
      }).map(function (request) { return cache.delete(request); }));
    });
  });
}

function tillPage(request, isOfflineTill) {
  /* Network first, so the page is fresh whenever the server answers; with no network, the kept
     offline till stands in for any till page, so the clerk keeps selling. */
  return fetch(request)
    .then(function (response) {
      if (isOfflineTill && response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(TILL_PAGE, copy); });
      }
      return response;
    })
    .catch(function () {
      return caches.match(TILL_PAGE).then(function (kept) {
        var language = (self.navigator.language || "en").slice(0, 2);
        var text = NOT_KEPT[language] || NOT_KEPT.en || "The till has not been opened on this device with the network yet.";
        return kept || new Response(text, {
          status: 503,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      });
    });
}

function staticFile(request) {
  /* The kept copy at once (it works offline); a fresh one is fetched behind it for the next
     time, so a changed file is picked up even where names carry no content hash. */
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (kept) {
        fresh.catch(function () {});
        return kept;
      }
      return fresh;
    });
  });
}

function catalogue(request, url) {
  /* A kept page may name a catalogue of an older version (dropped at activation): with no
     network, this worker's catalogue of the same language stands in for it. */
  var language = url.pathname.split("/").pop();
  var current = CATALOGUES.find(function (path) { return path.endsWith("/" + language); });
  return staticFile(request).catch(function () {
    return (current ? caches.match(current) : Promise.resolve(undefined)).then(function (kept) {
      return kept || Response.error();
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(TILL_PAGES)) {
    event.respondWith(tillPage(request, url.pathname === TILL_PAGE));
  } else if (url.pathname.startsWith(CATALOGUE_PATH)) {
    event.respondWith(catalogue(request, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});
