/* Omnistore POS: small enhancements of server-rendered pages. Every page works without it.
   - the scan box keeps the focus (a USB scanner types into whatever has focus);
   - the payment panel shows cash or card fields and the change due as the clerk types;
   - a form is sent once (the server also refuses a second sale with the same key);
   - print buttons, confirmations, quantity fields that submit on change.
   Its words come from the scripts' catalogue (`gettext`), loaded before it on every POS page. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  /* --- money, in cents: no floating point on amounts --------------------------------------- */
  function toCents(text) {
    var clean = String(text || "").trim().replace(",", ".");
    if (!/^\d+(\.\d{0,2})?$/.test(clean)) return null;
    var parts = clean.split(".");
    var cents = (parts[1] || "").padEnd(2, "0");
    return parseInt(parts[0], 10) * 100 + parseInt(cents, 10);
  }

  function fromCents(cents) {
    var sign = cents < 0 ? "-" : "";
    var abs = Math.abs(cents);
    return sign + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }

  function format(cents, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "currency", currency: currency }).format(cents / 100);
    } catch (e) {
      return fromCents(cents) + " " + currency;
    }
  }

  /* --- the scan box keeps the focus --------------------------------------------------------- */
  function keepFocus() {
    var box = document.querySelector("[data-keep-focus]");
    if (!box) return;
    var typing = function (el) {
      return el && el !== document.body && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el !== box;
    };
    if (!typing(document.activeElement)) box.focus();
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("input, select, textarea, label, a, button, summary, [contenteditable]")) return;
      if (window.getSelection && String(window.getSelection())) return;
      box.focus();
    });
    document.addEventListener("focusout", function () {
      // After a button press the page reloads; after leaving a field for nothing, come back.
      window.setTimeout(function () {
        if (!typing(document.activeElement) && document.activeElement.tagName !== "BUTTON") box.focus();
      }, 0);
    });
    // A scanner types fast: keystrokes landing on the page (not in a field) go to the box.
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
      var active = document.activeElement;
      if (typing(active) || active === box || /^(BUTTON|A)$/.test(active.tagName)) return;
      box.focus();
    });
  }

  /* --- cash or card, and the change due ----------------------------------------------------- */
  function paymentPanel() {
    var form = document.querySelector("[data-pay-form]");
    if (!form) return;
    var totalEl = document.getElementById("sale-total");
    var total = toCents(totalEl && totalEl.dataset.total);
    var currency = (totalEl && totalEl.dataset.currency) || "EUR";
    var tendered = form.querySelector("[data-tendered]");
    var changeEl = form.querySelector("[data-change]");
    var confirmed = form.querySelector("[data-confirmed]");
    var button = form.querySelector("[data-pay-button]");
    var buttonText = button ? button.textContent : "";
    var quick = form.querySelector("[data-quick-cash]");
    var giftAmount = form.querySelector("[data-gift-amount]");
    var storeCredit = form.querySelector("[data-store-credit]");
    var saleTotal = total;

    function method() {
      var checked = form.querySelector("input[name=method]:checked");
      return checked ? checked.value : "";
    }

    function update() {
      var cash = method() === "cash";
      form.querySelectorAll("[data-method-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.methodPanel !== method();
      });
      confirmed.value = "";
      changeEl.textContent = "";
      changeEl.className = "change-line";
      if (button) button.textContent = buttonText;
      // A gift card pays part: cash pays what it leaves.
      var gift = giftAmount ? toCents(giftAmount.value) : null;
      total = saleTotal === null ? null : Math.max(saleTotal - (gift || 0), 0);
      // Store credit pays as much of what is left as it holds.
      if (total !== null && storeCredit && storeCredit.checked) {
        total = Math.max(total - (toCents(storeCredit.dataset.storeCredit) || 0), 0);
      }
      if (!cash || total === null) return;
      var given = toCents(tendered.value);
      if (given === null) return;
      if (given < total) {
        changeEl.textContent = interpolate(gettext("Short by %(amount)s"), { amount: format(total - given, currency) }, true);
        changeEl.classList.add("is-short");
        return;
      }
      var change = given - total;
      changeEl.textContent = interpolate(gettext("Change due: %(amount)s"), { amount: format(change, currency) }, true);
      changeEl.classList.add("is-ok");
      // The clerk sees the change here, so the server does not ask again.
      confirmed.value = "on";
      if (button) button.textContent = interpolate(gettext("Confirm · change %(amount)s"), { amount: format(change, currency) }, true);
    }

    if (quick && total !== null && total > 0) {
      var amounts = [total];
      [500, 1000, 2000, 5000, 10000].forEach(function (note) {
        var rounded = Math.ceil(total / note) * note;
        if (rounded > total && amounts.indexOf(rounded) < 0 && amounts.length < 4) amounts.push(rounded);
      });
      amounts.forEach(function (cents, index) {
        var quickButton = document.createElement("button");
        quickButton.type = "button";
        quickButton.className = "button button-small";
        quickButton.textContent = index === 0 ? gettext("Exact") : format(cents, currency);
        quickButton.addEventListener("click", function () {
          tendered.value = fromCents(cents);
          update();
          tendered.focus();
        });
        quick.appendChild(quickButton);
      });
    }

    form.addEventListener("change", update);
    tendered.addEventListener("input", update);
    if (giftAmount) giftAmount.addEventListener("input", update);
    update();
  }

  /* --- endless aisle: delivery address or pickup store; card reference ---------------------- */
  function aisleForm() {
    var form = document.querySelector("[data-aisle-form]");
    if (!form) return;
    function update() {
      var fulfilment = form.querySelector("input[name=fulfilment]:checked");
      var pay = form.querySelector("input[name=payment_method]:checked");
      form.querySelectorAll("[data-fulfilment-panel]").forEach(function (panel) {
        panel.hidden = !fulfilment || panel.dataset.fulfilmentPanel !== fulfilment.value;
      });
      form.querySelectorAll("[data-method-panel]").forEach(function (panel) {
        panel.hidden = !pay || panel.dataset.methodPanel !== pay.value;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  /* --- send once, confirm, print, submit on change ------------------------------------------ */
  function forms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        if (form.dataset.sent) {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.setAttribute("aria-disabled", "true");
        });
      });
    });
    document.querySelectorAll("[data-submit-on-change]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.form && input.checkValidity()) input.form.requestSubmit();
      });
    });
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    forms();
    paymentPanel();
    aisleForm();
    keepFocus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
