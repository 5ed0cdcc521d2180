/* The list pages (cases/web/lists.py): no inline scripts, behaviour from data- attributes. */
(function () {
  "use strict";

  // The filter form starts open (it works without JS); on a phone it folds away unless filters are set.
  document.addEventListener("DOMContentLoaded", function () {
    var narrow = window.matchMedia("(max-width: 600px)").matches;
    document.querySelectorAll("details[data-filter-box]").forEach(function (box) {
      if (narrow && !box.querySelector(".tag")) box.open = false;
    });
  });

  // While htmx refreshes the results, mark them busy (screen readers and a dimmed table).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var results = document.getElementById("results");
    if (results && event.detail.target === results) results.setAttribute("aria-busy", "true");
  });
})();
