/* Maps for CityOps pages, on Leaflet. Works offline: the district and street outlines and the grids are
   vector layers fetched from our own server, so the map needs no base tiles; a tile layer is added only
   when the server is configured with one (MAP_TILE_URL).

   Markup (templates/web/map.html): <div class="map" data-map data-outline-url=… data-grids-url=…
   data-tile-url=… data-cases-url=…>. Pages reach the map with CityMap.get(element) after "citymap:ready". */
(function () {
  "use strict";

  var LIGHT_COLOURS = { green: "#2f855a", yellow: "#b7791f", red: "#c53030", "": "#4a5568" };
  var maps = new WeakMap();

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + " → HTTP " + r.status);
      return r.json();
    });
  }

  function create(element) {
    var data = element.dataset;
    // maxZoom: without a tile layer Leaflet has none, and markercluster refuses to work without one.
    var map = L.map(element, { zoomSnap: 0.25, preferCanvas: true, maxZoom: 19 });
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([39.11, 117.22], 12); // until the outline arrives
    var api = { map: map, element: element, outline: null, grids: null, cases: null };

    api.ready = fetchJSON(data.outlineUrl).then(function (collection) {
      api.outline = L.geoJSON(collection, {
        interactive: false,
        style: function (feature) {
          return feature.properties.level === "district"
            ? { color: "#0b5394", weight: 3, fill: false }
            : { color: "#52606d", weight: 1, dashArray: "4 3", fill: false };
        },
      }).addTo(map);
      var bounds = api.outline.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
      if (data.gridsUrl) return api.showGrids();
    });

    api.showGrids = function (styleFor) {
      return fetchJSON(data.gridsUrl).then(function (collection) {
        if (api.grids) api.grids.remove();
        api.grids = L.geoJSON(collection, {
          style: styleFor || function () { return { color: "#9aa5b1", weight: 0.5, fillOpacity: 0.02 }; },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(feature.properties.name + " " + feature.properties.code, { sticky: true });
          },
        }).addTo(map);
        if (api.outline) api.outline.bringToFront();
        return api.grids;
      });
    };

    /* features: GeoJSON points with properties {number, url, light, label}. Clustered when dense;
       options.clusterOptions are passed to L.markerClusterGroup (e.g. an iconCreateFunction). */
    api.showCases = function (features, options) {
      options = options || {};
      if (api.cases) api.cases.remove();
      var clusterOptions = Object.assign({ showCoverageOnHover: false, maxClusterRadius: 40 }, options.clusterOptions);
      var group = options.cluster && L.markerClusterGroup ? L.markerClusterGroup(clusterOptions) : L.featureGroup();
      features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var p = feature.properties;
        var marker = L.circleMarker([c[1], c[0]], {
          radius: 7, weight: 2, color: "#fff", fillOpacity: 0.9, fillColor: LIGHT_COLOURS[p.light || ""],
        });
        var link = document.createElement("a");
        link.href = p.url;
        link.textContent = p.number + (p.label ? " " + p.label : "");
        marker.bindPopup(link);
        group.addLayer(marker);
      });
      api.cases = group.addTo(map);
      return group;
    };

    api.loadCases = function (url, options) {
      return fetchJSON(url || data.casesUrl).then(function (collection) {
        return api.showCases(collection.features, options || { cluster: data.cluster === "1" });
      });
    };

    if (data.casesUrl) api.ready = api.ready.then(function () { return api.loadCases(); });
    api.ready.then(function () {
      element.dispatchEvent(new CustomEvent("citymap:ready", { bubbles: true, detail: api }));
    });
    maps.set(element, api);
    return api;
  }

  function init() {
    document.querySelectorAll("[data-map]").forEach(function (element) {
      if (!maps.has(element)) create(element);
    });
  }

  window.CityMap = { create: create, get: function (element) { return maps.get(element); }, colours: LIGHT_COLOURS };
  document.addEventListener("DOMContentLoaded", init);
})();
