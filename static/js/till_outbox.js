/* The till's storage on the device (IndexedDB through Dexie) and the outbox of sales.

   A sale is written to the outbox, with its receipt number taken from the device's counter in
   the same IndexedDB transaction, before its receipt shows: a sale the clerk saw is never lost,
   and no receipt number is skipped. The outbox is sent to POST /api/pos/sales/ with the sale's
   client_sale_id, which the server records once however often it arrives; one tab of the
   browser sends at a time (Web Locks). Stock counts made at the till wait in their own table
   beside the sales and are sent after them, each with its own id as the Idempotency-Key. */
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
    db.version(2).stores({ counts: "id, status, created_at" }); // the stock counts to send
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

  /* Errors that a new attempt cannot fix: the sale or count is set aside, with the reason. */
  function isConflict(status, code) {
    if (code === "idempotency_key_in_progress" || code === "throttled") return false;
    return status === 400 || status === 404 || status === 409 || status === 422;
  }

  /* Sends `entries` of `table` in order, each with its id as the Idempotency-Key, so the server
     records each once however often it arrives. Stops at the first network failure (the next
     round starts again there) and returns "offline"; "later" when the server cannot take it
     now. `kept(body)`: what is kept of the server's answer; a refusal that a new attempt
     cannot fix sets the entry aside with the status `refused` and the server's reason. */
  async function sendEach(table, entries, urlOf, kept, refused) {
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      var response;
      try {
        response = await api(urlOf(entry), {
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
        var sent = { status: "sent", sent_at: new Date().toISOString(), error: "" };
        await table.update(entry.id, Object.assign(sent, kept(body)));
        continue;
      }
      var error = (body && body.error) || {};
      if (isConflict(response.status, error.code)) {
        await table.update(entry.id, {
          status: refused,
          error: error.message || interpolate(gettext("Refused (%(status)s)"), { status: response.status }, true),
        });
        continue;
      }
      return "later"; // signed out, throttled, or the server failing: try again later
    }
    return "done";
  }

  /* The pending sales, oldest first; a refused one is conflicted, for a manager. */
  async function replay(db, salesUrl) {
    var pending = await db.outbox.where("status").equals("pending").sortBy("sequence");
    return sendEach(db.outbox, pending, function () { return salesUrl; }, function (body) {
      return {
        order: body.number,
        discrepancies: body.discrepancies || [],
        price_difference: body.price_difference,
      };
    }, "conflict");
  }

  /* A finished count goes into the outbox, and the draft is cleared, in one transaction. Its id
     is the Idempotency-Key of its POST: a count resent after a lost answer is recorded once. */
  async function recordCount(db, countsUrl, draft) {
    var id = crypto.randomUUID();
    var entry = {
      id: id,
      status: "pending",
      created_at: new Date().toISOString(),
      url: countsUrl,
      started_at: draft.started_at,
      lines: draft.lines.map(function (l) {
        return { sku: l.sku, name: l.name, counted: l.counted, counted_at: l.counted_at };
      }),
      body: {
        started_at: draft.started_at,
        lines: draft.lines.map(function (l) {
          return { sku: l.sku, counted: l.counted, counted_at: l.counted_at };
        }),
      },
    };
    await db.transaction("rw", db.meta, db.counts, async function () {
      await db.counts.add(entry);
      await db.meta.delete("count_draft");
    });
    return entry;
  }

  /* The pending counts, oldest first, each to its store's URL. A count the server refuses
     (too old by the time the line is back, an SKU it does not know) is kept as failed, with
     the reason, for the clerk to see: it is never dropped. */
  async function replayCounts(db) {
    var pending = await db.counts.where("status").equals("pending").sortBy("created_at");
    return sendEach(db.counts, pending, function (entry) { return entry.url; }, function (body) {
      return { count: body.id, result: body.lines };
    }, "failed");
  }

  async function replayAll(db, salesUrl) {
    var sales = await replay(db, salesUrl);
    if (sales === "offline") return sales;
    // Sales first: a sale rung up before a count was sent is on the server when it arrives.
    var counts = await replayCounts(db);
    if (counts === "offline") return counts;
    return sales === "later" ? sales : counts;
  }

  /* One tab at a time: the others skip the round (their sales are in the same outbox). */
  function sync(db, salesUrl) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? replayAll(db, salesUrl) : "busy";
      });
    }
    return replayAll(db, salesUrl);
  }

  function pendingSales(db) {
    return db.outbox.where("status").equals("pending").count();
  }

  function pendingCounts(db) {
    return db.counts.where("status").equals("pending").count();
  }

  /* What this device still has to send: sales and counts. */
  async function pendingCount(db) {
    return (await pendingSales(db)) + (await pendingCounts(db));
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
    recordCount: recordCount,
    sync: sync,
    pendingCount: pendingCount,
    registerDevice: registerDevice,
    refreshSnapshot: refreshSnapshot,
    keepOfflinePage: keepOfflinePage,
    SHELL_CACHE: SHELL_CACHE,
  };

  /* What the drawer page says while sales or counts made on this till wait to be sent. */
  function waitingNote(sales, counts) {
    if (sales && counts) {
      return interpolate(
        gettext("%(sales)s sale(s) and %(counts)s stock count(s) made on this till are still waiting to be sent. The drawer closes once they are on the server."),
        { sales: sales, counts: counts },
        true
      );
    }
    if (counts) {
      return interpolate(
        ngettext(
          "%(count)s stock count made on this till is still waiting to be sent. The drawer closes once it is on the server.",
          "%(count)s stock counts made on this till are still waiting to be sent. The drawer closes once they are on the server.",
          counts
        ),
        { count: counts },
        true
      );
    }
    return interpolate(
      ngettext(
        "%(count)s sale made on this till is still waiting to be sent. The drawer closes once it is on the server.",
        "%(count)s sales made on this till are still waiting to be sent. The drawer closes once they are on the server.",
        sales
      ),
      { count: sales },
      true
    );
  }

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
        var sales = await pendingSales(db);
        var counts = await pendingCounts(db);
        if (sales + counts === 0) break;
        if (note) {
          note.hidden = false;
          note.textContent = waitingNote(sales, counts);
        }
        await new Promise(function (resolve) { setTimeout(resolve, 3000); });
      }
      if (note) note.hidden = true;
      closing = true;
      form.submit(); // not requestSubmit: the page's send-once guard already saw this submit
    });
  });
})();
