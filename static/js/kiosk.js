// The TouchWall kiosk: back to the start (cart cleared) after a while untouched, and the
// stock panel of a product kept fresh while it is on screen.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var resetForm = document.getElementById("kiosk-reset");
  var notice = document.getElementById("kiosk-idle");
  var WARN_SECONDS = 10;
  var warnTimer = null;
  var resetTimer = null;

  function arm() {
    if (!idleSeconds || !resetForm) return;
    clearTimeout(warnTimer);
    clearTimeout(resetTimer);
    if (notice) notice.hidden = true;
    warnTimer = setTimeout(function () {
      if (notice) notice.hidden = false;
    }, Math.max(idleSeconds - WARN_SECONDS, 0) * 1000);
    resetTimer = setTimeout(function () {
      resetForm.submit();
    }, idleSeconds * 1000);
  }

  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true, capture: true });
  });
  arm();

  var panel = document.getElementById("kiosk-stock");
  if (panel) {
    var url = panel.getAttribute("data-refresh-url");
    var every = parseInt(panel.getAttribute("data-refresh-seconds") || "15", 10) * 1000;
    setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) panel.innerHTML = html; })
        .catch(function () {});
    }, every);
  }
})();
