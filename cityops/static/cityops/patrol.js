/* 巡查 on the phone (templates/patrols/phone.html, docs/domain.md §12). Start and end call the patrol API;
   while on patrol the Geolocation API's positions are sampled every `data-sample-seconds`, kept in
   localStorage (they survive a lost signal, a reload, a crash), and sent every `data-batch-seconds` in
   batches. A batch gets its key when it is cut and keeps it until the server has answered, so a batch
   re-sent after a lost answer is stored once (the server also keeps one point per instant). */
(function () {
  "use strict";

  var T = {};
  var STORE = "cityops.patrol.v1";

  function text(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (name) { s = s.split("{" + name + "}").join(values[name]); });
    return s;
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var holder = document.body.getAttribute("hx-headers");
    try { return JSON.parse(holder)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }

  function save(state) { localStorage.setItem(STORE, JSON.stringify(state)); }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var error = new Error("HTTP " + response.status); error.status = response.status; error.data = data; throw error; }
        return data;
      });
    });
  }

  function Patrol(panel) {
    var self = this;
    this.panel = panel;
    this.api = panel.getAttribute("data-api-url");
    this.sampleMs = 1000 * parseInt(panel.getAttribute("data-sample-seconds") || "10", 10);
    this.batchMs = 1000 * parseInt(panel.getAttribute("data-batch-seconds") || "30", 10);
    this.status = panel.querySelector("[data-patrol-status]");
    this.queue = panel.querySelector("[data-patrol-queue]");
    this.startButton = panel.querySelector("[data-patrol-start]");
    this.endButton = panel.querySelector("[data-patrol-end]");
    this.state = load();
    var active = panel.getAttribute("data-active-id");
    if (active && String(this.state.patrol) !== active) {
      // Started on this account elsewhere or before the storage was cleared: continue it here.
      this.state = { patrol: parseInt(active, 10), buffer: [], pending: null, points: 0, km: panel.getAttribute("data-active-km") };
      save(this.state);
    }
    if (!active && this.state.patrol && !this.state.ending) {
      // The server has no active patrol (ended elsewhere): send what is left, then forget it.
      this.state.ending = true;
      save(this.state);
    }
    this.startButton.addEventListener("click", function () { self.start(); });
    this.endButton.addEventListener("click", function () { self.end(); });
    window.addEventListener("online", function () { self.flush(); });
    this.timer = window.setInterval(function () { self.flush(); }, this.batchMs);
    this.track = null;
    document.addEventListener("citymap:ready", function (event) {
      if (event.target.id !== "patrol-map") return;
      self.map = event.detail;
      self.track = L.polyline([], { color: "#dd6b20", weight: 4 }).addTo(self.map.map);
      self.loadTrack();
    });
    if (this.state.patrol && !this.state.ending) this.watch();
    if (this.state.ending) this.finish();
    this.show();
  }

  Patrol.prototype.show = function (message) {
    var s = this.state;
    var waiting = (s.buffer || []).length + (s.pending ? s.pending.points.length : 0);
    if (message) this.status.textContent = message;
    else if (s.patrol) this.status.textContent = text("active", { points: s.points || 0, km: s.km || "0.00" });
    else this.status.textContent = text("idle");
    var line = waiting ? text("waiting", { n: waiting }) : (s.patrol ? text("allSent") : "");
    if (waiting && navigator.onLine === false) line += " · " + text("offline");
    this.queue.textContent = line;
    this.startButton.hidden = !!s.patrol;
    this.endButton.hidden = !s.patrol;
  };

  Patrol.prototype.start = function () {
    var self = this;
    if (!navigator.geolocation) { this.show(text("noGeolocation")); return; }
    this.startButton.disabled = true;
    var clientKey = this.state.startKey || key();
    this.state.startKey = clientKey;
    save(this.state);
    post(this.api, { client_key: clientKey }).then(function (patrol) {
      self.state = { patrol: patrol.id, buffer: [], pending: null, points: patrol.point_count, km: (patrol.distance_m / 1000).toFixed(2) };
      save(self.state);
      self.watch();
      self.show();
    }).catch(function () {
      self.show(text("startFailed"));
    }).then(function () { self.startButton.disabled = false; });
  };

  Patrol.prototype.watch = function () {
    var self = this;
    if (!navigator.geolocation || this.watchId !== undefined) return;
    var last = 0;
    this.watchId = navigator.geolocation.watchPosition(function (found) {
      var now = Date.now(); // the phone's clock: one point per sampling period
      if (now - last < self.sampleMs) return;
      last = now;
      self.state.buffer = self.state.buffer || [];
      self.state.buffer.push({
        at: new Date(now).toISOString(),
        lng: +found.coords.longitude.toFixed(7),
        lat: +found.coords.latitude.toFixed(7),
        accuracy: found.coords.accuracy == null ? null : Math.round(found.coords.accuracy),
      });
      save(self.state);
      if (self.track) self.track.addLatLng([found.coords.latitude, found.coords.longitude]);
      self.show();
    }, function (error) {
      if (error.code === 1) self.show(text("denied"));
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  };

  /* Send the pending batch (cut one from the buffer when there is none); one request at a time. */
  Patrol.prototype.flush = function () {
    var self = this;
    var s = this.state;
    if (!s.patrol || this.sending) return Promise.resolve();
    if (!s.pending && (s.buffer || []).length) {
      s.pending = { key: key(), points: s.buffer.splice(0, 500) };
      save(s);
    }
    if (!s.pending) return Promise.resolve();
    this.sending = true;
    return post(this.api + s.patrol + "/points/", { batch_key: s.pending.key, points: s.pending.points })
      .then(function (answer) {
        s.pending = null;
        s.points = answer.patrol.point_count;
        s.km = (answer.patrol.distance_m / 1000).toFixed(2);
        save(s);
        self.sending = false;
        self.show();
        if ((s.buffer || []).length) return self.flush();
      })
      .catch(function (error) {
        self.sending = false;
        if (error.status === 400 || error.status === 404 || error.status === 403) {
          s.pending = null; // the server will never take this batch: drop it rather than block the rest
          save(s);
        }
        self.show();
      });
  };

  Patrol.prototype.end = function () {
    this.state.ending = true;
    save(this.state);
    this.finish();
  };

  Patrol.prototype.finish = function () {
    var self = this;
    if (this.watchId !== undefined) { navigator.geolocation.clearWatch(this.watchId); this.watchId = undefined; }
    var s = this.state;
    if (!s.patrol) return;
    this.show(text("ending"));
    this.endButton.disabled = true;
    var drain = function () {
      return self.flush().then(function () {
        if (self.state.pending || (self.state.buffer || []).length) throw new Error("not yet sent");
      });
    };
    drain().then(function () {
      return post(self.api + s.patrol + "/end/");
    }).then(function (patrol) {
      self.state = {};
      save(self.state);
      self.show(text("ended", { points: patrol.point_count, km: (patrol.distance_m / 1000).toFixed(2) }));
    }).catch(function () {
      self.show(); // offline: the 'online' event or the timer will try again
      window.setTimeout(function () { if (self.state.ending) self.finish(); }, self.batchMs);
    }).then(function () { self.endButton.disabled = false; });
  };

  Patrol.prototype.loadTrack = function () {
    var self = this;
    if (!this.state.patrol || !this.track) return;
    fetch(this.api + this.state.patrol + "/track/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (collection) {
        var points = [];
        collection.features.forEach(function (f) {
          f.geometry.coordinates.forEach(function (c) { points.push([c[1], c[0]]); });
        });
        (self.state.buffer || []).forEach(function (p) { points.push([p.lat, p.lng]); });
        self.track.setLatLngs(points);
        if (points.length) self.map.fitTo(self.track, 17);
      })
      .catch(function () {});
  };

  document.addEventListener("DOMContentLoaded", function () {
    var strings = document.getElementById("patrol-strings");
    if (strings) T = JSON.parse(strings.textContent);
    var panel = document.querySelector("[data-patrol]");
    if (panel) window.cityPatrol = new Patrol(panel);
  });
})();
