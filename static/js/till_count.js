/* Counting stock at the offline till: codes are looked up in the catalogue kept on the device,
   each scan adds units to the SKU's line (a number typed on a line sets it), and each SKU keeps
   the time of its first scan, its `counted_at`: the server takes what was sold after that
   moment into account. The draft lives in IndexedDB, so a reload keeps it; "Record the count"
   moves it to the outbox (till_outbox.js), which sends it with the sales. */
(function () {
  "use strict";

  var SENT_SHOWN = 5;

  var app = document.getElementById("till-app");
  // An outbox script from before counts (a cached copy, refreshed on the next load): no counting.
  if (!app || !window.Dexie || !window.TillOffline || !(window.TillOutbox || {}).recordCount) return;
  var T = window.TillOutbox;
  var el = window.TillOffline.el;
  var db = T.open(app.dataset.store);
  var draft = { started_at: null, lines: [] };
  var catalogue = { items: [], bySku: {}, byBarcode: {} };

  function $(selector) {
    return app.querySelector(selector);
  }

  /* The time of day, with the date when it was not today. */
  function time(iso) {
    var moment = new Date(iso);
    var lang = document.documentElement.lang || [];
    var clock = moment.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    return moment.toDateString() === new Date().toDateString() ? clock : moment.toLocaleDateString(lang) + " " + clock;
  }

  function signed(n) {
    return n > 0 ? "+" + n : n < 0 ? "−" + Math.abs(n) : "0";
  }

  /* --- the mode: selling or counting ----------------------------------------------------- */
  function wantedMode() {
    if (location.hash === "#count") return "count";
    if (location.hash === "#sell") return "sell";
    // Standing in for the online count page with no network: count here.
    return location.pathname.indexOf(app.dataset.countPage) === 0 ? "count" : "sell";
  }

  function setMode(mode, focus) {
    app.querySelectorAll("[data-mode]").forEach(function (node) {
      node.hidden = node.dataset.mode !== mode;
    });
    app.querySelectorAll("[data-mode-link]").forEach(function (link) {
      if (link.dataset.modeLink === mode) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    if (focus) (mode === "count" ? $("#count-code") : $("#scan")).focus();
  }

  /* --- the draft ------------------------------------------------------------------------- */
  async function loadDraft() {
    draft = await T.metaGet(db, "count_draft", { started_at: null, lines: [] });
  }

  function saveDraft() {
    return T.metaPut(db, "count_draft", draft);
  }

  async function loadCatalogue() {
    var taken = await T.metaGet(db, "snapshot_at", null);
    var items = await db.items.orderBy("name").toArray();
    catalogue = { items: items, bySku: {}, byBarcode: {}, taken: taken };
    items.forEach(function (item) {
      catalogue.bySku[item.sku.toUpperCase()] = item;
      if (item.barcode) catalogue.byBarcode[item.barcode] = item;
    });
  }

  function error(message) {
    var box = $("[data-count-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function units() {
    var value = $("#count-units").value.trim();
    if (!/^\d+$/.test(value)) return null;
    var n = parseInt(value, 10);
    return n <= 10000 ? n : null;
  }

  function count(item, n) {
    var now = new Date().toISOString();
    if (!draft.lines.length) draft.started_at = now;
    var line = draft.lines.find(function (l) { return l.sku === item.sku; });
    if (line) line.counted = Math.min(line.counted + n, 10000);
    else draft.lines.push({ sku: item.sku, name: item.name, counted: n, counted_at: now });
    $("[data-count-recorded]").hidden = true;
    saveDraft();
    render();
  }

  function lookUp(text) {
    error("");
    var n = units();
    if (n === null) return error(gettext("Units per scan: a whole number from 0 to 10000."));
    var item = window.TillOffline.exact(catalogue, text);
    if (item) {
      $("[data-count-results]").hidden = true;
      return count(item, n);
    }
    var found = window.TillOffline.matching(catalogue.items, text);
    var list = $("[data-count-result-list]");
    list.innerHTML = "";
    if (!found.length) list.appendChild(el("li", { className: "empty", text: interpolate(gettext("Nothing matches “%(text)s”."), { text: text.trim() }, true) }));
    found.forEach(function (i) {
      var add = el("button", { type: "button", className: "button button-small button-primary", text: gettext("Count"), "aria-label": interpolate(gettext("Count %(name)s"), { name: i.name }, true) });
      add.addEventListener("click", function () {
        $("[data-count-results]").hidden = true;
        count(i, n);
        $("#count-code").focus();
      });
      list.appendChild(el("li", { className: "result" }, [
        el("span", { text: i.name + " " }), el("span", { className: "sku", text: i.sku + " " }), add,
      ]));
    });
    $("[data-count-results]").hidden = false;
  }

  function render() {
    var list = $("[data-count-lines]");
    list.innerHTML = "";
    draft.lines.forEach(function (line) {
      var id = "count-line-" + line.sku.replace(/[^A-Za-z0-9_-]/g, "_");
      var input = el("input", { id: id, type: "number", min: "0", max: "10000", inputmode: "numeric", className: "qty-input", value: String(line.counted) });
      input.addEventListener("change", function () {
        var value = input.value.trim();
        if (!/^\d+$/.test(value) || parseInt(value, 10) > 10000) {
          input.value = String(line.counted);
          return error(interpolate(gettext("Units of %(sku)s: a whole number from 0 to 10000."), { sku: line.sku }, true));
        }
        error("");
        line.counted = parseInt(value, 10);
        saveDraft();
      });
      var remove = el("button", { type: "button", className: "button button-danger button-small", text: gettext("Remove"), "aria-label": interpolate(gettext("Remove %(name)s from the count"), { name: line.name }, true) });
      remove.addEventListener("click", function () {
        draft.lines = draft.lines.filter(function (l) { return l !== line; });
        if (!draft.lines.length) draft.started_at = null;
        saveDraft();
        render();
      });
      list.appendChild(el("li", { className: "sale-line", "data-count-sku": line.sku }, [
        el("div", { className: "line-main" }, [
          el("div", { className: "line-name" }, [
            el("strong", { text: line.name }), el("span", { className: "sku", text: line.sku }),
            el("span", { className: "count-line-at", text: interpolate(gettext("first scanned %(time)s"), { time: time(line.counted_at) }, true) }),
          ]),
          el("div", { className: "qty" }, [el("label", { for: id, className: "visually-hidden", text: interpolate(gettext("Units of %(sku)s"), { sku: line.sku }, true) }), input]),
          remove,
        ]),
      ]));
    });
    var any = draft.lines.length > 0;
    $("[data-count-empty]").hidden = any;
    $("[data-count-actions]").hidden = !any;
    var started = $("[data-count-started]");
    started.hidden = !any;
    started.textContent = any
      ? interpolate(gettext("Counting since %(time)s · %(count)s item(s)"), { time: time(draft.started_at), count: draft.lines.length }, true)
      : "";
  }

  async function record() {
    if (!draft.lines.length) return;
    var entry = await T.recordCount(db, app.dataset.countsUrl, draft);
    draft = { started_at: null, lines: [] };
    render();
    var done = $("[data-count-recorded]");
    done.textContent = interpolate(gettext("Count of %(count)s item(s) kept on this till: it is sent to the server with the sales."), { count: entry.lines.length }, true);
    done.hidden = false;
    await renderSync();
    $("[data-sync-now]").click(); // the till's own round: sends it now if the line is up
  }

  async function discard() {
    if (!window.confirm(interpolate(gettext("Discard this count of %(count)s item(s)?"), { count: draft.lines.length }, true))) return;
    draft = { started_at: null, lines: [] };
    await saveDraft();
    render();
  }

  /* --- the sync panel's counts ----------------------------------------------------------- */
  var LABELS = { pending: gettext("Waiting to send"), sent: gettext("Recorded"), failed: gettext("Failed") };

  function retryButton(entry) {
    var button = el("button", { type: "button", className: "button button-small", text: gettext("Send again"), "aria-label": interpolate(gettext("Send again: the count of %(time)s"), { time: time(entry.started_at) }, true) });
    button.addEventListener("click", async function () {
      await db.counts.update(entry.id, { status: "pending", error: "" });
      await renderSync();
      $("[data-sync-now]").click();
    });
    return button;
  }

  /* The clerk may set a refused count aside, once told what it held; it stays on the device. */
  function dismissButton(entry) {
    var button = el("button", { type: "button", className: "button button-ghost button-small", text: gettext("Dismiss"), "aria-label": interpolate(gettext("Dismiss the count of %(time)s"), { time: time(entry.started_at) }, true) });
    button.addEventListener("click", async function () {
      var skus = entry.lines.map(function (l) { return l.sku; }).join(", ");
      if (!window.confirm(interpolate(gettext("This count was not recorded. Dismiss it? Count %(skus)s again."), { skus: skus }, true))) return;
      await db.counts.update(entry.id, { status: "dismissed" });
      await renderSync();
    });
    return button;
  }

  function variances(entry) {
    var off = (entry.result || []).filter(function (l) { return l.variance !== 0 || l.reserved_shortfall; });
    if (!off.length) return el("p", { className: "small", text: gettext("Every item matched the record.") });
    return el("ul", { className: "count-variances" }, off.map(function (l) {
      var values = { sku: l.sku, counted: l.counted, expected: l.expected, variance: signed(l.variance), held: l.reserved_shortfall };
      var text = l.reserved_shortfall
        ? interpolate(gettext("%(sku)s: counted %(counted)s, record %(expected)s, variance %(variance)s (%(held)s held for orders: a pick problem)"), values, true)
        : interpolate(gettext("%(sku)s: counted %(counted)s, record %(expected)s, variance %(variance)s"), values, true);
      return el("li", { text: text });
    }));
  }

  async function renderSync() {
    for (var status of ["pending", "sent", "failed"]) {
      $('[data-counts-status="' + status + '"]').textContent = String(await db.counts.where("status").equals(status).count());
    }
    // Every count not recorded yet stays listed; of the recorded ones, the latest few.
    var open = await db.counts.where("status").anyOf("pending", "failed").sortBy("created_at");
    var sent = (await db.counts.where("status").equals("sent").sortBy("created_at")).reverse().slice(0, SENT_SHOWN);
    var list = $("[data-count-sync-list]");
    list.innerHTML = "";
    open.concat(sent).forEach(function (entry) {
      var badge = entry.status === "sent" ? "badge-ok" : entry.status === "failed" ? "badge-danger" : "badge-info";
      list.appendChild(el("li", { className: "sync-" + entry.status, "data-count-id": entry.id }, [
        el("strong", { text: interpolate(gettext("Count of %(time)s"), { time: time(entry.started_at) }, true) }),
        el("span", { text: " " + interpolate(gettext("%(count)s item(s)"), { count: entry.lines.length }, true) + " " }),
        el("span", { className: "badge " + badge, text: LABELS[entry.status] }),
        entry.status === "sent" ? variances(entry) : null,
        entry.status === "failed"
          ? el("p", { className: "small", text: interpolate(gettext("Not recorded: %(error)s It stays on this till."), { error: entry.error }, true) })
          : null,
        entry.status === "failed" ? retryButton(entry) : null,
        entry.status === "failed" ? dismissButton(entry) : null,
      ]));
    });
  }

  /* --- wiring ------------------------------------------------------------------------------ */
  async function start() {
    $("[data-count-scan]").addEventListener("submit", function (event) {
      event.preventDefault();
      var box = $("#count-code");
      if (box.value.trim()) lookUp(box.value);
      box.value = "";
    });
    $("[data-count-record]").addEventListener("click", record);
    $("[data-count-discard]").addEventListener("click", discard);
    window.addEventListener("hashchange", function () { setMode(wantedMode(), true); });
    app.addEventListener("till:synced", async function () {
      var taken = await T.metaGet(db, "snapshot_at", null);
      if (taken !== catalogue.taken) await loadCatalogue();
      await renderSync();
    });
    var mode = wantedMode();
    setMode(mode, mode === "count");
    await loadCatalogue();
    await loadDraft();
    render();
    await renderSync();
    app.dataset.countReady = "1";
  }

  start();
})();
