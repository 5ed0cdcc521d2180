/* The supervisor's case map (templates/cases/supervise/map.html).

   Asks the server for the open cases in the map's view (bbox=west,south,east,north) and the chosen
   filters, again after every pan or zoom. The server answers with the cases themselves (mode
   "points", drawn by CityMap.showCases, clustered, cluster icons coloured by their worst light) or,
   when there are too many, with one circle per cell (mode "cells": count and worst light). */
(function () {
  "use strict";

  var RANK = { red: 3, yellow: 2, green: 1, "": 0 };

  function worstLight(lights) {
    var worst = "";
    lights.forEach(function (light) { if (RANK[light] > RANK[worst]) worst = light; });
    return worst;
  }

  function lightOfMarker(marker) {
    var colours = window.CityMap.colours;
    var fill = marker.options && marker.options.fillColor;
    for (var light in colours) { if (colours[light] === fill) return light; }
    return "";
  }

  function bubble(count, light, className) {
    var size = Math.round(24 + 9 * Math.log10(Math.max(count, 1)));
    return L.divIcon({
      html: "<span>" + count + "</span>",
      className: className + " light-" + (light || "none"),
      iconSize: [size, size],
    });
  }

  // Cluster icons say how many cases and how bad the worst of them is (not markercluster's size colours).
  function clusterIcon(cluster) {
    var lights = cluster.getAllChildMarkers().map(lightOfMarker);
    return bubble(cluster.getChildCount(), worstLight(lights), "case-bubble");
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  function setup(element) {
    var api = window.CityMap.get(element);
    var status = document.getElementById("map-mode");
    var form = document.querySelector("[data-supervise-filters]");
    if (!api || !status || !form) return;
    var cells = null;
    var sequence = 0;
    var timer = null;

    function say(key, values) {
      status.textContent = format(status.getAttribute("data-text-" + key) || "", values || {});
      status.setAttribute("data-mode", key);
    }

    function query() {
      var params = new URLSearchParams(new FormData(form));
      Array.from(params.keys()).forEach(function (key) { if (!params.get(key)) params.delete(key); });
      return params;
    }

    function clear() {
      if (api.cases) { api.cases.remove(); api.cases = null; }
      if (cells) { cells.remove(); cells = null; }
    }

    function drawCells(features) {
      cells = L.featureGroup();
      features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var p = feature.properties;
        var marker = L.marker([c[1], c[0]], {
          icon: bubble(p.count, p.light, "case-bubble case-cell"),
          keyboard: true,
          title: p.count + "",
        });
        marker.on("click", function () { api.map.setView([c[1], c[0]], api.map.getZoom() + 2); });
        cells.addLayer(marker);
      });
      cells.addTo(api.map);
    }

    function load() {
      var mine = ++sequence;
      var params = query();
      var b = api.map.getBounds();
      params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(","));
      say("loading");
      fetch(status.getAttribute("data-data-url") + "?" + params.toString(), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (collection) {
        if (mine !== sequence) return; // a newer view was asked for meanwhile
        clear();
        element.setAttribute("data-mode", collection.mode);
        element.setAttribute("data-total", collection.total);
        if (collection.mode === "cells") {
          drawCells(collection.features);
          say("cells", { n: collection.total, cap: collection.cap });
        } else {
          api.showCases(collection.features, { cluster: true, clusterOptions: { iconCreateFunction: clusterIcon } });
          say(collection.total ? "points" : "empty", { n: collection.total });
        }
        element.dispatchEvent(new CustomEvent("supervise:loaded", { bubbles: true, detail: collection }));
      }).catch(function (error) {
        if (mine !== sequence) return;
        say("error");
        console.error("supervise map: " + error); // eslint-disable-line no-console
      });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = query();
      history.replaceState(null, "", params.toString() ? "?" + params.toString() : location.pathname);
      load();
    });
    form.addEventListener("change", function () { form.requestSubmit(); });
    api.ready.then(function () {
      load();
      api.map.on("moveend", later);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("supervise-map");
    if (element) setup(element);
  });
})();
