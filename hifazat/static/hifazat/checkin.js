// The trainer's check-in screen: reload the QR image (a new code each minute) every few seconds.
(function () {
  "use strict";
  document.querySelectorAll("img[data-refresh]").forEach(function (img) {
    var base = img.getAttribute("src");
    var seconds = parseInt(img.getAttribute("data-refresh"), 10) || 20;
    setInterval(function () {
      img.setAttribute("src", base + "?t=" + Date.now());
    }, seconds * 1000);
  });
})();
