// A print button: any element with data-print opens the browser's print dialogue.
// (No inline onclick: the Content-Security-Policy allows only scripts from our own files.)
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
