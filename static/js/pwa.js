/* Sésame — installable app: service worker, "new version" banner, install help.
   Pages work without this file. */
(function () {
  "use strict";
  var sw = navigator.serviceWorker;
  var reloadOnChange = false;
  var lastCheck = Date.now();
  var offered = null; // the browser's install prompt, when it gives one

  function banner(registration) {
    if (document.getElementById("update-banner")) return;
    var box = document.createElement("div");
    var button = document.createElement("button");
    box.id = "update-banner";
    box.className = "notice-bar update-banner";
    box.setAttribute("role", "status");
    box.textContent = "Nouvelle version disponible. ";
    button.type = "button";
    button.className = "button";
    button.textContent = "Recharger";
    button.addEventListener("click", function () {
      if (!registration.waiting) return location.reload();
      button.disabled = reloadOnChange = true;
      registration.waiting.postMessage("SKIP_WAITING");
    });
    box.appendChild(button);
    document.body.insertBefore(box, document.getElementById("main"));
  }

  function watch(registration) {
    // A new worker while a page is already controlled is a new version, not the first install.
    function check(worker) {
      if (worker.state === "installed" && sw.controller) banner(registration);
    }
    if (registration.waiting) check(registration.waiting);
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      worker.addEventListener("statechange", function () { check(worker); });
    });
    // htmx keeps one document open for long: look again when the app comes back, hourly at most.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden || Date.now() - lastCheck < 36e5) return;
      lastCheck = Date.now();
      registration.update().catch(function () {});
    });
  }

  if (sw) {
    sw.addEventListener("controllerchange", function () {
      if (reloadOnChange) location.reload(); // not on the first install (clients.claim)
    });
    var register = function () {
      sw.register("/sw.js", { scope: "/" }).then(function (registration) {
        if (registration) watch(registration); // undefined under Playwright's service_workers "block"
      }, function () {});
    };
    // After the page has loaded: the worker's downloads must not slow the first visit.
    if (document.readyState === "complete") register();
    else window.addEventListener("load", register);
  }

  // Without network, a boosted link or GET form becomes a real navigation, which the worker
  // answers (a kept guide page, or the offline page). Posts stay with htmx, typed values kept.
  document.addEventListener("htmx:sendError", function (event) {
    var d = event.detail;
    if (d.boosted && d.requestConfig.verb === "get" && sw && sw.controller) {
      location.assign(d.pathInfo.finalRequestPath);
    }
  });

  function browser(ua) {
    if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return "safari-ios";
    if (/SamsungBrowser/.test(ua)) return "samsung";
    if (/Android/.test(ua)) return /Firefox\//.test(ua) ? "firefox-android" : "chrome-android";
  }

  function showOffer() {
    var offer = document.querySelector("[data-install-offer]");
    if (offer) offer.hidden = !offered;
  }

  function install(root) {
    var box = root.querySelector("[data-install]");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    if (matchMedia("(display-mode: standalone)").matches || navigator.standalone === true) {
      box.hidden = true;
      return;
    }
    var mine = box.querySelector('details[data-browser="' + browser(navigator.userAgent) + '"]');
    if (mine) {
      mine.parentNode.insertBefore(mine, mine.parentNode.firstChild);
      mine.open = true;
      var note = document.createElement("span");
      note.className = "install-yours";
      note.textContent = " (votre navigateur)";
      mine.firstElementChild.appendChild(note);
    }
    box.querySelector("[data-install-button]").addEventListener("click", function () {
      var prompt = offered;
      if (!prompt) return;
      offered = null;
      prompt.prompt();
      prompt.userChoice.then(function (choice) {
        if (choice.outcome === "accepted") box.hidden = true;
      });
      showOffer();
    });
    showOffer();
  }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault(); // our button instead of the browser's banner
    offered = event;
    showOffer();
  });
  window.addEventListener("appinstalled", function () {
    var box = document.querySelector("[data-install]");
    if (box) box.hidden = true;
  });
  document.addEventListener("DOMContentLoaded", function () { install(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "main") install(event.detail.target);
  });
})();
