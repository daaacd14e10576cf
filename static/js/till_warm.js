/* The full till keeps the offline till ready behind it: it registers the till's service worker
   and, while the network is up, keeps the offline till's page and its files in the worker's
   cache and the snapshot (catalogue, till prices, the store's stock) in IndexedDB, so a till
   page opened with no network still sells even if "Sell offline" was never opened. The full
   till reloads on every scan, so this runs at most once a minute. */
(function () {
  "use strict";

  var EVERY_MS = 60000;

  function warm(node) {
    var T = window.TillOutbox;
    var store = node.dataset.store;
    var db = T.open(store);
    return T.metaGet(db, "warmed_at", 0).then(async function (warmedAt) {
      if (Date.now() - warmedAt < EVERY_MS) return;
      await T.keepOfflinePage(node.dataset.offlineUrl);
      await T.registerDevice(db, node.dataset.devicesUrl, store);
      if (await T.refreshSnapshot(db, node.dataset.snapshotUrl, store)) {
        await T.metaPut(db, "warmed_at", Date.now());
      }
    });
  }

  window.addEventListener("load", function () {
    var node = document.getElementById("till-warm");
    if (!node || !("serviceWorker" in navigator) || !window.Dexie || !window.TillOutbox) return;
    navigator.serviceWorker.register(node.dataset.worker, { scope: "/pos/" }).catch(function () {});
    if (!navigator.onLine) return;
    warm(node)
      .then(function () { node.dataset.warm = "done"; })
      .catch(function () { node.dataset.warm = "failed"; }); // the next page load tries again
  });
})();
