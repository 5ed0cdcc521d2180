/* Maps for CityOps pages, on Leaflet. Works offline: the district and street outlines and the grids are
   vector layers fetched from our own server, and so are the roads and places of the base map
   (grids.Road/Place, labelled from street zoom), so the map needs no tiles; tile sources configured on
   the server (天地图, a GCJ-02 provider shifted by coords.js, MAP_TILE_URL) join a layer switcher.

   Markup (templates/web/map.html): <div class="map" data-map data-outline-url=… data-grids-url=…
   data-basemap-url=… data-base-layers='[…]' data-cases-url=…>. Pages reach the map with CityMap.get(element) after "citymap:ready". */
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
    map.setView([39.11, 117.22], 12); // until the outline arrives
    var api = { map: map, element: element, outline: null, grids: null, cases: null, roads: null };
    addBaseLayers(api, data);

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
      // The district's outline frames the map only if nothing chose a view first (a pin placed, features
      // fitted): an outline arriving late must not zoom the user back out.
      // Not animated: Leaflet drops any setView made while a zoom animation runs (a pin placed meanwhile).
      if (bounds.isValid() && !api.viewChosen) map.fitBounds(bounds, { padding: [8, 8], animate: false });
      if (data.gridsUrl) return api.showGrids();
    });

    /* Zoom to what the map shows: the features given (cases, a task, a track), never closer than `maxZoom`. */
    api.fitTo = function (layer, maxZoom) {
      var bounds = layer && layer.getBounds ? layer.getBounds() : layer;
      if (!bounds || !bounds.isValid()) return;
      api.viewChosen = true;
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: maxZoom || 17 });
    };

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
      if (options.fit && features.length) api.fitTo(group);
      return group;
    };

    api.loadCases = function (url, options) {
      return fetchJSON(url || data.casesUrl).then(function (collection) {
        // data-fit: a map of a few cases (a campaign's) zooms to them; the district's map shows the district.
        return api.showCases(collection.features, options || { cluster: data.cluster === "1", fit: data.fit === "1" });
      });
    };

    if (data.casesUrl) api.ready = api.ready.then(function () { return api.loadCases(); });
    api.ready.then(function () {
      element.dispatchEvent(new CustomEvent("citymap:ready", { bubbles: true, detail: api }));
    });
    maps.set(element, api);
    return api;
  }

  /* The base layers: the app's own roads and places (always; works offline) and the configured tile
     sources (天地图, a GCJ-02 provider shifted by CityCoords, an in-house server), with a layer switcher. */
  function addBaseLayers(api, data) {
    var map = api.map;
    var bases = {};
    var overlays = {};
    var first = null;
    JSON.parse(data.baseLayers || "[]").forEach(function (source) {
      var Layer = source.crs === "gcj02" && window.CityCoords && CityCoords.GcjTileLayer ? CityCoords.GcjTileLayer : L.TileLayer;
      var tiles = source.urls.map(function (url, index) {
        return new Layer(url, {
          attribution: index === 0 ? source.attribution : "", subdomains: source.subdomains || "abc", maxZoom: 19,
        });
      });
      bases[source.label] = L.layerGroup(tiles);
      if (!first) first = bases[source.label];
    });
    if (first) first.addTo(map);
    if (data.basemapUrl) {
      api.roads = L.layerGroup().addTo(map);
      overlays[data.basemapLabel || "roads"] = api.roads;
      api.roadsReady = fetchJSON(data.basemapUrl).then(function (collection) {
        L.geoJSON(collection, {
          interactive: false,
          style: function (feature) {
            var major = feature.properties.kind === "major";
            return { color: major ? "#d69e2e" : "#a0aec0", weight: major ? 5 : 3, opacity: 0.8 };
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 3, weight: 1, color: "#4a5568", fillOpacity: 0.8 });
          },
          onEachFeature: function (feature, layer) {
            // Street names at street zoom (the .map-labels class below), centred on the line.
            layer.bindTooltip(feature.properties.name, {
              permanent: true, direction: "center", className: "map-label map-label-" + feature.properties.level,
            });
          },
        }).eachLayer(function (layer) { api.roads.addLayer(layer); });
        api.roads.eachLayer(function (layer) { if (layer.bringToBack) layer.bringToBack(); });
      }).catch(function () {});
      var showLabels = function () {
        element(map).classList.toggle("map-labels", map.getZoom() >= 15);
      };
      map.on("zoomend moveend viewreset", showLabels);  // moveend too: a setView to the zoom an animation already reached fires no zoomend
      showLabels();
    }
    if (Object.keys(bases).length || Object.keys(overlays).length) {
      L.control.layers(bases, overlays, { collapsed: true }).addTo(map);
    }
  }

  function element(map) {
    return map.getContainer();
  }

  function init() {
    document.querySelectorAll("[data-map]").forEach(function (element) {
      if (!maps.has(element)) create(element);
    });
  }

  window.CityMap = { create: create, get: function (element) { return maps.get(element); }, colours: LIGHT_COLOURS };
  document.addEventListener("DOMContentLoaded", init);
})();
