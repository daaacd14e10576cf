/* The till's service worker: keeps the offline till's page and its static files so the till
   opens and sells with no network. The page itself talks to the API (never cached here); its
   data lives in IndexedDB. Served at /pos/sw.js with scope /pos/: a till page (the full till
   at /pos/ too) asked for while the network is down is answered with the offline till. */
"use strict";

var SHELL = "omnistore-till-shell-v1";
var TILL_PAGE = "/pos/offline/";
var TILL_PAGES = "/pos/";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (n) { return n.startsWith("omnistore-till-shell-") && n !== SHELL; })
          .map(function (n) { return caches.delete(n); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

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
        return kept || new Response("The till has not been opened on this device with the network yet.", {
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

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(TILL_PAGES)) {
    event.respondWith(tillPage(request, url.pathname === TILL_PAGE));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});
