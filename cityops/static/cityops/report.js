/* The report forms (inspector report, hotline intake): the position on a map with a draggable pin and the
   browser's geolocation, the grid it falls in, address → position through the gazetteer, the category
   picker's "chosen" line, and several photos with previews. Plain JS on data- attributes (no inline
   scripts: the pages run under a CSP). The server checks everything again on submit.

   Also the 登记隐患 / 挂号 forms (campaigns/form.html) and the 随机抽查 page (assessment/inspection.html).

   Markup: templates/cases/inspector/_position.html, _category_picker.html, _photos.html; translated
   strings come from the page as JSON (<script type="application/json" id="report-strings">). */
(function () {
  "use strict";

  var T = {};

  function text(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      s = s.split("{" + name + "}").join(values[name]);
    });
    return s;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  /* ------------------------------------------------------------ position: pin, geolocation, grid */

  function Position(fieldset) {
    var self = this;
    this.fieldset = fieldset;
    this.form = fieldset.closest("form");
    this.lng = this.form.querySelector('input[name="lng"]');
    this.lat = this.form.querySelector('input[name="lat"]');
    this.status = fieldset.querySelector("[data-grid-status]");
    this.submit = this.form.querySelector("[data-submit]");
    this.locateUrl = fieldset.getAttribute("data-locate-url");
    this.marker = null;
    this.sequence = 0;
    this.partsSequence = 0;
    this.map = window.CityMap && CityMap.get(fieldset.querySelector("[data-map]"));
    fieldset.cityPosition = this;

    if (this.map) {
      this.map.map.on("click", function (event) {
        self.place(event.latlng, { pan: false });
      });
      this.map.ready
        .catch(function () {})
        .then(function () {
          var start = self.current();
          if (start) self.place(start, { pan: true, quiet: true });
        });
    }

    var button = fieldset.querySelector("[data-locate]");
    if (button) button.addEventListener("click", function () { self.geolocate(button); });

    [this.lng, this.lat].forEach(function (input) {
      input.addEventListener("change", function () {
        var typed = self.current();
        if (typed) self.place(typed, { pan: true, fromInputs: true });
      });
    });
  }

  Position.prototype.current = function () {
    var lng = parseFloat(this.lng.value);
    var lat = parseFloat(this.lat.value);
    if (isNaN(lng) || isNaN(lat)) return null;
    return L.latLng(lat, lng);
  };

  Position.prototype.place = function (latlng, options) {
    var self = this;
    options = options || {};
    if (this.map) {
      if (!this.marker) {
        var icon = L.divIcon({ className: "pin-icon", html: "<span></span>", iconSize: [30, 42], iconAnchor: [15, 42] });
        this.marker = L.marker(latlng, { draggable: true, icon: icon, title: text("pin"), alt: text("pin"), autoPan: true });
        this.marker.on("dragend", function () { self.place(self.marker.getLatLng(), { pan: false }); });
        this.marker.addTo(this.map.map);
      } else {
        this.marker.setLatLng(latlng);
      }
      if (options.pan) {
        this.map.viewChosen = true; // map.js: the district outline, arriving later, leaves this view alone
        var map = this.map.map;
        var show = function () { map.setView(latlng, Math.max(map.getZoom(), 16)); };
        // Leaflet ignores a setView made while a zoom animation runs: show the pin once it has ended.
        if (map._animatingZoom) map.once("zoomend", show);
        else show();
      }
    }
    if (!options.fromInputs) {
      this.lng.value = latlng.lng.toFixed(6);
      this.lat.value = latlng.lat.toFixed(6);
    }
    this.locate(options.note, options.quiet);
    this.parts();
  };

  /* 部件 near the pin: markers on the map and a list to pick from; the pick goes in the hidden `component`
     input (the server links the part and routes to its owner, 先属主). */
  Position.prototype.parts = function () {
    var self = this;
    var box = this.fieldset.querySelector("[data-parts]");
    var here = this.current();
    if (!box || !here) return;
    var input = this.form.querySelector('input[name="component"]');
    var url = box.getAttribute("data-parts-url") + "?lng=" + encodeURIComponent(here.lng) + "&lat=" + encodeURIComponent(here.lat);
    var ticket = ++this.partsSequence;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (collection) {
        if (ticket !== self.partsSequence) return;
        self.showParts(box, input, collection.features);
      })
      .catch(function () {});
  };

  Position.prototype.showParts = function (box, input, features) {
    var self = this;
    var list = box.querySelector("[data-parts-list]");
    var picked = input.value;
    if (this.partLayer) this.partLayer.remove();
    this.partLayer = this.map ? L.featureGroup().addTo(this.map.map) : null;
    list.replaceChildren();
    var markers = {};
    var pick = function (code, properties) {
      input.value = code;
      Object.keys(markers).forEach(function (key) {
        markers[key].setStyle({ fillColor: key === code ? "#dd6b20" : "#805ad5" });
      });
      list.querySelectorAll("input").forEach(function (radio) { radio.checked = radio.value === code; });
      if (code && properties) self.pickCategory(properties);
    };
    var option = function (code, label, properties) {
      var item = el("li");
      var radio = el("input");
      radio.type = "radio";
      radio.name = "component_pick";
      radio.value = code;
      radio.id = "part-" + (code || "none");
      radio.checked = code === picked;
      radio.addEventListener("change", function () { pick(code, properties); });
      var labelNode = el("label");
      labelNode.htmlFor = radio.id;
      labelNode.append(radio, document.createTextNode(" " + label));
      item.append(labelNode);
      list.append(item);
    };
    if (!features.length && !picked) { box.hidden = true; return; }
    box.hidden = false;
    option("", text("noPart"));
    features.forEach(function (feature) {
      var p = feature.properties;
      var c = feature.geometry.coordinates;
      var label = p.name + " · " + p.code + " · " + text("partDistance", { m: Math.round(p.distance_m) }) +
        (p.owner ? " · " + text("partOwner", { owner: p.owner }) : "") + " · " + p.status;
      option(p.code, label, p);
      if (self.partLayer) {
        var marker = L.circleMarker([c[1], c[0]], { radius: 6, weight: 2, color: "#fff", fillOpacity: 0.95, fillColor: "#805ad5" });
        marker.bindTooltip(p.name + " " + p.code);
        marker.on("click", function () { pick(p.code, p); });
        markers[p.code] = marker;
        self.partLayer.addLayer(marker);
      }
    });
    if (picked && !markers[picked] && !features.some(function (f) { return f.properties.code === picked; })) {
      input.value = ""; // the pin moved away from the part
    }
    pick(input.value);
  };

  // A part's type is the case category: choose it in the picker when it is listed, else tell the server.
  Position.prototype.pickCategory = function (properties) {
    var radio = this.form.querySelector('input[name="category"][value="' + properties.category_id + '"]');
    var line = this.form.querySelector("[data-category-chosen]");
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      this.form.querySelectorAll('input[name="category"]').forEach(function (other) { other.checked = false; });
    }
    if (line) line.textContent = text("partPicked", { code: properties.code, category: properties.category });
  };

  Position.prototype.say = function (className, nodes) {
    this.status.className = "grid-status " + (className || "");
    this.status.replaceChildren.apply(this.status, nodes);
  };

  /* Which grid holds the pin: refused outside the district (submit disabled; the server refuses too). */
  Position.prototype.locate = function (note, quiet) {
    var self = this;
    var here = this.current();
    if (!here) return;
    var ticket = ++this.sequence;
    this.fieldset.querySelectorAll("[data-position-error]").forEach(function (node) { node.remove(); });
    if (!quiet) this.say("is-busy", [el("span", "", text("locating"))]);
    var url = this.locateUrl + "?lng=" + encodeURIComponent(here.lng) + "&lat=" + encodeURIComponent(here.lat);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (ticket !== self.sequence) return; // a newer pin position is being located
        if (result.ok && result.body.inside) {
          var g = result.body;
          var nodes = [el("strong", "", text("grid") + g.name), document.createTextNode(" "), el("span", "cat-code", g.code),
            el("br"), el("span", "muted", [g.street && g.street.name, g.community && g.community.name].filter(Boolean).join(" · "))];
          if (note) nodes.push(el("br"), el("small", "muted", note));
          self.say("is-inside", nodes);
          self.setBlocked(false);
        } else if (result.ok) {
          self.say("is-outside", [el("strong", "", text("outside")), el("br"), el("span", "", result.body.detail || "")]);
          self.setBlocked(true);
        } else {
          self.say("", [el("span", "muted", text("locateFailed"))]);
          self.setBlocked(false);
        }
      })
      .catch(function () {
        if (ticket !== self.sequence) return;
        // Offline or a server error: let the server decide on submit.
        self.say("", [el("span", "muted", text("locateFailed"))]);
        self.setBlocked(false);
      });
  };

  Position.prototype.setBlocked = function (blocked) {
    if (!this.submit) return;
    this.submit.disabled = blocked;
    this.submit.title = blocked ? text("outside") : "";
  };

  Position.prototype.geolocate = function (button) {
    var self = this;
    if (!navigator.geolocation) {
      this.say("is-warning", [el("span", "", text("noGeolocation"))]);
      return;
    }
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    var done = function () { button.removeAttribute("aria-busy"); button.disabled = false; };
    navigator.geolocation.getCurrentPosition(
      function (found) {
        done();
        var accuracy = Math.round(found.coords.accuracy || 0);
        var note = accuracy > 50 ? text("accuracy", { m: accuracy }) : "";
        self.place(L.latLng(found.coords.latitude, found.coords.longitude), { pan: true, note: note });
      },
      function (error) {
        done();
        var key = { 1: "denied", 2: "unavailable", 3: "timeout" }[error.code] || "unavailable";
        self.say("is-warning", [el("span", "", text(key))]);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  };

  /* ------------------------------------------------------------ address → position (gazetteer) */

  function initGeocode(button) {
    var form = button.closest("form");
    var address = document.getElementById(button.getAttribute("data-address"));
    var result = document.getElementById(button.getAttribute("data-result"));
    var url = button.getAttribute("data-geocode-url");

    function position() {
      var fieldset = form.querySelector("[data-position]");
      return fieldset && fieldset.cityPosition;
    }

    function lookup(auto) {
      var words = address.value.trim();
      if (!words) {
        if (!auto) result.textContent = text("noAddress");
        return;
      }
      button.setAttribute("aria-busy", "true");
      fetch(url + "?address=" + encodeURIComponent(words), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          button.removeAttribute("aria-busy");
          if (answer.ok && answer.body.found) {
            var note = text("matched", { place: answer.body.place });
            result.textContent = note;
            result.classList.remove("is-error");
            var pos = position();
            if (pos) pos.place(L.latLng(answer.body.lat, answer.body.lng), { pan: true, note: note });
          } else {
            // Not matched: say so, also after the automatic lookup on leaving the field.
            result.textContent = answer.body.detail || text("noMatch");
            result.classList.add("is-error");
          }
        })
        .catch(function () {
          button.removeAttribute("aria-busy");
          result.textContent = text("noMatch");
          result.classList.add("is-error");
        });
    }

    button.addEventListener("click", function () { lookup(false); });
    // An address typed before any pin is placed puts the pin there (the agent can still move it).
    address.addEventListener("change", function () {
      var pos = position();
      if (pos && !pos.current()) lookup(true);
    });
  }

  /* ------------------------------------------------------------ category picker */

  function initPicker(picker) {
    var search = picker.querySelector('input[type="search"]');
    var chosenLine = picker.querySelector("[data-category-chosen]");
    picker.addEventListener("change", function (event) {
      var radio = event.target;
      if (radio.name === "category" && radio.checked) {
        chosenLine.textContent = text("chosen") + (radio.getAttribute("data-label") || "");
        picker.classList.remove("has-error");
      }
    });
    // Enter in the search box searches; it must not submit the whole report.
    if (search) {
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault();
      });
    }
  }

  /* ------------------------------------------------------------ photos with previews */

  // A phone camera's photo is 3–12 MB; the platform keeps at most 2048 px of it. Scaling it down on
  // the phone to 1600 px (a few hundred KB) saves the inspector's mobile data and seconds per report,
  // and the canvas copy carries no EXIF (no GPS). Anything unexpected sends the original: the server
  // checks, turns and scales every photo again.
  var MAX_EDGE = 1600;

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return loadImage(file).then(function (img) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var scale = Math.min(1, MAX_EDGE / Math.max(w, h));
      if (scale === 1 && file.size <= 1024 * 1024) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function loadImage(file) {
    // An <img> applies the photo's EXIF orientation (CSS image-orientation: from-image, the default).
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }

  function initPhotos(box) {
    var camera = box.querySelector("[data-photo-camera]");
    var files = box.querySelector("[data-photo-files]");
    var list = box.querySelector("[data-photo-previews]");
    var picked = [];
    var captures = []; // per picked photo: when (the file's time) and where (the phone, when picked)
    var urls = [];
    var canCollect = typeof DataTransfer === "function";
    var single = box.hasAttribute("data-photo-single");
    var captureInput = el("input");
    captureInput.type = "hidden";
    captureInput.name = files.name + "_capture";
    box.append(captureInput);

    function sync() {
      captureInput.value = JSON.stringify(captures);
      if (!canCollect) return;
      try {
        var bag = new DataTransfer();
        picked.forEach(function (file) { bag.items.add(file); });
        files.files = bag.files; // every photo travels in the 相册 input…
        camera.value = ""; // …so the camera input is free for the next shot
      } catch (e) {
        canCollect = false;
      }
    }

    function render() {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      list.replaceChildren();
      picked.forEach(function (file, index) {
        var item = el("li");
        var url = URL.createObjectURL(file);
        urls.push(url);
        var img = el("img");
        img.src = url;
        img.alt = file.name;
        var remove = el("button", "photo-remove secondary outline", text("remove"));
        remove.type = "button";
        remove.setAttribute("aria-label", text("removeNamed", { name: file.name }));
        remove.addEventListener("click", function () {
          picked.splice(index, 1);
          captures.splice(index, 1);
          seen.splice(index, 1);
          sync();
          render();
        });
        item.append(img, remove);
        list.append(item);
      });
      if (picked.length) list.append(el("li", "photo-count muted", text("count", { n: picked.length })));
    }

    var seen = []; // each picked photo's original (name/size/time): a shrunk copy no longer matches it
    var submit = box.closest("form") && box.closest("form").querySelector("[data-submit]");

    function add(input) {
      box.querySelectorAll(".reselect").forEach(function (node) { node.remove(); });
      if (!canCollect) {
        // No DataTransfer: each input keeps its own pick (unshrunk, it cannot be replaced); show both.
        picked = Array.prototype.slice.call(camera.files).concat(Array.prototype.slice.call(files.files));
        render();
        return;
      }
      var keys = [];
      var fresh = Array.prototype.filter.call(input.files, function (file) {
        var key = [file.name, file.size, file.lastModified].join("/");
        if (seen.indexOf(key) >= 0 || keys.indexOf(key) >= 0) return false;
        keys.push(key);
        return true;
      });
      // Until the copies are ready the form must not go: it would send nothing, or the originals.
      if (submit) submit.disabled = true;
      box.setAttribute("aria-busy", "true");
      var taken = fresh.map(function (file) {
        return { taken_at: new Date(file.lastModified || Date.now()).toISOString() };
      });
      here().then(function (position) {
        taken.forEach(function (record) { Object.assign(record, position); });
        sync();
      });
      Promise.all(fresh.map(shrink)).then(function (ready) {
        if (single && ready.length) {
          // One photo per slot (a 随机抽查 item): the new pick replaces the last.
          picked = ready.slice(-1);
          captures = taken.slice(-1);
          seen = keys.slice(-1);
        } else {
          picked = picked.concat(ready);
          captures = captures.concat(taken);
          seen = seen.concat(keys);
        }
        sync();
        render();
        box.removeAttribute("aria-busy");
        if (submit) submit.disabled = false;
      });
    }

    // outbox.js queued the report offline and cleared the form: the photos go with it.
    var owner = box.closest("form");
    if (owner) {
      owner.addEventListener("report:reset", function () {
        picked = [];
        captures = [];
        seen = [];
        sync();
        render();
      });
    }

    camera.addEventListener("change", function () { add(camera); });
    // A new pick replaces the input's list; add() keeps the earlier photos (setting .files fires no change).
    files.addEventListener("change", function () { add(files); });
  }

  // The phone's position now (for the photos just picked: on-site evidence, cases/photos.py), or nothing.
  function here() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve({});
      navigator.geolocation.getCurrentPosition(
        function (found) {
          resolve({ lng: found.coords.longitude, lat: found.coords.latitude, accuracy: Math.round(found.coords.accuracy || 0) });
        },
        function () { resolve({}); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }
  window.CityHere = here;

  /* ------------------------------------------------------------ one submit at a time */

  function initForm(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[data-submit]");
      if (!button) return;
      // After the submit has started: a disabled button before it would drop the submission.
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }, 0);
    });
  }

  function init() {
    var strings = document.getElementById("report-strings");
    if (strings) T = JSON.parse(strings.textContent);
    document.querySelectorAll("[data-position]").forEach(function (fieldset) { new Position(fieldset); });
    document.querySelectorAll("[data-geocode-url]").forEach(initGeocode);
    document.querySelectorAll(".category-picker").forEach(initPicker);
    document.querySelectorAll("[data-photos]").forEach(initPhotos);
    document.querySelectorAll("[data-report-form]").forEach(initForm);
  }

  document.addEventListener("DOMContentLoaded", init);
})();
