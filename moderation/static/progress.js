// Live delivery progress on the alert page: polls the JSON endpoint every 2 seconds and
// rewrites the table. Without JavaScript, reloading the page shows the same numbers.
(function () {
  "use strict";
  var table = document.getElementById("progress");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-src");
  var columns = (table.getAttribute("data-counters") || "").split(" ").filter(Boolean);
  var body = table.querySelector("tbody");
  var status = document.getElementById("progress-status");
  // The words come from the page, in the moderator's language.
  function word(name) { return table.getAttribute("data-" + name) || ""; }

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) { td.className = "num"; }
    row.appendChild(td);
  }

  function draw(deliveries) {
    while (body.firstChild) { body.removeChild(body.firstChild); }
    deliveries.forEach(function (d) {
      var tr = document.createElement("tr");
      cell(tr, String(d.version));
      cell(tr, d.retraction ? word("retraction") : word("alert"));
      cell(tr, word("state-" + d.state) || d.state);
      columns.forEach(function (c) {
        var n = (d.counters && d.counters[c]) || 0;
        cell(tr, n < 0 ? word("unknown") : String(n), true);
      });
      body.appendChild(tr);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { throw new Error("signed out"); }
        return r.json();
      })
      .then(function (data) {
        draw(data.deliveries || []);
        if (status) { status.textContent = word("updated") + " " + new Date().toLocaleTimeString(); }
        setTimeout(poll, 2000);
      })
      .catch(function () {
        if (status) { status.textContent = word("stopped"); }
      });
  }
  setTimeout(poll, 2000);
})();
