/* The supervisor's patrol map (templates/patrols/map.html): each inspector's tracks of the day in their own
   colour, the grids shaded by their 面积覆盖率, and the view zoomed to the tracks. */
(function () {
  "use strict";

  var PALETTE = ["#dd6b20", "#2b6cb0", "#2f855a", "#b83280", "#6b46c1", "#c05621", "#2c7a7b", "#975a16"];

  function shade(coverage) {
    if (coverage === undefined) return { color: "#9aa5b1", weight: 0.5, fillOpacity: 0.02 };
    return { color: "#2f855a", weight: 1, fillColor: "#38a169", fillOpacity: 0.1 + 0.5 * Math.min(1, coverage) };
  }

  document.addEventListener("citymap:ready", function (event) {
    if (event.target.id !== "patrol-supervisor-map") return;
    var api = event.detail;
    var holder = document.querySelector("[data-patrol-data-url]");
    fetch(holder.getAttribute("data-patrol-data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (collection) {
        if (api.grids) {
          api.grids.setStyle(function (feature) { return shade(collection.coverage[feature.properties.code]); });
          api.grids.eachLayer(function (layer) {
            var value = collection.coverage[layer.feature.properties.code];
            if (value !== undefined) {
              layer.bindTooltip(layer.feature.properties.name + " " + Math.round(value * 100) + "%", { sticky: true });
            }
          });
        }
        var colours = {};
        var tracks = L.geoJSON(collection, {
          style: function (feature) {
            var who = feature.properties.inspector;
            if (!(who in colours)) colours[who] = PALETTE[Object.keys(colours).length % PALETTE.length];
            return { color: colours[who], weight: 4, opacity: 0.85 };
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties;
            layer.bindTooltip(p.inspector_name + " · " + (p.distance_m / 1000).toFixed(2) + " km", { sticky: true });
          },
        }).addTo(api.map);
        event.target.setAttribute("data-tracks", String(collection.features.length));
        if (collection.features.length) api.fitTo(tracks, 17);
      })
      .catch(function (error) { console.error("patrol map: " + error); }); // eslint-disable-line no-console
  });
})();
