/* The till's storage on the device (IndexedDB through Dexie) and the outbox of sales.

   A sale is written to the outbox, with its receipt number taken from the device's counter in
   the same IndexedDB transaction, before its receipt shows: a sale the clerk saw is never lost,
   and no receipt number is skipped. The outbox is sent to POST /api/pos/sales/ with the sale's
   client_sale_id, which the server records once however often it arrives; one tab of the
   browser sends at a time (Web Locks). */
(function () {
  "use strict";

  var LOCK = "omnistore-till-outbox";

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
      if (!device) throw new Error("This till is not registered yet: open it once with the network.");
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
          error: error.message || "Refused (" + response.status + ")",
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

  window.TillOutbox = {
    open: open,
    api: api,
    metaGet: metaGet,
    metaPut: metaPut,
    record: record,
    sync: sync,
    pendingCount: pendingCount,
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
          note.textContent =
            left + " sale(s) made on this till are still waiting to be sent. The drawer closes once they are on the server.";
        }
        await new Promise(function (resolve) { setTimeout(resolve, 3000); });
      }
      if (note) note.hidden = true;
      closing = true;
      form.submit(); // not requestSubmit: the page's send-once guard already saw this submit
    });
  });
})();
