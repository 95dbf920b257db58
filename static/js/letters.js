/* Sésame — the print buttons of the établissement page (templates/gestion/etablissement.html).
   Without this script the forms post as usual and the browser downloads the PDF. With it, the
   PDF is fetched and saved, then the page is reloaded in place, so its counts and lists show
   the letters just printed and never offer to print them again. A confirmation or an error
   comes back as a page: it replaces the content the same way. */
(function () {
  "use strict";
  if (window.sesameLettersReady) return;
  window.sesameLettersReady = true;

  function say(text) {
    var live = document.getElementById("live-status");
    if (live) live.textContent = text;
  }

  // The page's content, swapped by htmx itself so app.js enhances it as after any navigation.
  function show(html) {
    var main = document.getElementById("main");
    if (!main || !window.htmx) return false;
    window.htmx.swap(main, html, { swapStyle: "innerHTML" }, { eventInfo: { target: main } });
    var focus = main.querySelector("[data-focus]");
    if (focus) focus.focus();
    return true;
  }

  function refreshed(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (page) { return page.text(); });
  }

  function save(blob, response) {
    var found = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = found ? found[1] : "lettres-activation.pdf";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-letters]")) return;
    event.preventDefault();
    var body = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    say("Préparation des lettres…");
    var refresh = form.getAttribute("data-letters");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        // 204: every request was already served, nothing to download; the page says so.
        if (response.status === 204) return refreshed(refresh);
        if (type.indexOf("application/pdf") !== 0) return response.text();
        return response.blob().then(function (blob) {
          save(blob, response);
          return refreshed(refresh);
        });
      })
      .then(function (html) {
        say("");
        if (!show(html)) throw new Error("no page");
      })
      .catch(function () {
        buttons.forEach(function (button) { button.disabled = false; });
        say("L'impression n'a pas abouti. Vérifiez la connexion, rechargez la page et recommencez.");
      });
  });
})();
