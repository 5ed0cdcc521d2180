/* The command centre's wall (templates/live/wall.html, docs/architecture.md "The wall").

   Start: load the snapshot (everything on the screen plus `last_id`, the feed position it reflects), then
   follow the feed from there: Server-Sent Events when the server speaks them (the browser's own reconnect
   resumes at the last id it saw, Last-Event-ID), polling every data-poll-ms otherwise. A `resync` event
   (the feed no longer reaches back that far) and the periodic refresh reload the snapshot. Events are
   applied by id, once: one older than what the screen shows is dropped. */
(function () {
  "use strict";

  var body = document.getElementById("wall");
  var data = body.dataset;
  var lastId = 0;
  var source = null;
  var pollTimer = null;
  var counts = {};
  var cases = {}; // case id → circle marker
  var layer = null;
  var chart = null;
  var COLOURS = { green: "#48bb78", yellow: "#f6c344", red: "#ff4d4f", "": "#90a4b8" };
  var LATEST = 30;

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + " → HTTP " + r.status);
      return r.json();
    });
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value == null ? "" : String(value);
    if (cls) el.className = cls;
    return el;
  }

  function link(state) {
    var el = document.getElementById("wall-link");
    el.className = "wall-link " + state;
    el.textContent = el.dataset[state];
  }

  // ------------------------------------------------------------ rendering

  function showCounts() {
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var value = counts[el.dataset.count];
      if (el.textContent !== String(value)) {
        el.textContent = value;
        el.classList.remove("bump");
        void el.offsetWidth;
        el.classList.add("bump");
      }
    });
  }

  function showRates(rates) {
    var list = document.getElementById("wall-rates");
    list.replaceChildren();
    rates.forEach(function (r) {
      var li = document.createElement("li");
      li.appendChild(text("span", r.label));
      var value = r.value == null ? "–" : r.value + "%";
      var cls = r.value == null || r.target == null ? "" : r.value >= r.target ? "met" : "missed";
      var right = text("span", value + " ", cls);
      right.appendChild(text("small", "/ " + r.target + "%"));
      li.appendChild(right);
      list.appendChild(li);
    });
  }

  function latestItem(c, fresh) {
    var li = document.createElement("li");
    li.dataset.case = c.case;
    if (fresh) li.className = "fresh";
    li.appendChild(text("span", c.number, "num"));
    li.appendChild(text("span", c.category, "what"));
    li.appendChild(text("span", c.address || "", "where"));
    return li;
  }

  function showLatest(rows) {
    var list = document.getElementById("wall-latest");
    list.replaceChildren.apply(list, rows.map(function (c) { return latestItem(c, false); }));
  }

  function addLatest(c) {
    var list = document.getElementById("wall-latest");
    if (list.querySelector('[data-case="' + c.case + '"]')) return;
    list.insertBefore(latestItem(c, true), list.firstChild);
    while (list.children.length > LATEST) list.removeChild(list.lastChild);
  }

  function showDepartments(rows) {
    var tbody = document.querySelector("#wall-departments tbody");
    tbody.replaceChildren();
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.appendChild(text("td", r.name));
      tr.appendChild(text("td", r.open));
      tr.appendChild(text("td", r.red, r.red ? "red" : ""));
      tbody.appendChild(tr);
    });
  }

  function showHotspots(rows) {
    var list = document.getElementById("wall-hotspots");
    list.replaceChildren();
    rows.forEach(function (h) {
      var ratio = h.ratio == null ? "" : " ×" + h.ratio;
      list.appendChild(text("li", h.street + " " + h.grid + " · " + h.category + " " + h.recent + ratio));
    });
  }

  function showTrend(trend) {
    if (typeof Chart === "undefined") return;
    var sets = [
      { label: data.labelReported, data: trend.reported, borderColor: "#63b3ed", backgroundColor: "#63b3ed" },
      { label: data.labelClosed, data: trend.closed, borderColor: "#48bb78", backgroundColor: "#48bb78" },
    ];
    if (chart) {
      chart.data.labels = trend.days;
      chart.data.datasets[0].data = trend.reported;
      chart.data.datasets[1].data = trend.closed;
      chart.update("none");
      return;
    }
    Chart.defaults.color = "#a9bcd0";
    chart = new Chart(document.getElementById("wall-trend"), {
      type: "line",
      data: { labels: trend.days, datasets: sets },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } },
                 scales: { y: { beginAtZero: true, grid: { color: "#1c3a5c" } }, x: { grid: { display: false } } } },
    });
  }

  function marker(id, lng, lat, light) {
    if (!layer) return;
    var existing = cases[id];
    if (existing) {
      existing.setLatLng([lat, lng]);
      existing.setStyle({ color: COLOURS[light] || COLOURS[""], fillColor: COLOURS[light] || COLOURS[""] });
      return existing;
    }
    cases[id] = L.circleMarker([lat, lng], {
      radius: 5, weight: 1, fillOpacity: 0.85, color: COLOURS[light] || COLOURS[""], fillColor: COLOURS[light] || COLOURS[""],
    }).addTo(layer);
    return cases[id];
  }

  function showMap(points) {
    if (!layer) { pendingMap = points; return; }
    layer.clearLayers();
    cases = {};
    points.forEach(function (p) { marker(p[0], p[1], p[2], p[3]); });
  }
  var pendingMap = null;

  function showSnapshot(snap) {
    counts = snap.counts;
    showCounts();
    showRates(snap.rates);
    showLatest(snap.latest);
    showDepartments(snap.departments);
    showHotspots(snap.hotspots);
    showTrend(snap.trend);
    showMap(snap.map);
    body.dataset.lastId = snap.last_id;
  }

  // ------------------------------------------------------------ events

  function apply(ev) {
    if (ev.id <= lastId) return;
    lastId = ev.id;
    body.dataset.lastId = lastId;
    if (ev.kind !== "case") return;
    if (ev.new) {
      counts.reported += 1;
      counts.open += 1;
      addLatest(ev);
      if (chart) {
        var reported = chart.data.datasets[0].data;
        reported[reported.length - 1] += 1;
        chart.update("none");
      }
    }
    if (ev.action === "file") counts.filed += 1;
    if (ev.action === "dispatch") counts.dispatched += 1;
    if (ev.action === "close") counts.closed += 1;
    if (!ev.open && !ev.new) counts.open = Math.max(0, counts.open - 1);
    showCounts();
    if (ev.open) {
      var m = marker(ev.case, ev.lng, ev.lat, ev.light);
      if (m && ev.new && m.bringToFront) m.bringToFront();
    } else if (cases[ev.case]) {
      layer.removeLayer(cases[ev.case]);
      delete cases[ev.case];
    }
  }

  function stop() {
    if (source) { source.close(); source = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
  }

  function start() {
    stop();
    return fetchJSON(data.snapshotUrl).then(function (snap) {
      showSnapshot(snap);
      lastId = snap.last_id;
      follow();
    }).catch(function () {
      link("down");
      pollTimer = setTimeout(start, 5000);
    });
  }

  function follow() {
    // data-push="0": served by WSGI, which has no push (live/views.py): poll from the start.
    if (!window.EventSource || data.push !== "1") return poll();
    var opened = false;
    source = new EventSource(data.streamUrl + "&after=" + lastId);
    source.onopen = function () { opened = true; link("live"); };
    source.onmessage = function (message) { apply(JSON.parse(message.data)); };
    source.addEventListener("resync", function () { start(); });
    source.onerror = function () {
      // Never opened (the server answered 503: no push here) or closed for good: poll instead. A push
      // connection that drops reconnects by itself, resuming after the last id it saw.
      if (!opened || source.readyState === EventSource.CLOSED) {
        source.close();
        source = null;
        poll();
      } else {
        link("down");
      }
    };
  }

  function poll() {
    link("poll");
    fetchJSON(data.pollUrl + "&after=" + lastId).then(function (answer) {
      if (answer.resync) return start();
      answer.events.forEach(apply);
      lastId = Math.max(lastId, answer.last_id);
      pollTimer = setTimeout(poll, Number(data.pollMs));
    }).catch(function () {
      link("down");
      pollTimer = setTimeout(poll, 3 * Number(data.pollMs));
    });
  }

  // ------------------------------------------------------------ start

  function tick() {
    var now = new Date();
    document.getElementById("wall-clock").textContent = now.toLocaleString("zh-CN", { hour12: false });
  }
  tick();
  setInterval(tick, 1000);

  document.addEventListener("citymap:ready", function (e) {
    layer = L.layerGroup().addTo(e.detail.map);
    if (pendingMap) { showMap(pendingMap); pendingMap = null; }
  });
  start();
  setInterval(start, Number(data.refreshS) * 1000);
})();
