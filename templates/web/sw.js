/* CityOps service worker (cityops/pwa.py renders this with the real asset URLs). Version {{ version }}. */
"use strict";
var VERSION = "{{ version }}";
var ASSETS = {{ assets|safe }};
var PAGES = {{ pages|safe }};
var DATA = {{ data|safe }};
var STATIC_CACHE = "cityops-static-" + VERSION;
var PAGE_CACHE = "cityops-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("cityops-static-") === 0 && n !== STATIC_CACHE; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(url) {
  return PAGES.indexOf(url.pathname) >= 0 || DATA.indexOf(url.pathname) >= 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // POSTs go to the network; report.js queues reports offline
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (kept(url)) {
    // Network first; the last good copy when offline (我的任务, the report form, the map layers).
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(PAGE_CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      }).catch(function () {
        return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(url.pathname); }).then(function (hit) {
          return hit || Response.error();
        });
      })
    );
  }
});
