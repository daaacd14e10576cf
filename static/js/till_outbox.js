/* The till's storage on the device (IndexedDB through Dexie) and the outbox of sales.

   A sale is written to the outbox, with its receipt number taken from the device's counter in
   the same IndexedDB transaction, before its receipt shows: a sale the clerk saw is never lost,
   and no receipt number is skipped. The outbox is sent to POST /api/pos/sales/ with the sale's
   client_sale_id, which the server records once however often it arrives; one tab of the
   browser sends at a time (Web Locks). */
(function () {
  "use strict";

  var LOCK = "omnistore-till-outbox";
  var SHELL_CACHE = "omnistore-till-shell-v1"; // the service worker's cache (till_sw.js)

  function open(store) {
    var db = new Dexie("omnistore-till-" + store);
    db.version(1).stores({
      meta: "key",
      items: "sku, barcode, name",
      stock: "sku",
      outbox: "id, sequence, status",
    });
    return db;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function api(url, options) {
    options = options || {};
    var headers = Object.assign(
      { Accept: "application/json", "X-CSRFToken": csrfToken() },
      options.body ? { "Content-Type": "application/json" } : {},
      options.headers || {}
    );
    return fetch(url, Object.assign({}, options, { headers: headers, credentials: "same-origin" }));
  }

  async function metaGet(db, key, fallback) {
    var row = await db.meta.get(key);
    return row === undefined ? fallback : row.value;
  }

  function metaPut(db, key, value) {
    return db.meta.put({ key: key, value: value });
  }

  /* The sale goes into the outbox with the next receipt number, and this device's view of the
     stock goes down, in one transaction. */
  async function record(db, store, sale) {
    var entry;
    await db.transaction("rw", db.meta, db.outbox, db.stock, async function () {
      var device = await metaGet(db, "device", null);
      if (!device) throw new Error(gettext("This till is not registered yet: open it once with the network."));
      var sequence = await metaGet(db, "next_sequence", 1);
      var id = crypto.randomUUID();
      entry = {
        id: id,
        sequence: sequence,
        receipt: store.toUpperCase() + "-" + device.number + "-" + sequence,
        status: "pending",
        created_at: new Date().toISOString(),
        offline: !navigator.onLine,
        total: sale.total,
        change_due: sale.change_due,
        lines: sale.lines,
        body: {
          client_sale_id: id,
          device: device.uuid,
          sequence: sequence,
          created_offline_at: navigator.onLine ? null : new Date().toISOString(),
          store: store,
          lines: sale.lines.map(function (l) {
            return { sku: l.sku, quantity: l.quantity, unit_price: l.unit_price, line_total: l.line_total };
          }),
          payment: sale.payment,
        },
      };
      await db.outbox.add(entry);
      await metaPut(db, "next_sequence", sequence + 1);
      for (var i = 0; i < sale.lines.length; i++) {
        var line = sale.lines[i];
        var row = await db.stock.get(line.sku);
        var left = Math.max((row ? row.available : 0) - line.quantity, 0);
        await db.stock.put({ sku: line.sku, available: left });
      }
    });
    return entry;
  }

  /* Errors that a new attempt cannot fix: the sale is set aside as conflicted, for a manager. */
  function isConflict(status, code) {
    if (code === "idempotency_key_in_progress" || code === "throttled") return false;
    return status === 400 || status === 404 || status === 409 || status === 422;
  }

  /* Sends the pending sales, oldest first. Stops at the first network failure (the next round
     starts again there). Returns "offline" when the server could not be reached. */
  async function replay(db, salesUrl) {
    var pending = await db.outbox.where("status").equals("pending").sortBy("sequence");
    for (var i = 0; i < pending.length; i++) {
      var entry = pending[i];
      var response;
      try {
        response = await api(salesUrl, {
          method: "POST",
          body: JSON.stringify(entry.body),
          headers: { "Idempotency-Key": entry.id },
        });
      } catch (e) {
        return "offline";
      }
      var body = null;
      try {
        body = await response.json();
      } catch (e) {
        body = null;
      }
      if (response.status === 201 && body) {
        await db.outbox.update(entry.id, {
          status: "sent",
          sent_at: new Date().toISOString(),
          order: body.number,
          discrepancies: body.discrepancies || [],
          price_difference: body.price_difference,
        });
        continue;
      }
      var error = (body && body.error) || {};
      if (isConflict(response.status, error.code)) {
        await db.outbox.update(entry.id, {
          status: "conflict",
          error: error.message || interpolate(gettext("Refused (%(status)s)"), { status: response.status }, true),
        });
        continue;
      }
      return "later"; // signed out, throttled, or the server failing: try again later
    }
    return "done";
  }

  /* One tab at a time: the others skip the round (their sales are in the same outbox). */
  function sync(db, salesUrl) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? replay(db, salesUrl) : "busy";
      });
    }
    return replay(db, salesUrl);
  }

  function pendingCount(db) {
    return db.outbox.where("status").equals("pending").count();
  }

  /* Registers this browser as a till of the store (once; the server numbers it 1, 2, ...). */
  async function registerDevice(db, devicesUrl, store) {
    var device = await metaGet(db, "device", null);
    var uuid = device ? device.uuid : crypto.randomUUID();
    var response = await api(devicesUrl, {
      method: "POST",
      body: JSON.stringify({ uuid: uuid, store: store }),
    });
    if (!response.ok) return;
    var body = await response.json();
    await db.transaction("rw", db.meta, async function () {
      await metaPut(db, "device", { uuid: body.uuid, number: body.number });
      var local = await metaGet(db, "next_sequence", 1);
      await metaPut(db, "next_sequence", Math.max(local, body.next_sequence));
    });
  }

  /* Fetches the snapshot (catalogue, till prices, the store's stock) into IndexedDB. Returns
     false when the server did not give one. */
  async function refreshSnapshot(db, snapshotUrl, store) {
    var version = await metaGet(db, "snapshot_version", "");
    var url = snapshotUrl + "?store=" + encodeURIComponent(store) + "&version=" + encodeURIComponent(version);
    var response = await api(url);
    if (!response.ok) return false;
    var body = await response.json();
    var pending = await db.outbox.where("status").equals("pending").toArray();
    await db.transaction("rw", db.items, db.stock, db.meta, async function () {
      if (body.items) {
        await db.items.clear();
        await db.items.bulkPut(body.items);
        await metaPut(db, "snapshot_version", body.version);
      }
      // The server's stock, less what this device sold that the server has not heard of yet.
      var stock = Object.assign({}, body.stock);
      pending.forEach(function (entry) {
        entry.lines.forEach(function (l) { stock[l.sku] = Math.max((stock[l.sku] || 0) - l.quantity, 0); });
      });
      await db.stock.clear();
      await db.stock.bulkPut(Object.keys(stock).map(function (sku) { return { sku: sku, available: stock[sku] }; }));
      await metaPut(db, "currency", body.currency);
      await metaPut(db, "snapshot_at", body.generated_at);
    });
    return true;
  }

  /* Keeps the offline till's page, and the scripts and styles it loads, in the service
     worker's cache: the worker answers a till page asked for with no network with it. */
  async function keepOfflinePage(pageUrl) {
    if (!window.caches) return false;
    var response = await fetch(pageUrl, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return false;
    var cache = await caches.open(SHELL_CACHE);
    var html = await response.clone().text();
    await cache.put(pageUrl, response);
    var page = new DOMParser().parseFromString(html, "text/html");
    var assets = [];
    page.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (node) {
      assets.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    await cache.addAll(assets);
    return true;
  }

  window.TillOutbox = {
    open: open,
    api: api,
    metaGet: metaGet,
    metaPut: metaPut,
    record: record,
    sync: sync,
    pendingCount: pendingCount,
    registerDevice: registerDevice,
    refreshSnapshot: refreshSnapshot,
    keepOfflinePage: keepOfflinePage,
    SHELL_CACHE: SHELL_CACHE,
  };

  /* The drawer page: closing waits until this store's outbox is empty on this device. */
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-outbox-guard]");
    if (!form || !window.Dexie) return;
    var db = open(form.dataset.outboxGuard);
    var note = form.querySelector("[data-outbox-wait]");
    var closing = false;
    form.addEventListener("submit", async function (event) {
      if (closing) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      for (;;) {
        await sync(db, form.dataset.salesUrl);
        var left = await pendingCount(db);
        if (left === 0) break;
        if (note) {
          note.hidden = false;
          note.textContent = interpolate(
            ngettext(
              "%(count)s sale made on this till is still waiting to be sent. The drawer closes once it is on the server.",
              "%(count)s sales made on this till are still waiting to be sent. The drawer closes once they are on the server.",
              left
            ),
            { count: left },
            true
          );
        }
        await new Promise(function (resolve) { setTimeout(resolve, 3000); });
      }
      if (note) note.hidden = true;
      closing = true;
      form.submit(); // not requestSubmit: the page's send-once guard already saw this submit
    });
  });
})();
