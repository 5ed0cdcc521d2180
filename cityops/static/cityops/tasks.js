/* The inspector's task map: my grids stand out, and the view fits my tasks (or my grids when none). */
(function () {
  "use strict";

  document.addEventListener("citymap:ready", function (event) {
    var api = event.detail;
    if (api.element.id !== "tasks-map") return;
    var source = document.getElementById("my-grids");
    var mine = new Set(source ? JSON.parse(source.textContent) : []);
    var bounds = L.latLngBounds([]);
    if (api.grids) {
      api.grids.setStyle(function (feature) {
        return mine.has(feature.properties.code)
          ? { color: "#0b5394", weight: 2, fillColor: "#0b5394", fillOpacity: 0.08 }
          : { color: "#9aa5b1", weight: 0.5, fillOpacity: 0.02 };
      });
      api.grids.eachLayer(function (layer) {
        if (mine.has(layer.feature.properties.code)) bounds.extend(layer.getBounds());
      });
    }
    if (api.cases && api.cases.getLayers().length) bounds.extend(api.cases.getBounds());
    // api.fitTo marks the view chosen, so the district outline arriving later keeps it.
    if (bounds.isValid()) api.fitTo(bounds.pad(0.15), 17);
  });
})();
