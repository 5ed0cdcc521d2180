/* The KPI dashboard and report pages (templates/kpi/): charts, the choropleth of cases per grid, the
   repeated places on the map, and sortable ranking tables.

   No inline script (CSP): the page passes its figures with {{ data|json_script:"kpi-data" }} and marks
   what to draw with data- attributes. Every chart has its numbers in a table next to it, so nothing
   here is the only way to read a figure. */
(function () {
  "use strict";

  // Colour-blind safe (Okabe–Ito); series also differ by dash pattern and point shape.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  var POINTS = ["circle", "rect", "triangle", "rectRot"];

  function readData() {
    var node = document.getElementById("kpi-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      console.warn("kpi-data is not JSON", error);
      return null;
    }
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + "%";
  }

  // ------------------------------------------------------------------------------------- charts

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 10 } } },
    };
  }

  function trendChart(canvas, trend) {
    var datasets = [];
    trend.counts.forEach(function (series, i) {
      datasets.push({
        type: "bar",
        label: series.label,
        data: series.data,
        backgroundColor: PALETTE[i % PALETTE.length],
        yAxisID: "y",
        order: 2,
      });
    });
    trend.rates.forEach(function (series, i) {
      var colour = PALETTE[(i + trend.counts.length) % PALETTE.length];
      datasets.push({
        type: "line",
        label: series.label,
        data: series.data,
        borderColor: colour,
        backgroundColor: colour,
        borderDash: DASHES[i % DASHES.length],
        pointStyle: POINTS[i % POINTS.length],
        pointRadius: 3,
        spanGaps: true,
        yAxisID: "rate",
        order: 1,
      });
    });
    var options = baseOptions();
    options.scales = {
      y: { beginAtZero: true, position: "left", title: { display: true, text: trend.countAxis }, ticks: { precision: 0 } },
      rate: {
        beginAtZero: true,
        suggestedMax: 100,
        position: "right",
        grid: { drawOnChartArea: false },
        title: { display: true, text: trend.rateAxis },
        ticks: { callback: function (v) { return v + "%"; } },
      },
    };
    options.plugins.tooltip = {
      callbacks: {
        label: function (ctx) {
          var v = ctx.parsed.y;
          return ctx.dataset.label + "：" + (ctx.dataset.yAxisID === "rate" ? percent(v) : v);
        },
      },
    };
    return new Chart(canvas, { data: { labels: trend.labels, datasets: datasets }, options: options });
  }

  function barChart(canvas, spec) {
    var options = baseOptions();
    options.indexAxis = spec.horizontal ? "y" : "x";
    var valueAxis = spec.horizontal ? "x" : "y";
    options.scales = {};
    options.scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    // Every category label shown: the chart is only as long as the list it draws.
    options.scales[spec.horizontal ? "y" : "x"] = { ticks: { autoSkip: false } };
    var datasets = spec.series.map(function (series, i) {
      return { label: series.label, data: series.data, backgroundColor: PALETTE[i % PALETTE.length], maxBarThickness: 22 };
    });
    // A horizontal bar chart is as tall as its list: one row per label, whatever the count.
    if (spec.horizontal && canvas.parentElement) {
      canvas.parentElement.style.height = Math.max(140, spec.labels.length * 26 + 70) + "px";
    }
    // Drill-down: clicking a bar opens the cases behind it, like the links in the table.
    if (spec.urls) {
      options.onClick = function (event, elements) {
        if (elements.length && spec.urls[elements[0].index]) window.location.href = spec.urls[elements[0].index];
      };
      options.onHover = function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
    }
    return new Chart(canvas, { type: "bar", data: { labels: spec.labels, datasets: datasets }, options: options });
  }

  function doughnutChart(canvas, spec) {
    var options = baseOptions();
    if (spec.urls) {
      options.onClick = function (event, elements) {
        if (elements.length && spec.urls[elements[0].index]) window.location.href = spec.urls[elements[0].index];
      };
    }
    return new Chart(canvas, {
      type: "doughnut",
      data: {
        labels: spec.labels,
        datasets: [{ data: spec.data, backgroundColor: spec.labels.map(function (_, i) { return PALETTE[i % PALETTE.length]; }) }],
      },
      options: options,
    });
  }

  function drawCharts(data) {
    if (!window.Chart) return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.getAttribute("data-chart");
      var spec = data[canvas.getAttribute("data-source")];
      if (!spec) return;
      if (kind === "trend") trendChart(canvas, spec);
      else if (kind === "bar") barChart(canvas, spec);
      else if (kind === "doughnut") doughnutChart(canvas, spec);
    });
  }

  // ---------------------------------------------------------------------------------------- map

  function binFor(value, bins) {
    for (var i = 0; i < bins.length; i++) {
      if (value >= bins[i].min && (bins[i].max === null || value <= bins[i].max)) return bins[i];
    }
    return null;
  }

  function drawGrids(api, spec) {
    var values = spec.values || {};
    var style = function (feature) {
      var value = values[feature.properties.code] || 0;
      var bin = binFor(value, spec.bins);
      return {
        color: value ? "#52606d" : "#bcccdc",
        weight: 0.5,
        fillColor: bin ? bin.colour : "#ffffff",
        fillOpacity: value ? 0.8 : 0.15,
      };
    };
    return api.showGrids(style).then(function (layer) {
      layer.eachLayer(function (grid) {
        var p = grid.feature.properties;
        var value = values[p.code] || 0;
        grid.setTooltipContent(p.name + " " + p.code + "：" + spec.metricLabel + " " + value);
        if (spec.casesUrl) {
          grid.on("click", function () {
            window.location.href = spec.casesUrl + (spec.casesUrl.indexOf("?") < 0 ? "?" : "&") +
              "grid=" + encodeURIComponent(p.code);
          });
        }
      });
    });
  }

  function placePopup(place) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = place.title;
    box.appendChild(title);
    if (place.address) {
      var address = document.createElement("div");
      address.textContent = place.address;
      box.appendChild(address);
    }
    var list = document.createElement("ul");
    list.className = "place-cases";
    place.cases.forEach(function (c) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = c.url;
      link.textContent = c.number;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function drawPlaces(api, places) {
    if (!places || !places.length) return;
    var group = L.featureGroup();
    places.forEach(function (place) {
      var marker = L.circleMarker([place.lat, place.lng], {
        radius: Math.min(6 + place.count, 16), weight: 2, color: "#fff", fillColor: "#D55E00", fillOpacity: 0.95,
      });
      marker.bindTooltip(place.title);
      marker.bindPopup(placePopup(place));
      group.addLayer(marker);
    });
    group.addTo(api.map);
  }

  function drawMap(data) {
    var element = document.querySelector("[data-kpi-map] [data-map]");
    if (!element || !window.CityMap || !data.map) return;
    var started = false;
    var start = function (api) {
      if (started) return;
      started = true;
      api.ready.then(function () {
        return drawGrids(api, data.map);
      }).then(function () {
        drawPlaces(api, data.places);
        // Until now the map may show the plain grids that map.js loads first.
        element.dataset.kpiDrawn = "1";
      }).catch(function (error) {
        console.warn("map layers", error);
      });
    };
    var api = CityMap.get(element);
    if (api) start(api);
    else element.addEventListener("citymap:ready", function (event) { start(event.detail); });
  }

  // --------------------------------------------------------------------------- sortable tables

  /* <table data-sortable>: each <th data-sort-type="number|text"> holds a <button>; cells may carry
     data-sort-value. Sorting is in the page only: the links and numbers stay the same. */
  function sortTable(table, column, type, header) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var key = function (row) {
      var cell = row.cells[column];
      var raw = cell ? (cell.getAttribute("data-sort-value") || cell.textContent.trim()) : "";
      if (type === "number") {
        var n = parseFloat(raw);
        return isNaN(n) ? -Infinity : n;
      }
      return raw;
    };
    rows.sort(function (a, b) {
      var ka = key(a);
      var kb = key(b);
      var order = type === "number" ? ka - kb : String(ka).localeCompare(String(kb), "zh-Hans-CN");
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("th > button.sort");
    if (!button) return;
    var header = button.parentElement;
    var table = header.closest("table[data-sortable]");
    if (!table) return;
    sortTable(table, header.cellIndex, header.getAttribute("data-sort-type") || "text", header);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var data = readData();
    if (!data) return;
    drawCharts(data);
    drawMap(data);
  });
})();
