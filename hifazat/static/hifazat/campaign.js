// Live sending status on a campaign's page: the table is refreshed from status.json.
(function () {
  "use strict";
  var table = document.getElementById("campaign-status");
  if (!table || !window.fetch) return;
  var badge = document.getElementById("campaign-state");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function fill(row, counts) {
    row.querySelectorAll("td[data-state]").forEach(function (cell) {
      cell.textContent = format.format(counts[cell.dataset.state] || 0);
    });
  }
  function refresh() {
    fetch(table.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        table.querySelectorAll("tr[data-variant]").forEach(function (row) {
          var label = row.dataset.variant;
          fill(row, label ? data.variants[label] || {} : data.totals);
        });
        if (badge) badge.textContent = data.state_label;
        if (data.state === "running" || data.state === "paused") setTimeout(refresh, 5000);
      })
      .catch(function () { setTimeout(refresh, 15000); });
  }
  setTimeout(refresh, 3000);
})();
