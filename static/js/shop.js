/* Omnistore storefront: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The scripts' catalogue is loaded only by the pages whose text this file writes (checkout),
  // after this file: looked up when the text is written.
  function gettext(text) {
    return window.gettext ? window.gettext(text) : text;
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Product page: the chosen variant's price and availability.
  function variantChoice() {
    var form = document.querySelector("[data-variant-form]");
    if (!form) return;
    var price = document.querySelector("[data-product-price]");
    var blocks = document.querySelectorAll("[data-availability]");
    function show() {
      var checked = form.querySelector("input[name=sku]:checked");
      if (!checked) return;
      if (price && checked.dataset.price) price.textContent = checked.dataset.price;
      blocks.forEach(function (block) {
        block.hidden = block.dataset.availability !== checked.value;
      });
    }
    form.addEventListener("change", show);
    show();
  }

  // Cart page: a changed quantity is saved at once.
  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var input = form.querySelector("input[name=quantity]");
      if (!input) return;
      input.addEventListener("change", function () {
        if (input.checkValidity()) form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  }

  // Checkout: show what the chosen fulfilment and payment need; submit once.
  function checkout() {
    var form = document.querySelector("[data-checkout-form]");
    if (!form) return;
    var collectOnly = form.querySelector("[data-collect-only]");
    function value(name) {
      var checked = form.querySelector("input[name=" + name + "]:checked");
      return checked ? checked.value : "";
    }
    function update() {
      var fulfilment = value("fulfilment");
      form.querySelectorAll("[data-when]").forEach(function (panel) {
        panel.hidden = fulfilment !== "" && panel.dataset.when !== fulfilment;
      });
      if (collectOnly) {
        var input = collectOnly.querySelector("input");
        var allowed = fulfilment === "collect";
        collectOnly.hidden = !allowed;
        if (!allowed && input.checked) {
          input.checked = false;
          var card = form.querySelector("input[name=payment_method][value=card]");
          if (card) card.checked = true;
        }
      }
      var payment = value("payment_method");
      form.querySelectorAll("[data-when-payment]").forEach(function (panel) {
        panel.hidden = panel.dataset.whenPayment !== payment;
      });
      summary(fulfilment);
    }
    // The summary follows the delivery method picked (prices computed by the server).
    function summary(fulfilment) {
      var delivery = form.querySelector("[data-delivery-amount]");
      var total = form.querySelector("[data-grand-total]");
      var button = form.querySelector("[data-place-label]");
      var method = form.querySelector("input[name=shipping_method]:checked");
      if (!delivery || !total) return;
      var price = delivery.dataset.free;
      var sum = total.dataset.goodsTotal;
      if (fulfilment !== "collect" && method) {
        price = method.dataset.shippingPrice;
        sum = method.dataset.shippingTotal;
      }
      delivery.textContent = price;
      total.textContent = sum;
      if (button) {
        button.textContent = button.dataset.placeLabel + " · " + sum;
        button.dataset.label = button.textContent;
      }
    }
    form.addEventListener("change", update);
    update();
    var buttons = form.querySelectorAll("[data-submit-once]");
    buttons.forEach(function (button) { button.dataset.label = button.textContent; });
    // Back to a page from the browser cache: the form may be sent again (with its same key).
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      delete form.dataset.submitted;
      buttons.forEach(function (button) {
        button.removeAttribute("aria-disabled");
        button.textContent = button.dataset.label;
      });
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
      buttons.forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
        button.textContent = gettext("Placing your order…");
      });
    });
  }

  // Forms that write something (a message, a request): sent once, whatever the clicks.
  function sendOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitted) {
          event.preventDefault();
          return;
        }
        form.dataset.submitted = "1";
        form.querySelectorAll("[data-submit-once]").forEach(function (button) {
          button.setAttribute("aria-disabled", "true");
        });
      });
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.querySelectorAll("form[data-once]").forEach(function (form) {
        delete form.dataset.submitted;
        form.querySelectorAll("[data-submit-once]").forEach(function (button) {
          button.removeAttribute("aria-disabled");
        });
      });
    });
  }

  ready(function () {
    variantChoice();
    autosubmit();
    checkout();
    sendOnce();
  });
})();
