/* WGS-84 → GCJ-02 in the browser, the same formula as grids/coords.py (tested there against published
   reference points; tests/e2e checks this copy gives the same answer). The app stores and draws WGS-84;
   only GCJ-02 tiles (高德/腾讯) need it: CityCoords.GcjTileLayer shifts them onto WGS-84 overlays by asking
   for the tiles around the GCJ-02 image of the map centre (docs/domain.md §12: convert at the edges). */
(function () {
  "use strict";

  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outOfChina(lng, lat) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function transform(x, y) {
    var xy = x * y, root = Math.sqrt(Math.abs(x)), PI = Math.PI;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * root + common;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * root + common;
    dlng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return [dlng, dlat];
  }

  function wgs84ToGcj02(lng, lat) {
    if (outOfChina(lng, lat)) return [lng, lat];
    var d = transform(lng - 105.0, lat - 35.0);
    var rad = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sqrtMagic = Math.sqrt(magic);
    var dlat = (d[1] * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    var dlng = (d[0] * 180.0) / (A / sqrtMagic * Math.cos(rad) * Math.PI);
    return [lng + dlng, lat + dlat];
  }

  var api = { wgs84ToGcj02: wgs84ToGcj02, outOfChina: outOfChina };

  if (window.L) {
    var toGcj = function (center) {
      if (!center) return center;
      var g = wgs84ToGcj02(center.lng, center.lat);
      return L.latLng(g[1], g[0]);
    };
    api.GcjTileLayer = L.TileLayer.extend({
      _setZoomTransform: function (level, center, zoom) {
        return L.TileLayer.prototype._setZoomTransform.call(this, level, toGcj(center), zoom);
      },
      _getTiledPixelBounds: function (center) {
        return L.TileLayer.prototype._getTiledPixelBounds.call(this, toGcj(center));
      },
    });
  }
  window.CityCoords = api;
})();
