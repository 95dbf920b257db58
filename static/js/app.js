/* Sésame — small enhancements. Everything works without this file. */
(function () {
  "use strict";

  // Show/hide toggle next to every password field.
  function addToggles(root) {
    root.querySelectorAll("input[data-toggle-password]").forEach(function (input) {
      if (input.dataset.toggleReady) return;
      input.dataset.toggleReady = "1";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary toggle-password";
      button.textContent = "Afficher";
      button.setAttribute("aria-controls", input.id);
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", "Afficher le mot de passe");
      button.addEventListener("click", function () {
        var shown = input.type === "text";
        input.type = shown ? "password" : "text";
        button.textContent = shown ? "Afficher" : "Masquer";
        button.setAttribute("aria-pressed", shown ? "false" : "true");
        button.setAttribute("aria-label", shown ? "Afficher le mot de passe" : "Masquer le mot de passe");
      });
      var wrap = input.parentElement.classList.contains("password-wrap") ? input.parentElement : null;
      if (!wrap) {
        wrap = document.createElement("div");
        wrap.className = "password-wrap";
        input.parentNode.insertBefore(wrap, input);
        wrap.appendChild(input);
      }
      wrap.appendChild(button);
    });
  }

  // Copy buttons: data-copy = id of the element holding the text.
  function addCopyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.addEventListener("click", function () {
        var text = document.getElementById(button.dataset.copy).textContent.trim();
        navigator.clipboard.writeText(text).then(function () { announce(button.dataset.said || "Copié : " + text); });
      });
    });
  }

  var liveTimer = null;
  function announce(text) {
    var live = document.getElementById("live-status");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // Password checklist: summary for screen readers, spoken when typing pauses.
  function checklistSummary(list) {
    var items = list.querySelectorAll(":scope > ul > li[data-criterion], :scope > details > ul > li[data-criterion]");
    var met = 0, missing = [];
    items.forEach(function (li) {
      if (li.dataset.state === "met") met += 1;
      else if (li.dataset.state === "unmet") {
        var message = li.querySelector(":scope > .criterion-text > .criterion-message");
        missing.push((message || li.querySelector(".criterion-label")).textContent.trim());
      }
    });
    var text = met + " règle" + (met > 1 ? "s" : "") + " validée" + (met > 1 ? "s" : "") + " sur " + items.length + ".";
    if (missing.length) text += " Il manque : " + missing.join(" ; ") + ".";
    return text;
  }

  function refreshPattern(input) {
    if (window.SesamePolicy && window.SesamePolicy.refresh) window.SesamePolicy.refresh(input);
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-policy]")) return;
    window.clearTimeout(liveTimer);
    liveTimer = window.setTimeout(function () {
      var list = document.querySelector('[data-policy-checklist="' + input.id + '"]');
      if (list) announce(checklistSummary(list));
    }, 1200);
  });

  // The live check sends what is typed; remember it, so that after the answer
  // the server's states stand when nothing changed since (they are the truth,
  // e.g. for characters newer than the server's Unicode tables).
  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (input && input.matches && input.matches("input[data-policy]")) input.dataset.sentValue = input.value;
  });

  // After htmx swaps the checklist, re-apply the instant checks to what is typed now.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "main") {
      if (window.SesamePolicy && window.SesamePolicy.init) window.SesamePolicy.init();
      enhance(target);
      var focus = target.querySelector(".error-summary") || target.querySelector("h1");
      if (focus) {
        if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    }
    document.querySelectorAll("input[data-policy]").forEach(function (input) {
      if (input.value !== input.dataset.sentValue) refreshPattern(input);
    });
  });

  // A double tap sends a form once: its buttons wait for the answer.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    delete form.dataset.sending;
    form.querySelectorAll("button[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
  });

  // Network drops: htmx keeps the page (and what was typed) and we say so.
  function networkMessage(text) {
    var bar = document.getElementById("network-status");
    if (!bar) return;
    bar.textContent = text;
    bar.hidden = !text;
  }
  document.addEventListener("htmx:sendError", function () {
    networkMessage("Pas de connexion internet. Ce que vous avez saisi est conservé : réessayez quand le réseau revient.");
  });
  document.addEventListener("htmx:responseError", function () {
    networkMessage("Le service ne répond pas correctement. Réessayez dans un instant.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) networkMessage("");
  });

  // Idle timeout warning, 5 minutes before the session ends (RGAA 13.1).
  var idleTimer = null;
  function watchSession(root) {
    var dialog = root.querySelector("[data-session-timeout]");
    window.clearTimeout(idleTimer);
    if (!dialog) return;
    var idle = parseInt(dialog.dataset.sessionTimeout, 10) * 1000;
    var warnAfter = Math.max(idle - 5 * 60 * 1000, 1000);
    idleTimer = window.setTimeout(function () {
      dialog.hidden = false;
      var button = dialog.querySelector("button");
      if (button) button.focus();
    }, warnAfter);
    if (!dialog.dataset.ready) {
      dialog.dataset.ready = "1";
      dialog.addEventListener("htmx:afterRequest", function (event) {
        if (event.detail.successful) {
          dialog.hidden = true;
          announce("Vous restez connecté.");
          watchSession(document);
        }
      });
    }
  }

  // Print and download buttons (recovery codes): data-print, data-download=id.
  function addPrintDownload(root) {
    root.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("button[data-download]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var text = document.getElementById(button.dataset.download).innerText;
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([text + "\n"], { type: "text/plain" }));
        link.download = button.dataset.filename || "codes.txt";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });
  }

  // A whole birth date typed or pasted in the "Jour" box (9/1/1992) is spread
  // over the three boxes; the server understands it too when JS is off.
  document.addEventListener("change", function (event) {
    var day = event.target;
    if (day.id !== "jour") return;
    var parts = day.value.trim().match(/^(\d{1,2})\s*[\/.\- ]\s*(\d{1,2})\s*[\/.\- ]\s*(\d{4})$/);
    var month = document.getElementById("mois"), year = document.getElementById("annee");
    if (!parts || !month || !year || month.value || year.value) return;
    day.value = parts[1];
    month.value = parts[2];
    year.value = parts[3];
    announce("Date répartie : jour " + parts[1] + ", mois " + parts[2] + ", année " + parts[3] + ".");
  });

  // A letter's QR code opens /activation?identifiant=…#CODE: the code sits after
  // "#" so it never reaches a server log. Copy it into the field, then drop it
  // from the address bar and the history.
  function codeFromHash(root) {
    var field = root.querySelector("input[data-code-from-hash]");
    var code = window.location.hash.slice(1);
    if (!field || !code) return;
    field.value = decodeURIComponent(code).replace(/[^A-Za-z0-9-]/g, "").slice(0, 20);
    history.replaceState(history.state, "", window.location.pathname + window.location.search);
    announce("Le code de votre lettre est rempli.");
  }

  function enhance(root) {
    // A confirmation on a new page (a passkey added): a status region that arrives
    // with its text is not reliably read out, so it is said once through the live one.
    var flash = root.querySelector("[data-flash]");
    if (flash) announce(flash.textContent.trim());
    codeFromHash(root);
    addPrintDownload(root);
    addToggles(root);
    addCopyButtons(root);
    watchSession(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
