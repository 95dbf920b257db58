/* Sésame — the anti-robot check of anonymous forms (ALTCHA proof-of-work, self-hosted).
   The widget (about 30 KB) is fetched only when someone starts filling such a form, then
   solves a small puzzle on its own in a worker: nobody has anything to click. A form sent
   before the puzzle is solved waits for it. Without JavaScript, or when the widget cannot
   run, the form is sent as it is and the server applies a stricter budget. */
(function () {
  "use strict";
  // Loaded by the pages that use it, again after each htmx swap: set up once.
  if (window.SesameAltcha) { window.SesameAltcha.enhance(document); return; }

  var ALTCHA_VERSION = "3.2.2";
  var VENDOR = "/static/vendor/altcha-";
  var WAIT_MS = 20000; // past this, the form goes without a solution (the budget applies)
  var STRINGS = {
    ariaLinkLabel: "ALTCHA",
    enterCode: "Saisissez le code",
    enterCodeAria: "Saisissez le code que vous entendez. Appuyez sur Espace pour l'écouter.",
    error: "La vérification n'a pas abouti. Vous pouvez quand même envoyer le formulaire.",
    expired: "La vérification a expiré : elle recommence.",
    footer: "",
    getAudioChallenge: "Écouter le code",
    label: "Vérification anti-robot automatique : rien à faire",
    loading: "Chargement…",
    reload: "Recommencer",
    verify: "Vérifier",
    verificationRequired: "La vérification automatique n'est pas terminée.",
    verified: "Vérification automatique réussie",
    verifying: "Vérification automatique en cours…",
    waitAlert: "Vérification automatique en cours, patientez un instant.",
    cancel: "Annuler",
    enterCodeFromImage: "Pour continuer, saisissez le code de l'image ci-dessous."
  };
  var loading = null;

  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = VENDOR + ALTCHA_VERSION + ".css";
      document.head.appendChild(css);
      var field = document.createElement("link");
      field.rel = "stylesheet";
      field.href = "/static/css/altcha-field.css";
      document.head.appendChild(field);
      var script = document.createElement("script");
      script.src = VENDOR + ALTCHA_VERSION + ".min.js";
      // Runs right after the widget's code, before any widget fetches its challenge.
      script.onload = function () {
        var altcha = window.$altcha;
        var worker = function () { return new Worker(VENDOR + "sha-worker-" + ALTCHA_VERSION + ".js"); };
        ["SHA-256", "SHA-384", "SHA-512"].forEach(function (name) { altcha.algorithms.set(name, worker); });
        altcha.i18n.set("fr", STRINGS);
        altcha.defaults.set({ hideFooter: true, hideLogo: true, humanInteractionSignature: false });
        resolve(altcha);
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
    return loading;
  }

  function stateOf(widget) {
    return typeof widget.getState === "function" ? widget.getState() : "unloaded";
  }

  // Resolves once the widget has a solution, has failed, or after WAIT_MS.
  function solved(widget) {
    return load().then(function () {
      return new Promise(function (done) {
        var timer = window.setTimeout(done, WAIT_MS);
        function check() {
          var state = stateOf(widget);
          if (state === "verified" || state === "error") {
            window.clearTimeout(timer);
            widget.removeEventListener("statechange", check);
            done();
          }
          return state;
        }
        widget.addEventListener("statechange", check);
        var state = check();
        if ((state === "unverified" || state === "expired") && widget.verify) widget.verify();
        // Not upgraded yet (the custom element mounts a moment after its code runs, longer
        // on a busy phone): look again until it is, then start solving.
        if (state === "unloaded") {
          var poll = window.setInterval(function () {
            var now = check();
            if (now === "unloaded") return;
            window.clearInterval(poll);
            if ((now === "unverified" || now === "expired") && widget.verify) widget.verify();
          }, 50);
          window.setTimeout(function () { window.clearInterval(poll); }, WAIT_MS);
        }
      });
    }, function () { /* the widget could not load: send without it */ });
  }

  function widgetOf(form) {
    return form && form.querySelector ? form.querySelector("altcha-widget") : null;
  }

  function enhance(root) {
    root.querySelectorAll("altcha-widget").forEach(function (widget) {
      if (widget.dataset.sesameReady) return;
      widget.dataset.sesameReady = "1";
      // A solution older than the challenge's lifetime is refused: solve a new one.
      widget.addEventListener("expired", function () { if (widget.verify) widget.verify(); });
    });
    // Already loaded (an htmx swap after an earlier form): the widget solves at once.
    if (loading && root.querySelector("altcha-widget")) load();
  }

  // Someone starts filling the form: fetch the widget, which then solves on its own.
  document.addEventListener("focusin", function (event) {
    if (widgetOf(event.target.form || event.target.closest && event.target.closest("form"))) load();
  });

  // Sent before the puzzle is solved: hold the form (before htmx sees it), send it after.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var widget = widgetOf(form);
    if (!widget || form.dataset.altchaSending) return;
    var state = stateOf(widget);
    if (state === "verified" || state === "error") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    solved(widget).then(function () {
      form.dataset.altchaSending = "1";
      try {
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      } finally {
        delete form.dataset.altchaSending;
      }
    });
  }, true);

  window.SesameAltcha = { enhance: enhance, load: load };
  enhance(document);
})();
