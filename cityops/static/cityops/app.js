/* CityOps page behaviour. Plain JS, no inline scripts anywhere (the pages run under a CSP without
   'unsafe-inline'): pages opt in with data- attributes. */
(function () {
  "use strict";

  // <form data-confirm="…">: ask before submitting (bulk actions, rejections).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // <input type="checkbox" data-check-all="name">: toggles every checkbox with that name in its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-check-all");
    if (name && box.form) {
      box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (other) {
        other.checked = box.checked;
      });
    }
    // <select data-autosubmit>: submit its form on change (filters, page size).
    if (box.hasAttribute && box.hasAttribute("data-autosubmit") && box.form) box.form.requestSubmit();
  });

  // On wide screens the menu is always open; on a phone it starts closed.
  function syncMenu() {
    var menu = document.getElementById("menu");
    if (menu) menu.open = window.matchMedia("(min-width: 900px)").matches;
  }
  document.addEventListener("DOMContentLoaded", syncMenu);
})();
