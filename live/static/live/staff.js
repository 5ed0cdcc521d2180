/* Staff pages served by the ASGI server follow the live feed for their department and grids
   (scope=staff, live/asgi.py): when work of theirs moves, the inbox count is fetched again, so a
   dispatch to my department shows on the open page within seconds, without a reload. */
(function () {
  "use strict";

  var link = document.querySelector(".inbox-link[data-live-stream]");
  if (!link || !window.EventSource) return;
  var pending = null;

  function refresh() {
    pending = null;
    fetch(link.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        var badge = link.querySelector(".badge");
        if (!answer.unread) {
          if (badge) badge.remove();
          return;
        }
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "badge";
          link.appendChild(document.createTextNode(" "));
          link.appendChild(badge);
        }
        badge.textContent = answer.unread;
      })
      .catch(function () {});
  }

  var opened = false;
  var source = new EventSource(link.dataset.liveStream);
  source.onopen = function () { opened = true; };
  source.onmessage = function () {
    // A burst of events (a bulk dispatch) asks once: the notices are written in the same transaction.
    if (!pending) pending = setTimeout(refresh, 300);
  };
  source.onerror = function () {
    if (!opened) source.close(); // no push here after all: the count stays that of the page load
  };
})();
