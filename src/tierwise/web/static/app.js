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

  var THRESHOLD_COLOUR = "#8a5a00";
  var MARKED_COLOUR = "#5f6b7a";
  var BAND_COLOUR = "rgba(95, 107, 122, 0.14)";

  /* Shades the periods that were not graded as a level (ineligible, observation,
     novice): a band over the period's slot, so their zero is not read as a score. */
  var markedBands = {
    id: "tierwiseMarkedBands",
    beforeDatasetsDraw: function (chart, args, options) {
      var marked = options.marked || [];
      var x = chart.scales.x;
      var area = chart.chartArea;
      if (!x || !marked.length) {
        return;
      }
      var half = marked.length > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : area.width / 2;
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = BAND_COLOUR;
      marked.forEach(function (status, index) {
        if (status) {
          var centre = x.getPixelForValue(index);
          var left = Math.max(area.left, centre - half);
          var right = Math.min(area.right, centre + half);
          ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        }
      });
      ctx.restore();
    },
    /* Each threshold line carries its label (the level and its boundary) at its left end,
       so a line is read without matching colours in a legend. */
    afterDatasetsDraw: function (chart) {
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "11px sans-serif";
      ctx.fillStyle = THRESHOLD_COLOUR;
      chart.data.datasets.forEach(function (dataset, index) {
        if (dataset.kind !== "threshold" || !chart.isDatasetVisible(index)) {
          return;
        }
        var y = chart.scales.value.getPixelForValue(dataset.data[0]);
        if (y < area.top || y > area.bottom) {
          return;
        }
        /* Above the line, or below it when the line is the top of the chart. */
        var below = y - area.top < 14;
        ctx.textBaseline = below ? "top" : "bottom";
        ctx.fillText(dataset.label, area.left + 4, below ? y + 2 : y - 2);
      });
      ctx.restore();
    },
  };

  /* One series per period (the score, or a channel metric of 集星) as steps — a value
     holds for its whole period — against the level boundaries as dashed lines, the
     level held (right axis) as steps too, and the periods not graded as a level shaded
     with their points apart from the line. Without any value (a score withheld in every
     period) the chart shows the level only: no empty axis. */
  function historyChart(canvas, data) {
    var levels = data.levels || [];
    var labels = data.labels || [];
    var hasValues = Array.isArray(data.values);
    var ranks = (data.rank || []).map(function (rank) {
      return rank === null || rank === undefined ? -1 : rank;
    });
    function levelName(value) {
      if (value === -1) {
        return data.no_level;
      }
      return levels[value] !== undefined ? levels[value] : "";
    }
    var datasets = [];
    if (hasValues) {
      datasets.push({
        label: data.value_label,
        data: data.values,
        yAxisID: "value",
        borderColor: COLOURS[0],
        backgroundColor: COLOURS[0],
        stepped: "middle",
        tension: 0,
        spanGaps: false,
      });
      if ((data.marked_status || []).some(Boolean)) {
        datasets.push({
          label: data.marked_label,
          data: data.marked_values,
          yAxisID: "value",
          showLine: false,
          pointStyle: "rectRot",
          pointRadius: 6,
          borderColor: MARKED_COLOUR,
          backgroundColor: "#ffffff",
          kind: "marked",
        });
      }
      (data.thresholds || []).forEach(function (threshold) {
        if (!threshold.drawn) {
          return;
        }
        datasets.push({
          label: threshold.label,
          data: labels.map(function () {
            return threshold.value;
          }),
          yAxisID: "value",
          borderColor: THRESHOLD_COLOUR,
          backgroundColor: THRESHOLD_COLOUR,
          borderDash: [4, 4],
          borderWidth: 1,
          pointRadius: 0,
          pointHitRadius: 0,
          kind: "threshold",
        });
      });
    }
    datasets.push({
      label: data.level_label,
      data: ranks,
      yAxisID: "level",
      borderColor: COLOURS[1],
      backgroundColor: COLOURS[1],
      borderDash: [6, 4],
      stepped: "middle",
    });
    var scales = {
      level: {
        type: "linear",
        position: hasValues ? "right" : "left",
        min: -1,
        max: Math.max(levels.length - 1, 0),
        grid: { drawOnChartArea: !hasValues },
        ticks: { stepSize: 1, callback: levelName },
        title: { display: true, text: data.level_label },
      },
    };
    if (hasValues) {
      scales.value = {
        type: "linear",
        position: "left",
        beginAtZero: true,
        title: { display: true, text: data.value_label },
      };
    }
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      plugins: [markedBands],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        interaction: { mode: "index", intersect: false },
        plugins: {
          tierwiseMarkedBands: { marked: data.marked_status || [] },
          /* The threshold lines are labelled on the chart and listed under it. */
          legend: {
            labels: {
              filter: function (item, chartData) {
                return chartData.datasets[item.datasetIndex].kind !== "threshold";
              },
            },
          },
          tooltip: {
            filter: function (item) {
              return item.dataset.kind !== "threshold" && item.raw !== null;
            },
            callbacks: {
              label: function (item) {
                if (item.dataset.yAxisID === "level") {
                  return item.dataset.label + ": " + levelName(item.raw);
                }
                if (item.dataset.kind === "marked") {
                  return data.marked_status[item.dataIndex] + ": " + item.formattedValue;
                }
                return item.dataset.label + ": " + item.formattedValue;
              },
            },
          },
        },
        scales: scales,
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
