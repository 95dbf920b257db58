/* Sésame — the visible countdown of a mailed code, and "Renvoyer le code"
   available one minute after the code was sent. Without JavaScript the
   server says the same things when the form is sent. */
(function () {
  "use strict";
  // Loaded by the pages that use it, again after each htmx swap: set up once.
  if (window.SesameCountdown) { window.SesameCountdown.start(document); return; }

  function format(seconds) {
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + " min " + (rest < 10 ? "0" : "") + rest + " s";
  }

  function start(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (box) {
      if (box.dataset.countdownReady) return;
      box.dataset.countdownReady = "1";
      var now = Date.now();
      var end = now + Number(box.dataset.countdown) * 1000;
      var resendAt = now + Number(box.dataset.resendIn) * 1000;
      var left = box.querySelector("[data-countdown-left]");
      var running = box.querySelector("[data-countdown-running]");
      var over = box.querySelector("[data-countdown-over]");
      var button = box.querySelector("[data-resend]");
      var wait = box.querySelector("[data-resend-wait]");
      var seconds = box.querySelector("[data-resend-seconds]");
      var ready = box.querySelector("[data-resend-ready]");
      var waiting = resendAt > now;
      if (waiting) button.disabled = true;

      function tick() {
        if (!document.body.contains(box)) { window.clearInterval(timer); return; }
        var remaining = Math.max(0, Math.round((end - Date.now()) / 1000));
        left.textContent = format(remaining);
        running.hidden = remaining === 0;
        over.hidden = remaining !== 0;
        var pause = Math.max(0, Math.ceil((resendAt - Date.now()) / 1000));
        if (waiting && pause > 0) {
          seconds.textContent = " (encore " + pause + " s)";
        } else if (waiting) {
          waiting = false;
          button.disabled = false;
          wait.hidden = true;
          ready.textContent = "Vous pouvez maintenant demander un nouveau code.";
        }
        if (remaining === 0 && !waiting) window.clearInterval(timer);
      }
      var timer = window.setInterval(tick, 1000);
      tick();
    });
  }

  window.SesameCountdown = { start: start };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { start(event.detail.target || document); });
})();
