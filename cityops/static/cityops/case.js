/* The case page: its small map, the inline action panel and the photo inputs of the action forms.
   No inline scripts (CSP): the page passes its data with json_script and data- attributes. */
(function () {
  "use strict";

  // The small map: the case's point, its grid highlighted and in view.
  document.addEventListener("citymap:ready", function (event) {
    var element = event.target;
    if (element.id !== "case-map") return;
    var source = document.getElementById("case-map-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var api = event.detail;
    var gridBounds = null;
    if (api.grids) {
      api.grids.eachLayer(function (layer) {
        if (layer.feature && layer.feature.properties.code === data.grid) {
          layer.setStyle({ color: "#0b5394", weight: 2, fillOpacity: 0.12 });
          gridBounds = layer.getBounds();
        }
      });
    }
    api.showCases([{
      type: "Feature",
      geometry: { type: "Point", coordinates: [data.lng, data.lat] },
      properties: { number: data.number, url: window.location.pathname, light: data.light, label: data.label },
    }]);
    // The view is chosen here: a district outline arriving later must not zoom back out to a tiny dot.
    api.viewChosen = true;
    if (gridBounds && gridBounds.isValid()) {
      api.map.fitBounds(gridBounds.extend([data.lat, data.lng]), { padding: [16, 16], maxZoom: 18 });
    } else {
      api.map.setView([data.lat, data.lng], 17);
    }
  });

  // Photo inputs: say which files are chosen (both the picker and the camera input count).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-photo-input") || !input.form) return;
    var names = [];
    input.form.querySelectorAll("input[data-photo-input]").forEach(function (each) {
      Array.prototype.forEach.call(each.files || [], function (file) { names.push(file.name); });
    });
    // On-site evidence (cases/photos.py): each file's time and the phone's position now, in upload order.
    var form = input.form;
    var records = [];
    form.querySelectorAll("input[data-photo-input]").forEach(function (each) {
      Array.prototype.forEach.call(each.files || [], function (file) {
        records.push({ taken_at: new Date(file.lastModified || Date.now()).toISOString() });
      });
    });
    var hidden = form.querySelector('input[name="photos_capture"]');
    if (!hidden) {
      hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "photos_capture";
      form.append(hidden);
    }
    hidden.value = JSON.stringify(records);
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (found) {
        records.forEach(function (record) {
          record.lng = found.coords.longitude;
          record.lat = found.coords.latitude;
          record.accuracy = Math.round(found.coords.accuracy || 0);
        });
        hidden.value = JSON.stringify(records);
      }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    var list = input.form.querySelector("[data-photo-list]");
    if (list) {
      list.textContent = names.length ? list.getAttribute("data-label") + " (" + names.length + ")：" + names.join("、") : "";
    }
  });

  // The inline panel: "取消" closes it without leaving the page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-close-panel]");
    if (!link) return;
    var panel = link.closest("#action-panel");
    if (!panel) return;
    event.preventDefault();
    panel.innerHTML = "";
    var bar = document.querySelector("[data-action-bar]");
    var first = bar && bar.querySelector("a, button");
    if (first) first.focus();
  });

  // A form loaded or re-rendered in the panel: bring it into view and put the cursor in it (the first
  // field with an error, when there is one).
  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = document.getElementById("action-panel");
    if (!panel || !panel.contains(event.target) && event.target !== panel) return;
    var target = panel.querySelector("[aria-invalid='true'], .form-error") ||
      panel.querySelector("input:not([type=hidden]), select, textarea");
    panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    if (target && target.focus) target.focus({ preventScroll: true });
  });
})();
