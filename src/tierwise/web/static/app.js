/* tierwise portal: the charts. The content security policy allows no inline script, so a
   page carries each chart's numbers in a JSON data island
   (<script type="application/json" id="...">) named by the canvas's `data-source`, and
   this file draws them with Chart.js. Every chart has the same numbers in a table beside
   it, so a page without JavaScript loses nothing. */
(function () {
  "use strict";

  var COLOURS = ["#3451b2", "#d0632b", "#2f855a", "#9b2c8f", "#718096", "#b7791f"];
  var reduceMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function island(id) {
    var element = id && document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent || "null");
    } catch (error) {
      return null;
    }
  }

  /* Score (left axis) and level (right axis, one step per level, "no level" below the
     lowest) per period. */
  function historyChart(canvas, data) {
    var levels = data.levels || [];
    var ranks = (data.rank || []).map(function (rank) {
      return rank === null || rank === undefined ? -1 : rank;
    });
    function levelName(value) {
      if (value === -1) {
        return data.no_level;
      }
      return levels[value] !== undefined ? levels[value] : "";
    }
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.score_label,
            data: data.score,
            yAxisID: "score",
            borderColor: COLOURS[0],
            backgroundColor: COLOURS[0],
            tension: 0.2,
            spanGaps: true,
          },
          {
            label: data.level_label,
            data: ranks,
            yAxisID: "level",
            borderColor: COLOURS[1],
            backgroundColor: COLOURS[1],
            borderDash: [6, 4],
            stepped: "middle",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        interaction: { mode: "index", intersect: false },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.dataset.yAxisID === "level") {
                  return item.dataset.label + ": " + levelName(item.raw);
                }
                return item.dataset.label + ": " + item.formattedValue;
              },
            },
          },
        },
        scales: {
          score: {
            type: "linear",
            position: "left",
            beginAtZero: true,
            title: { display: true, text: data.score_label },
          },
          level: {
            type: "linear",
            position: "right",
            min: -1,
            max: Math.max(levels.length - 1, 0),
            grid: { drawOnChartArea: false },
            ticks: { stepSize: 1, callback: levelName },
            title: { display: true, text: data.level_label },
          },
        },
      },
    });
  }

  /* Partners per level, lowest level first; one bar per data set (shown now, this run). */
  function distributionChart(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: (data.datasets || []).map(function (set, index) {
          var colour = COLOURS[(data.datasets.length > 1 ? index : 0) % COLOURS.length];
          return { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        plugins: { legend: { display: (data.datasets || []).length > 1 } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  /* Values over time (a livestream's minutes): one line per data set. */
  function trendChart(canvas, data) {
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: (data.datasets || []).map(function (set, index) {
          var colour = COLOURS[index % COLOURS.length];
          return { label: set.label, data: set.data, borderColor: colour, backgroundColor: colour };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  var KINDS = { history: historyChart, distribution: distributionChart, trend: trendChart };

  function drawCharts(root) {
    if (typeof window.Chart === "undefined") {
      return;
    }
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      if (canvas.getAttribute("data-rendered") === "true") {
        return;
      }
      var draw = KINDS[canvas.getAttribute("data-chart")];
      var data = island(canvas.getAttribute("data-source"));
      if (!draw || !data) {
        return;
      }
      draw(canvas, data);
      canvas.setAttribute("data-rendered", "true");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      drawCharts(document);
    });
  } else {
    drawCharts(document);
  }
  /* Content swapped in by htmx may carry charts too. */
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });
})();
