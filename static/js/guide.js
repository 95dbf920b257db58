/* Sésame — the guide: remembers where the reader stopped, offers to resume, prints
   the letter. The guide works without this file. htmx runs it again after each page
   swap, so everything here is safe to repeat. */
(function () {
  "use strict";
  var KEY = "sesame-guide-position";

  function read() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (saved && typeof saved.url === "string" && /^\/guide\/[a-z0-9-]+\/\d+$/.test(saved.url)) return saved;
    } catch (e) { /* storage off or corrupt: nothing to resume */ }
    return null;
  }

  function remember(article) {
    var position = {
      url: window.location.pathname,
      chapter: Number(article.dataset.chapterNumber),
      title: article.dataset.chapterTitle,
      step: Number(article.dataset.step)
    };
    try { window.localStorage.setItem(KEY, JSON.stringify(position)); } catch (e) { /* private mode */ }
  }

  function offerResume(slot) {
    var saved = read();
    if (!saved || slot.dataset.ready) return;
    slot.dataset.ready = "1";
    var link = document.createElement("a");
    link.href = saved.url;
    link.textContent = "Reprendre là où vous en étiez : chapitre " + saved.chapter + ", étape " + saved.step +
      (saved.title ? " (" + saved.title + ")" : "");
    slot.appendChild(link);
    slot.hidden = false;
  }

  function apply() {
    var article = document.querySelector("[data-guide-step]");
    if (article) remember(article);
    var slot = document.getElementById("guide-resume");
    if (slot) offerResume(slot);
    document.querySelectorAll("[data-guide-print]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (!window.sesameGuide) {
    window.sesameGuide = true;
    document.addEventListener("htmx:afterSettle", apply);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
})();
