// The landing page of a phishing simulation tells the server that a person with a browser
// opened it (a "human click"); link scanners that fetch the page do not run this script.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-beacon");
  if (!url) return;
  if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
  if (window.fetch) fetch(url, { method: "POST", keepalive: true, credentials: "omit" });
})();
