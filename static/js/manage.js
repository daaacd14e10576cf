/* The manager dashboard's charts, drawn with the vendored Chart.js from the JSON of the table
   shown beneath each chart (so both always show the same figures). */
(function () {
  "use strict";

  // Colour-blind-safe palette (Okabe–Ito), each distinguishable on white.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"];

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function colour(i) { return COLOURS[i % COLOURS.length]; }

  function unique(rows, key) {
    var seen = [];
    rows.forEach(function (row) { if (seen.indexOf(row[key]) < 0) { seen.push(row[key]); } });
    return seen;
  }

  var money = new Intl.NumberFormat(document.documentElement.lang || "en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } }
  };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return; }
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, config);
  }

  function daily() {
    var table = data("data-daily");
    if (!table) { return; }
    var channels = table.columns.slice(1);
    draw("chart-daily", {
      type: "line",
      data: {
        labels: table.rows.map(function (row) { return row.day; }),
        datasets: channels.map(function (column, i) {
          return {
            label: column.title,
            data: table.rows.map(function (row) { return row[column.key]; }),
            borderColor: colour(i),
            backgroundColor: colour(i),
            tension: 0.2
          };
        })
      },
      options: common
    });
  }

  function channelStore() {
    var table = data("data-channel-store");
    if (!table) { return; }
    var stores = unique(table.rows, "store");
    var channels = unique(table.rows, "channel");
    draw("chart-channel-store", {
      type: "bar",
      data: {
        labels: stores,
        datasets: channels.map(function (channel, i) {
          return {
            label: channel,
            backgroundColor: colour(i),
            data: stores.map(function (store) {
              var row = table.rows.find(function (r) { return r.store === store && r.channel === channel; });
              return row ? row.net : 0;
            })
          };
        })
      },
      options: Object.assign({}, common, {
        scales: { x: { stacked: true }, y: Object.assign({}, common.scales.y, { stacked: true }) }
      })
    });
  }

  function bars(id, dataId, label, value, title) {
    var table = data(dataId);
    if (!table) { return; }
    draw(id, {
      type: "bar",
      data: {
        labels: table.rows.map(label),
        datasets: [{ label: title, backgroundColor: colour(0), data: table.rows.map(value) }]
      },
      options: Object.assign({}, common, { plugins: { legend: { display: false } } })
    });
  }

  function reminders() {
    var table = data("data-reminders");
    if (!table) { return; }
    var counts = table.columns.filter(function (c) {
      return ["sent", "clicked", "recovered_orders"].indexOf(c.key) >= 0;
    });
    draw("chart-reminders", {
      type: "bar",
      data: {
        labels: table.rows.map(function (row) { return row.day; }),
        datasets: counts.map(function (column, i) {
          return {
            label: column.title,
            backgroundColor: colour(i),
            data: table.rows.map(function (row) { return row[column.key]; })
          };
        })
      },
      options: Object.assign({}, common, {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      })
    });
  }

  function accuracy() {
    var table = data("data-accuracy-daily");
    if (!table) { return; }
    draw("chart-accuracy-daily", {
      type: "line",
      data: {
        labels: table.rows.map(function (row) { return row.day; }),
        datasets: table.columns.slice(1).map(function (column, i) {
          return {
            label: column.title,
            data: table.rows.map(function (row) { return row[column.key]; }),
            borderColor: colour(i),
            backgroundColor: colour(i),
            spanGaps: true
          };
        })
      },
      options: Object.assign({}, common, {
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } }
      })
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    daily();
    accuracy();
    reminders();
    channelStore();
    bars("chart-campaigns", "data-campaigns", function (r) { return r.campaign + " (" + r.source + ")"; },
      function (r) { return r.net; }, gettext("Net revenue"));
    bars("chart-stock-value", "data-stock-value", function (r) { return r.name; },
      function (r) { return r.value; }, gettext("Stock value"));
  });
})();
