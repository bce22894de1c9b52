// Draws a chart from a table that stays on the page beside it (the table is the accessible,
// exact version; the chart is a picture of it). A table opts in with
//   data-chart="bar" | "line"   and   data-chart-series="2,5,7"  (column indexes, from 0)
// Each body row is one label (its <th>, or the th's data-label when the text is long); each cell of a listed column holds its number in
// data-value (a share 0–1 is drawn as a percentage).
(function () {
  "use strict";
  if (!window.Chart) return;
  var COLOURS = ["#b02a37", "#0d6efd", "#198754", "#fd7e14", "#6f42c1"];
  var rtl = document.documentElement.getAttribute("dir") === "rtl";

  function draw(table) {
    var columns = table.getAttribute("data-chart-series").split(",").map(Number);
    var heads = table.tHead.rows[0].cells;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (r) {
      return r.cells[0].getAttribute("data-label") || r.cells[0].textContent.trim();
    });
    var datasets = columns.map(function (col, i) {
      return {
        label: heads[col].textContent.trim(),
        data: rows.map(function (r) {
          var v = r.cells[col].getAttribute("data-value");
          return v === null || v === "" ? null : Math.round(parseFloat(v) * 1000) / 10;
        }),
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
        spanGaps: true,
      };
    });
    var figure = document.createElement("figure");
    figure.className = "chart-figure";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", table.caption ? table.caption.textContent.trim() : "");
    figure.appendChild(canvas);
    table.closest(".chart-pair").querySelector(".chart-slot").appendChild(figure);
    new window.Chart(canvas, {
      type: table.getAttribute("data-chart"),
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        locale: document.documentElement.lang || "en",
        plugins: { legend: { rtl: rtl, position: "bottom" } },
        scales: {
          x: { reverse: rtl },
          y: { beginAtZero: true, ticks: { callback: function (v) { return v + " %"; } } },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-chart]").forEach(draw);
  });
})();
