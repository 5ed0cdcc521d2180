/* Offline reports (docs/domain.md §12). Registers the service worker (/sw.js) and keeps an outbox in
   IndexedDB: a report submitted while the phone is offline is stored there with its photos and its
   submission key, and sent on reconnect (the 'online' event, or the next page load). The server saves a
   submission key once, so a report sent twice — a lost answer, two tabs — is one case. Markup: the report
   form ([data-report-form]) and the outbox box ([data-outbox]) on templates/cases/inspector/report.html. */
(function () {
  "use strict";

  var script = document.currentScript;
  var DB = "cityops-outbox";
  var STORE = "reports";
  var USED = "cityops.outbox.used-keys";
  var T = {};

  function text(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (name) { s = s.split("{" + name + "}").join(values[name]); });
    return s;
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function all() { return tx("readonly", function (store) { return store.getAll(); }); }
  function put(item) { return tx("readwrite", function (store) { store.put(item); }); }
  function remove(key) { return tx("readwrite", function (store) { store.delete(key); }); }

  function used() {
    try { return JSON.parse(localStorage.getItem(USED)) || []; } catch (e) { return []; }
  }
  function markUsed(key) {
    var keys = used().concat([key]).slice(-200);
    localStorage.setItem(USED, JSON.stringify(keys));
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* ---------------------------------------------------------------- queue a report made offline */

  function queue(form) {
    var data = new FormData(form);
    var key = data.get("submission_key") || newKey();
    var fields = [];
    var files = [];
    data.forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size) files.push({ name: name, blob: value, filename: value.name });
      } else {
        fields.push([name, value]);
      }
    });
    var item = {
      key: key,
      url: form.getAttribute("action") || window.location.pathname,
      fields: fields,
      files: files,
      label: (data.get("description") || "").toString().slice(0, 40),
      created: new Date().toISOString(),
      state: "waiting",
    };
    return put(item).then(function () {
      markUsed(key);
      fresh(form);
      return item;
    });
  }

  // A clean form for the next report, with a new submission key (the queued one must not be reused).
  function fresh(form) {
    form.reset();
    var input = form.querySelector('input[name="submission_key"]');
    if (input) input.value = newKey();
    form.dispatchEvent(new CustomEvent("report:reset", { bubbles: true }));
  }

  /* ---------------------------------------------------------------- send what waits */

  var sending = false;

  function send() {
    if (sending || navigator.onLine === false) return Promise.resolve();
    sending = true;
    return all().then(function (items) {
      var waiting = items.filter(function (item) { return item.state === "waiting"; });
      return waiting.reduce(function (chain, item) {
        return chain.then(function () { return sendOne(item); });
      }, Promise.resolve());
    }).catch(function () {}).then(function () {
      sending = false;
      render();
    });
  }

  function sendOne(item) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    item.files.forEach(function (file) { body.append(file.name, file.blob, file.filename); });
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin", redirect: "follow" })
      .then(function (response) {
        if (response.ok && response.redirected && /\/cases\/\d+\/?$/.test(new URL(response.url).pathname)) {
          remember({ key: item.key, label: item.label, url: response.url });
          return remove(item.key);
        }
        if (response.ok) { // the form came back with its errors: it needs the inspector, not a retry
          item.state = "failed";
          return put(item);
        }
        // 5xx and the like: try again later
      })
      .catch(function () { /* the network went away again: it stays waiting */ });
  }

  var SENT = "cityops.outbox.sent";
  function remember(entry) {
    var list = sent().concat([entry]).slice(-10);
    sessionStorage.setItem(SENT, JSON.stringify(list));
  }
  function sent() {
    try { return JSON.parse(sessionStorage.getItem(SENT)) || []; } catch (e) { return []; }
  }

  /* ---------------------------------------------------------------- what waits, on the page */

  function render() {
    var box = document.querySelector("[data-outbox]");
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      var list = box.querySelector("[data-outbox-list]");
      list.replaceChildren();
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("data-outbox-item", item.state);
        li.textContent = (item.state === "failed" ? text("failed") : text("waiting")) + " · " +
          new Date(item.created).toLocaleString() + " · " + item.label;
        list.append(li);
      });
      sent().forEach(function (entry) {
        var li = document.createElement("li");
        li.setAttribute("data-outbox-item", "sent");
        var a = document.createElement("a");
        a.href = entry.url;
        a.textContent = text("sent") + " · " + entry.label;
        li.append(a);
        list.append(li);
      });
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      box.querySelector("[data-outbox-count]").textContent = waiting ? text("count", { n: waiting }) : "";
      box.hidden = !(items.length || sent().length);
    }).catch(function () {});
  }

  /* ---------------------------------------------------------------- wiring */

  document.addEventListener("DOMContentLoaded", function () {
    var strings = document.getElementById("outbox-strings");
    if (strings) T = JSON.parse(strings.textContent);
    if ("serviceWorker" in navigator && script && script.getAttribute("data-sw-url")) {
      navigator.serviceWorker.register(script.getAttribute("data-sw-url"), { scope: "/" }).catch(function () {});
    }
    var form = document.querySelector("[data-report-form]");
    if (form && window.indexedDB) {
      var keyInput = form.querySelector('input[name="submission_key"]');
      // A page served from the cache carries a key already queued or sent: never reuse it.
      if (keyInput && used().indexOf(keyInput.value) >= 0) keyInput.value = newKey();
      form.addEventListener("submit", function (event) {
        if (navigator.onLine !== false) return; // online: the ordinary submit
        event.preventDefault();
        event.stopImmediatePropagation();
        if (!form.reportValidity()) return;
        queue(form).then(render).then(function () {
          var note = document.querySelector("[data-outbox-note]");
          if (note) note.textContent = text("queued");
        });
      }, true);
    }
    window.addEventListener("online", function () { send(); });
    render().then(send);
  });

  window.CityOutbox = { send: send, all: all, render: render };
})();
