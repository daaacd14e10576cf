/* The offline-capable till: scan, search and sell from the catalogue, till prices and stock
   kept on this device; every sale goes to the outbox (till_outbox.js) before its receipt
   shows, and the outbox is sent whenever the server answers. Its words come from the scripts'
   catalogue (`gettext`, `interpolate`), which the service worker keeps for offline use. */
(function () {
  "use strict";

  var SYNC_EVERY_MS = 5000;
  var SNAPSHOT_EVERY_MS = 30000;
  var RESULTS_SHOWN = 12;

  var app = document.getElementById("till-app");
  if (!app || !window.Dexie || !window.TillOutbox) return;
  var T = window.TillOutbox;
  var store = app.dataset.store;
  var db = T.open(store);

  var state = {
    items: [],
    bySku: {},
    byBarcode: {},
    stock: {},
    currency: "EUR",
    sale: [],
    lastSnapshotAt: 0,
    online: navigator.onLine,
  };

  /* --- money in cents ------------------------------------------------------------------- */
  function toCents(text) {
    var clean = String(text == null ? "" : text).trim().replace(",", ".");
    if (!/^\d+(\.\d{0,2})?$/.test(clean)) return null;
    var parts = clean.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt((parts[1] || "").padEnd(2, "0"), 10);
  }
  function decimal(cents) {
    var sign = cents < 0 ? "-" : "";
    var abs = Math.abs(cents);
    return sign + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }
  function money(cents) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "currency",
        currency: state.currency,
      }).format(cents / 100);
    } catch (e) {
      return decimal(cents) + " " + state.currency;
    }
  }

  function when(moment) {
    return new Date(moment).toLocaleString(document.documentElement.lang || undefined);
  }

  function $(selector) {
    return app.querySelector(selector);
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  window.TillOffline = { el: el, exact: exact, matching: matching }; // for till_count.js

  /* --- local data ------------------------------------------------------------------------ */
  async function loadLocal() {
    state.items = await db.items.orderBy("name").toArray();
    state.bySku = {};
    state.byBarcode = {};
    state.items.forEach(function (item) {
      state.bySku[item.sku.toUpperCase()] = item;
      if (item.barcode) state.byBarcode[item.barcode] = item;
    });
    state.stock = {};
    (await db.stock.toArray()).forEach(function (row) { state.stock[row.sku] = row.available; });
    state.currency = await T.metaGet(db, "currency", "EUR");
    state.sale = await T.metaGet(db, "sale", []);
    var taken = await T.metaGet(db, "snapshot_at", null);
    $("[data-snapshot-info]").textContent = state.items.length
      ? interpolate(
          ngettext("%(count)s item, prices of %(when)s", "%(count)s items, prices of %(when)s", state.items.length),
          { count: state.items.length, when: taken ? when(taken) : "?" },
          true
        )
      : gettext("No catalogue on this device yet: open the till once with the network.");
  }

  function saveSale() {
    return T.metaPut(db, "sale", state.sale);
  }

  /* --- talking to the server ------------------------------------------------------------ */
  function registerDevice() {
    return T.registerDevice(db, app.dataset.devicesUrl, store);
  }

  async function refreshSnapshot() {
    if (!(await T.refreshSnapshot(db, app.dataset.snapshotUrl, store))) return;
    state.lastSnapshotAt = Date.now();
    await loadLocal();
    render();
  }

  async function refreshDiscrepancies() {
    var url = app.dataset.discrepanciesUrl + "?status=open&store=" + encodeURIComponent(store);
    var response = await T.api(url);
    if (!response.ok) return;
    var body = await response.json();
    $("[data-discrepancies]").textContent = body.count
      ? interpolate(
          ngettext(
            "%(count)s open stock discrepancy at %(store)s: a manager resolves it (count, transfer or write-off).",
            "%(count)s open stock discrepancies at %(store)s: a manager resolves them (count, transfer or write-off).",
            body.count
          ),
          { count: body.count, store: app.dataset.storeName },
          true
        )
      : gettext("No open stock discrepancy at this store.");
  }

  async function syncNow() {
    var result = await T.sync(db, app.dataset.salesUrl);
    setOnline(result !== "offline" && navigator.onLine);
    await renderSync();
    return result;
  }

  async function tick() {
    if (!navigator.onLine) return setOnline(false);
    try {
      var result = await syncNow();
      if (result === "offline") return;
      if (Date.now() - state.lastSnapshotAt > SNAPSHOT_EVERY_MS) {
        await refreshSnapshot();
        await refreshDiscrepancies();
      }
    } catch (e) {
      setOnline(false);
    }
  }

  function setOnline(online) {
    state.online = online;
    var badge = $("[data-net]");
    badge.className = "badge " + (online ? "badge-ok" : "badge-warn");
    badge.textContent = online ? gettext("Online") : gettext("Offline: sales and counts are kept on this till");
    app.classList.toggle("is-offline", !online);
    $("[data-online-link]").setAttribute("aria-disabled", online ? "false" : "true");
    showBanner(online);
  }

  /* This page is also what the service worker answers, with no network, for the full till and
     the till's other pages: the banner says so, and offers the page asked for once the line
     is back. */
  function showBanner(online) {
    var banner = document.querySelector("[data-offline-banner]");
    if (!banner) return;
    var standIn = location.pathname !== app.dataset.page;
    banner.hidden = online && !standIn;
    banner.querySelector("[data-offline-text]").hidden = online;
    banner.querySelector("[data-back-online]").hidden = !(online && standIn);
  }

  /* --- the sale ----------------------------------------------------------------------------- */
  function addItem(item, quantity) {
    var line = state.sale.find(function (l) { return l.sku === item.sku; });
    if (line) line.quantity += quantity || 1;
    else state.sale.push({ sku: item.sku, name: item.name, quantity: quantity || 1, unit_price: item.price, till_price: item.till_price });
    hideReceipt();
    saveSale();
    render();
  }

  function lineTotal(line) {
    return toCents(line.till_price) * line.quantity;
  }
  function saleTotal() {
    return state.sale.reduce(function (sum, l) { return sum + lineTotal(l); }, 0);
  }

  /* The item a scanned barcode or a typed SKU names; else null. */
  function exact(catalogue, text) {
    return catalogue.byBarcode[text.trim()] || catalogue.bySku[text.trim().toUpperCase()] || null;
  }

  /* The first items whose name or SKU holds `text`. */
  function matching(items, text) {
    var needle = text.trim().toUpperCase();
    return items.filter(function (i) {
      return i.name.toUpperCase().indexOf(needle) >= 0 || i.sku.toUpperCase().indexOf(needle) >= 0;
    }).slice(0, RESULTS_SHOWN);
  }

  function search(text) {
    var item = exact(state, text);
    if (item) {
      addItem(item, 1);
      $("[data-results]").hidden = true;
      return;
    }
    var found = matching(state.items, text);
    var list = $("[data-result-list]");
    list.innerHTML = "";
    if (!found.length) list.appendChild(el("li", { className: "empty", text: interpolate(gettext("Nothing matches “%(text)s”."), { text: text }, true) }));
    found.forEach(function (i) {
      var add = el("button", { type: "button", className: "button button-small button-primary", text: gettext("Add"), "aria-label": interpolate(gettext("Add %(name)s"), { name: i.name }, true) });
      add.addEventListener("click", function () { addItem(i, 1); $("[data-results]").hidden = true; $("#scan").focus(); });
      list.appendChild(el("li", { className: "result" }, [
        el("span", { text: i.name + " " }),
        el("span", { className: "sku", text: i.sku }),
        el("span", { className: "muted", text: " " + interpolate(gettext("%(price)s · %(count)s here"), { price: money(toCents(i.till_price)), count: state.stock[i.sku] || 0 }, true) + " " }),
        add,
      ]));
    });
    $("[data-results]").hidden = false;
  }

  function render() {
    var list = $("[data-lines]");
    list.innerHTML = "";
    state.sale.forEach(function (line) {
      var here = state.stock[line.sku] || 0;
      var less = el("button", { type: "button", className: "button button-square", "aria-label": interpolate(gettext("One less %(name)s"), { name: line.name }, true), text: "−" });
      var more = el("button", { type: "button", className: "button button-square", "aria-label": interpolate(gettext("One more %(name)s"), { name: line.name }, true), text: "+" });
      var remove = el("button", { type: "button", className: "button button-danger button-small", text: gettext("Remove"), "aria-label": interpolate(gettext("Remove %(name)s"), { name: line.name }, true) });
      less.disabled = line.quantity <= 1;
      less.addEventListener("click", function () { line.quantity -= 1; saveSale(); render(); });
      more.addEventListener("click", function () { line.quantity += 1; saveSale(); render(); });
      remove.addEventListener("click", function () {
        state.sale = state.sale.filter(function (l) { return l !== line; });
        saveSale();
        render();
      });
      var discount = toCents(line.unit_price) * line.quantity - lineTotal(line);
      list.appendChild(el("li", { className: "sale-line", "data-sku": line.sku }, [
        el("div", { className: "line-main" }, [
          el("div", { className: "line-name" }, [el("strong", { text: line.name }), el("span", { className: "sku", text: line.sku })]),
          el("div", { className: "qty", role: "group", "aria-label": interpolate(gettext("Quantity of %(name)s"), { name: line.name }, true) }, [
            less, el("span", { className: "qty-value", text: String(line.quantity) }), more,
          ]),
          el("div", { className: "line-money" }, [
            el("span", { className: "muted", text: interpolate(gettext("%(price)s each"), { price: money(toCents(line.unit_price)) }, true) }),
            discount ? el("span", { className: "discount", text: "−" + money(discount) }) : null,
            el("strong", { text: money(lineTotal(line)) }),
          ]),
          remove,
        ]),
        el("div", { className: "line-stock" }, [
          here >= line.quantity
            ? el("span", { className: "stock-chip stock-ok", text: interpolate(gettext("%(count)s available here"), { count: here }, true) })
            : el("span", { className: "stock-chip stock-none", text: here
              ? interpolate(gettext("Only %(count)s here by this till's count"), { count: here }, true)
              : gettext("None here by this till's count") }),
        ]),
      ]));
    });
    $("[data-empty]").hidden = state.sale.length > 0;
    var total = saleTotal();
    $("[data-total]").textContent = money(total);
    var button = $("[data-pay-button]");
    button.disabled = !state.sale.length;
    button.textContent = interpolate(gettext("Take payment · %(amount)s"), { amount: money(total) }, true);
    $("[data-total]").dataset.cents = String(total);
    showChange();
  }

  function method() {
    return $("[data-pay] input[name=method]:checked").value;
  }

  function showChange() {
    var tendered = toCents($("#tendered").value);
    var total = saleTotal();
    $("[data-change-due]").textContent =
      method() === "cash" && tendered !== null && state.sale.length
        ? tendered >= total
          ? interpolate(gettext("Change due %(amount)s"), { amount: money(tendered - total) }, true)
          : interpolate(gettext("Short by %(amount)s"), { amount: money(total - tendered) }, true)
        : "";
  }

  function payError(message) {
    var box = $("[data-pay-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function pay(event) {
    event.preventDefault();
    payError("");
    if (!state.sale.length) return;
    var total = saleTotal();
    var payment, change = null;
    if (method() === "cash") {
      var tendered = toCents($("#tendered").value);
      if (tendered === null || tendered < total) return payError(interpolate(gettext("Enter the cash tendered: at least %(amount)s."), { amount: money(total) }, true));
      payment = { method: "cash", tendered: decimal(tendered) };
      change = tendered - total;
    } else {
      var reference = $("#terminal-reference").value.trim();
      if (!reference) return payError(gettext("Enter the card terminal's reference."));
      payment = { method: "card", terminal_reference: reference };
    }
    var sale = {
      total: total,
      change_due: change,
      payment: payment,
      lines: state.sale.map(function (l) {
        return { sku: l.sku, name: l.name, quantity: l.quantity, unit_price: l.unit_price, line_total: decimal(lineTotal(l)) };
      }),
    };
    var entry;
    try {
      entry = await T.record(db, store, sale);
    } catch (e) {
      return payError(e.message);
    }
    state.sale = [];
    await saveSale();
    $("#tendered").value = "";
    $("#terminal-reference").value = "";
    await loadLocal();
    render();
    showReceipt(entry);
    renderSync();
    if (navigator.onLine) tick();
  }

  function showReceipt(entry) {
    var box = $("[data-receipt]");
    $("[data-receipt-number]").textContent = entry.receipt;
    $("[data-receipt-meta]").textContent = app.dataset.storeName + " · " + when(entry.created_at);
    var lines = $("[data-receipt-lines]");
    lines.innerHTML = "";
    entry.lines.forEach(function (l) {
      lines.appendChild(el("li", { text: l.quantity + " × " + l.name + " (" + l.sku + ") " + money(toCents(l.line_total)) }));
    });
    var sums = $("[data-receipt-sums]");
    sums.innerHTML = "";
    var rows = [[gettext("Total"), money(entry.total)]];
    if (entry.body.payment.method === "cash") {
      rows.push([gettext("Cash"), money(toCents(entry.body.payment.tendered))], [gettext("Change due"), money(entry.change_due)]);
    } else {
      rows.push([gettext("Card"), entry.body.payment.terminal_reference]);
    }
    rows.forEach(function (r) { sums.appendChild(el("div", {}, [el("dt", { text: r[0] }), el("dd", { text: r[1] })])); });
    $("[data-receipt-note]").textContent = entry.offline
      ? gettext("Made offline: kept on this till and sent when the network is back.")
      : gettext("Sent to the server in the background.");
    box.hidden = false;
    box.focus();
  }

  function hideReceipt() {
    $("[data-receipt]").hidden = true;
  }

  var LABELS = { pending: gettext("Waiting to send"), sent: gettext("Sent"), conflict: gettext("Conflicted") };

  /* A refused sale (the drawer was closed, say) is sent again once the cause is fixed. */
  function retryButton(entry) {
    var button = el("button", { type: "button", className: "button button-small", text: gettext("Send again"), "aria-label": interpolate(gettext("Send %(receipt)s again"), { receipt: entry.receipt }, true) });
    button.addEventListener("click", async function () {
      await db.outbox.update(entry.id, { status: "pending", error: "" });
      await renderSync();
      tick();
    });
    return button;
  }

  async function renderSync() {
    for (var status of ["pending", "sent", "conflict"]) {
      app.querySelector('[data-count="' + status + '"]').textContent = String(await db.outbox.where("status").equals(status).count());
    }
    var recent = (await db.outbox.orderBy("sequence").reverse().limit(8).toArray());
    var list = $("[data-sync-list]");
    list.innerHTML = "";
    recent.forEach(function (entry) {
      var notes = [];
      (entry.discrepancies || []).forEach(function (d) {
        notes.push(interpolate(gettext("%(quantity)s × %(sku)s not in stock: stock discrepancy"), { quantity: d.quantity, sku: d.sku }, true));
      });
      if (entry.price_difference && toCents(entry.price_difference.replace("-", "")) !== 0) {
        notes.push(interpolate(gettext("price differs from today's by %(amount)s (flagged, not charged)"), { amount: entry.price_difference }, true));
      }
      if (entry.error) notes.push(entry.error);
      list.appendChild(el("li", { className: "sync-" + entry.status, "data-receipt": entry.receipt }, [
        el("strong", { text: entry.receipt }),
        el("span", { text: " " + money(entry.total) + " " }),
        el("span", { className: "badge " + (entry.status === "sent" ? "badge-ok" : entry.status === "conflict" ? "badge-warn" : "badge-info"), text: LABELS[entry.status] }),
        entry.order ? el("span", { className: "muted", text: " " + entry.order }) : null,
        notes.length ? el("p", { className: "small", text: notes.join("; ") }) : null,
        entry.status === "conflict" ? retryButton(entry) : null,
      ]));
    });
    app.dispatchEvent(new CustomEvent("till:synced")); // the counts' list follows (till_count.js)
  }

  /* --- wiring ------------------------------------------------------------------------------- */
  function keepShell() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(app.dataset.worker, { scope: "/pos/" }).catch(function () {});
    if (!window.caches || !navigator.onLine) return;
    var assets = [location.pathname];
    document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (node) {
      assets.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    caches.open(T.SHELL_CACHE).then(function (cache) { return cache.addAll(assets); }).catch(function () {});
  }

  async function start() {
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    keepShell();
    $("[data-scan]").addEventListener("submit", function (event) {
      event.preventDefault();
      var box = $("#scan");
      if (box.value.trim()) search(box.value);
      box.value = "";
    });
    $("[data-pay]").addEventListener("submit", pay);
    $("[data-pay]").addEventListener("change", function () {
      var m = method();
      app.querySelector('[data-panel="cash"]').hidden = m !== "cash";
      app.querySelector('[data-panel="card"]').hidden = m !== "card";
      showChange();
    });
    $("#tendered").addEventListener("input", showChange);
    $("[data-new-sale]").addEventListener("click", function () { hideReceipt(); $("#scan").focus(); });
    $("[data-print]").addEventListener("click", function () { window.print(); });
    $("[data-sync-now]").addEventListener("click", tick);
    window.addEventListener("online", function () { setOnline(true); tick(); });
    window.addEventListener("offline", function () { setOnline(false); });
    await loadLocal();
    render();
    await renderSync();
    setOnline(navigator.onLine);
    if (navigator.onLine) {
      try {
        await registerDevice();
        await refreshSnapshot();
        await refreshDiscrepancies();
        await syncNow();
      } catch (e) {
        setOnline(false);
      }
    }
    app.dataset.ready = "1";
    setInterval(tick, SYNC_EVERY_MS);
  }

  start();
})();
