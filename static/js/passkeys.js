/* Sésame — passkeys (WebAuthn). Uses the browser's JSON helpers
   (PublicKeyCredential.parse*OptionsFromJSON, credential.toJSON), so no
   base64url code lives here. Without them the passkey buttons stay hidden. */
(function () {
  "use strict";
  // Loaded by the pages that use it, again after each htmx swap: set up once.
  if (window.SesamePasskeys) { window.SesamePasskeys.enhance(document); return; }
  var PKC = window.PublicKeyCredential;
  var supported = !!(PKC && PKC.parseCreationOptionsFromJSON && PKC.parseRequestOptionsFromJSON);
  var conditionalAbort = null;

  function post(url, body, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 409 && data.redirect) { window.location.assign(data.redirect); }
        if (!response.ok) {
          var failure = new Error(data.error || "Le service n'a pas répondu. Réessayez.");
          failure.fromServer = true;
          throw failure;
        }
        return data;
      });
    });
  }

  function say(box, text) {
    var status = box.querySelector(".passkey-status");
    if (status) status.textContent = text;
  }

  function failure(box, error) {
    if (error && error.name === "NotAllowedError") {
      say(box, "Opération annulée ou délai dépassé. Vous pouvez réessayer.");
    } else if (error && error.name === "InvalidStateError") {
      say(box, "Cette clé d'accès est déjà enregistrée sur cet appareil.");
    } else {
      // Our server's messages are French; a browser's own are not shown.
      say(box, (error && error.fromServer && error.message) || "Votre téléphone n'a pas pu utiliser la clé d'accès. Réessayez.");
    }
  }

  function register(box) {
    if (conditionalAbort) { conditionalAbort.abort(); conditionalAbort = null; }
    var csrf = box.dataset.csrf;
    var nameInput = box.querySelector("#passkey-name");
    say(box, "Suivez les instructions de votre téléphone…");
    post("/compte/securite/cle/options", {}, csrf)
      .then(function (options) {
        return navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) });
      })
      .then(function (credential) {
        return post("/compte/securite/cle", { credential: credential.toJSON(), name: nameInput ? nameInput.value : "" }, csrf);
      })
      .then(function (data) { window.location.assign(data.redirect); })
      .catch(function (error) { failure(box, error); });
  }

  function authenticate(box, mediation) {
    var csrf = box.dataset.csrf;
    var purpose = box.dataset.purpose;
    // One pending request at a time: a new page (htmx swap) or the button replaces the autofill one.
    if (conditionalAbort) { conditionalAbort.abort(); conditionalAbort = null; }
    if (!mediation) say(box, "Suivez les instructions de votre téléphone…");
    return post("/cle/options", { purpose: purpose }, csrf)
      .then(function (options) {
        var request = { publicKey: PKC.parseRequestOptionsFromJSON(options) };
        if (mediation) {
          conditionalAbort = new AbortController();
          request.mediation = "conditional";
          request.signal = conditionalAbort.signal;
        }
        return navigator.credentials.get(request);
      })
      .then(function (credential) {
        if (!credential) return null;
        return post("/cle/verifier", { purpose: purpose, credential: credential.toJSON() }, csrf);
      })
      .then(function (data) { if (data) window.location.assign(data.redirect); })
      // The silent autofill request only speaks when the server refused a passkey
      // actually chosen; the browser's own refusals are not the person's doing.
      .catch(function (error) { if (!mediation || (error && error.fromServer)) failure(box, error); });
  }

  function enhance(root) {
    if (!supported) return;
    root.querySelectorAll("[data-passkey-register], [data-passkey-login]").forEach(function (box) {
      box.hidden = false;
      if (box.dataset.passkeyReady) return;
      box.dataset.passkeyReady = "1";
      box.querySelectorAll("[data-passkey-action]").forEach(function (button) {
        button.addEventListener("click", function () {
          if (button.dataset.passkeyAction === "register") register(box);
          else authenticate(box, false);
        });
      });
      // Passkey autofill on the login form, where the browser offers it.
      if (box.hasAttribute("data-conditional") && PKC.isConditionalMediationAvailable) {
        PKC.isConditionalMediationAvailable().then(function (available) {
          if (available) authenticate(box, true);
        });
      }
    });
  }

  window.SesamePasskeys = { enhance: enhance };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.detail.target || document); });
})();
