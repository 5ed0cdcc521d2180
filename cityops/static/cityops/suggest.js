/* Category suggestions (cases/suggest): the three likeliest categories for what was typed, with their
   confidence, as buttons that pick the category. Markup: templates/cases/suggest/_suggestions.html.
   data-mode="picker": the report forms; the description is typed in [data-source], a pick loads the
   category picker's options with that category chosen (htmx). data-mode="select": 立案; the case's own
   description is in data-text, a pick sets the <select> named by data-select.
   The hidden suggest_version / suggested fields tell the server what was shown, so it can log whether
   the suggestion was taken. No inline script (CSP). */
(function () {
  "use strict";

  function init(box) {
    if (box.dataset.suggestReady) return;
    box.dataset.suggestReady = "1";
    var status = box.querySelector("[data-suggest-status]");
    var list = box.querySelector("[data-suggest-list]");
    var version = box.querySelector('input[name="suggest_version"]');
    var shown = box.querySelector('input[name="suggested"]');
    var source = box.dataset.source ? document.getElementById(box.dataset.source) : null;
    var timer = null;
    var asked = "";
    var latest = 0;

    function position() {
      if (box.dataset.lng && box.dataset.lat) return [box.dataset.lng, box.dataset.lat];
      var lng = document.getElementById(box.dataset.lngInput || "");
      var lat = document.getElementById(box.dataset.latInput || "");
      if (lng && lat && lng.value && lat.value) return [lng.value, lat.value];
      return null;
    }

    function text() {
      return (source ? source.value : box.dataset.text || "").trim();
    }

    function clear(message) {
      list.textContent = "";
      version.value = "";
      shown.value = "";
      status.textContent = message;
    }

    function ask() {
      var words = text();
      var where = position();
      var key = words + "|" + (where ? where.join(",") : "");
      if (key === asked) return;
      asked = key;
      if (!words) {
        clear(box.dataset.lPrompt);
        return;
      }
      var params = new URLSearchParams({ text: words });
      if (where) {
        params.set("lng", where[0]);
        params.set("lat", where[1]);
      }
      var ticket = ++latest;
      box.setAttribute("aria-busy", "true");
      fetch(box.dataset.suggestUrl + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (ticket !== latest) return; // an older answer arriving after a newer one
          box.removeAttribute("aria-busy");
          if (!answer || !answer.available) {
            clear(answer && answer.detail ? answer.detail : box.dataset.lNone);
            return;
          }
          show(answer);
        })
        .catch(function () {
          if (ticket === latest) {
            box.removeAttribute("aria-busy");
            clear(box.dataset.lNone);
          }
        });
    }

    function show(answer) {
      list.textContent = "";
      if (!answer.suggestions.length) {
        clear(box.dataset.lPrompt);
        return;
      }
      status.textContent = answer.sure ? box.dataset.lSure : box.dataset.lUnsure;
      box.classList.toggle("is-unsure", !answer.sure);
      answer.suggestions.forEach(function (item, index) {
        var category = item.category;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "suggest-pick outline" + (index === 0 && answer.sure ? "" : " secondary");
        button.dataset.category = String(category.id);
        button.dataset.label = category.code + " " + category.name;
        var name = document.createElement("span");
        name.textContent = category.code + " " + category.name;
        var detail = document.createElement("small");
        var percent = Math.round(item.confidence * 100);
        detail.textContent = category.kind_label + " · " + (percent < 1 ? "<1" : String(percent)) + "%";
        button.append(name, " ", detail);
        button.setAttribute("aria-label", box.dataset.lPick + " " + button.dataset.label + "（" + detail.textContent + "）");
        button.addEventListener("click", function () { pick(button); });
        list.appendChild(button);
      });
      version.value = String(answer.version);
      shown.value = answer.suggestions
        .map(function (item) { return item.category.id + ":" + item.confidence.toFixed(4); })
        .join(",");
    }

    function pick(button) {
      list.querySelectorAll(".suggest-pick").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      var id = button.dataset.category;
      if (box.dataset.mode === "select") {
        var select = document.getElementById(box.dataset.select);
        if (select) {
          select.value = id;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
      // The picker's own options, with this category chosen on top (the same fragment its search loads).
      var target = document.getElementById("category-options");
      if (!target || !window.htmx) return;
      window.htmx
        .ajax("GET", box.dataset.pickUrl + "?category=" + encodeURIComponent(id), { target: target, swap: "innerHTML" })
        .then(function () {
          var radio = target.querySelector('input[name="category"][value="' + id + '"]');
          if (radio) {
            radio.checked = true;
            radio.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
    }

    if (source) {
      source.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 400);
      });
    }
    ask();
  }

  function scan(root) {
    (root || document).querySelectorAll("[data-category-suggest]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  // The 立案 form arrives in the case page's action panel by htmx.
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
