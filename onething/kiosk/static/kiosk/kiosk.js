/* Kiosk: sign out after a period without a touch; type on the on-screen keypad. */
(function () {
  "use strict";
  var body = document.body;
  var limit = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var exitUrl = body.getAttribute("data-idle-exit");
  if (limit > 0 && exitUrl) {
    var warnAt = Math.max(limit - 10, Math.floor(limit / 2));
    var banner = document.getElementById("idle-warning");
    var count = document.getElementById("idle-count");
    var last = Date.now();
    var reset = function () { last = Date.now(); if (banner) { banner.hidden = true; } };
    ["pointerdown", "keydown", "touchstart", "input", "wheel"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    window.setInterval(function () {
      var idle = (Date.now() - last) / 1000;
      if (idle >= limit) {
        window.location.assign(exitUrl);
      } else if (idle >= warnAt && banner) {
        count.textContent = String(Math.ceil(limit - idle));
        banner.hidden = false;
      }
    }, 250);
  }
  var pad = document.querySelector("[data-keypad-for]");
  if (pad) {
    var input = document.getElementById(pad.getAttribute("data-keypad-for"));
    pad.hidden = false;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key || !input) { return; }
      event.preventDefault();
      var value = key.getAttribute("data-key");
      if (value === "back") { input.value = input.value.slice(0, -1); }
      else if (value === "clear") { input.value = ""; }
      else if (input.value.length < (parseInt(input.getAttribute("maxlength"), 10) || 32)) {
        input.value += value;
      }
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  var printer = document.querySelector("[data-print]");
  if (printer) {
    printer.hidden = false;
    printer.addEventListener("click", function () { window.print(); });
  }
})();
