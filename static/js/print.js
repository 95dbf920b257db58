/* Sésame — the "print" button of the help desk's slip (templates/gestion/slip.html). */
(function () {
  "use strict";
  if (window.sesamePrintReady) return;
  window.sesamePrintReady = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
