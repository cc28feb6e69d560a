/* Draws the charts of the analytics pages (docs/analytics.md) from the JSON the page embeds with
   json_script (#analytics-charts); no inline script (CSP). Each chart is a list of
   {label, count, link}: a click on a bar or point opens the case list behind it, and the table under
   each chart carries the same numbers as links for keyboards and screen readers. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("analytics-charts");
    if (!source || typeof window.Plotly === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    var config = { displayModeBar: false, responsive: true, locale: document.documentElement.lang || "zh-CN" };
    Object.keys(charts).forEach(function (id) {
      var spec = charts[id];
      var node = document.getElementById(id);
      if (!node || !spec.points.length) { return; }
      var labels = spec.points.map(function (p) { return p.label; });
      var counts = spec.points.map(function (p) { return p.count; });
      var links = spec.points.map(function (p) { return p.link || ""; });
      var trace;
      var layout = { margin: { l: 48, r: 12, t: 8, b: 64 }, font: { size: 12 }, hovermode: "closest" };
      if (spec.kind === "pie") {
        trace = { type: "pie", labels: labels, values: counts, customdata: links, sort: false, hole: 0.45,
                  textinfo: "label+percent" };
        layout.margin = { l: 8, r: 8, t: 8, b: 8 };
      } else if (spec.kind === "line") {
        trace = { type: "scatter", mode: "lines+markers", x: labels, y: counts, customdata: links };
      } else {
        trace = { type: "bar", x: labels, y: counts, customdata: links };
      }
      window.Plotly.newPlot(node, [trace], layout, config).then(function () {
        node.on("plotly_click", function (event) {
          var point = event && event.points && event.points[0];
          var link = point && (point.customdata || (point.data && point.data.customdata &&
                                                    point.data.customdata[point.pointNumber]));
          if (link) { window.location.assign(link); }
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
})();
