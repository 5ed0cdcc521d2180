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

  // A section of a long menu opens its list on a wide screen (on a phone the lists are always shown);
  // one at a time, closed again by Escape, a click elsewhere or the focus leaving it.
  function closeGroups(except) {
    document.querySelectorAll(".nav-group-toggle[aria-expanded='true']").forEach(function (button) {
      if (button !== except) button.setAttribute("aria-expanded", "false");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".nav-group-toggle");
    if (button && window.matchMedia("(min-width: 900px)").matches) {
      var open = button.getAttribute("aria-expanded") === "true";
      closeGroups(button);
      button.setAttribute("aria-expanded", open ? "false" : "true");
    } else if (!(event.target.closest && event.target.closest(".nav-group"))) {
      closeGroups(null);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeGroups(null);
  });
  document.addEventListener("focusout", function (event) {
    var group = event.target.closest && event.target.closest(".nav-group");
    if (group && !(event.relatedTarget && group.contains(event.relatedTarget))) {
      var button = group.querySelector(".nav-group-toggle");
      if (button) button.setAttribute("aria-expanded", "false");
    }
  });

  // A table wider than its box scrolls sideways: the box becomes a keyboard-focusable, named region with
  // a visible cue ("左右滑动查看更多", from <body data-scroll-hint>) and a shadow on the cut edge.
  function markScrollers(root) {
    var hint = document.body.getAttribute("data-scroll-hint") || "";
    (root || document).querySelectorAll(".table-wrap").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("is-scrollable", wide);
      if (wide) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", hint);
        box.setAttribute("data-hint", hint);
        var atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 2;
        box.classList.toggle("at-end", atEnd);
      }
    });
  }
  // On a phone a list table stacks into one card per row (app.css): each cell is labelled with its
  // column's header here, once, so the card reads "状态 处置中" (table.list.no-stack opts out).
  function labelCells(root) {
    (root || document).querySelectorAll("table.list:not(.no-stack)").forEach(function (table) {
      var heads = [];
      var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!row) return;
      Array.prototype.forEach.call(row.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) heads.push(th.textContent.trim());
      });
      // The tfoot too (a 合计 row): on a phone it stacks into a card like the body rows.
      var sections = Array.prototype.slice.call(table.tBodies);
      if (table.tFoot) sections.push(table.tFoot);
      sections.forEach(function (body) {
        Array.prototype.forEach.call(body.rows, function (tr) {
          var col = 0;
          Array.prototype.forEach.call(tr.cells, function (cell) {
            // A cell spanning several columns (an empty-state row, a subtotal) belongs to none of them.
            var label = (cell.colSpan || 1) > 1 ? "" : heads[col] || "";
            if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
            col += cell.colSpan || 1;
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(); markScrollers(); });
  document.addEventListener("htmx:afterSettle", function (event) { labelCells(event.target); });
  window.addEventListener("resize", function () { markScrollers(); });
  document.addEventListener("htmx:afterSettle", function (event) { markScrollers(event.target); });
  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (box.classList && box.classList.contains("is-scrollable")) {
      box.classList.toggle("at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
    }
  }, true);
})();
