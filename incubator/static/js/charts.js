// Dashboard charts (Apache ECharts, served by the app). The page puts its figures as JSON in a
// data-chart-data attribute; every chart's numbers are also in a table on the same page.
(function () {
  "use strict";

  // Figures as the page's tables show them: at most two decimals (万元 to the hundred yuan), grouped digits;
  // the exact value stays in the table's hover title and in the exports.
  var figure = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
  function shown(value) { return value === null || value === undefined ? "" : figure.format(value); }

  function achievementChart(el, data) {
    var rows = data.achievement.filter(function (r) { return r.achievement !== null; });
    if (!rows.length) { return; }
    var labels = data.labels || {};
    var chart = window.echarts.init(el, null, { height: Math.max(160, rows.length * 34 + 70) });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [labels.achievement, labels.expected] },
      grid: { left: 8, right: 40, top: 30, bottom: 10, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
      series: [
        { name: labels.achievement, type: "bar", barMaxWidth: 18,
          data: rows.map(function (r) { return { value: r.achievement, itemStyle: { color: r.colour } }; }),
          label: { show: true, position: "right", formatter: "{c}%" } },
        { name: labels.expected, type: "scatter", symbol: "rect", symbolSize: [4, 22], itemStyle: { color: "#212529" },
          data: rows.map(function (r) { return r.expected; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function trendChart(el, data, select) {
    if (!data.trends.length) { return; }
    var labels = data.labels || {};
    var chart = window.echarts.init(el, null, { height: 320 });
    function draw(code) {
      var trend = data.trends.filter(function (t) { return t.code === code; })[0] || data.trends[0];
      chart.setOption({
        animation: false,
        title: { text: trend.name + " (" + trend.unit + ")", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: shown },
        legend: { top: 24, data: [String(data.year), String(data.last_year)] },
        grid: { left: 8, right: 20, top: 60, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.quarters },
        yAxis: { type: "value", name: trend.unit, axisLabel: { formatter: shown } },
        series: [
          { name: String(data.year), type: "bar", data: trend.this_year,
            label: { show: true, position: "top", formatter: function (p) { return shown(p.value); } } },
          { name: String(data.last_year), type: "line", data: trend.last_year }
        ]
      }, true);
      el.setAttribute("data-drawn", trend.code);
    }
    draw(select ? select.value : data.trends[0].code);
    if (select) {
      select.addEventListener("change", function () { draw(select.value); });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart-data]").forEach(function (holder) {
      var data = JSON.parse(holder.getAttribute("data-chart-data"));
      holder.querySelectorAll("[data-chart]").forEach(function (el) {
        var kind = el.getAttribute("data-chart");
        if (kind === "achievement") { achievementChart(el, data); }
        if (kind === "trend") { trendChart(el, data, holder.querySelector("[data-trend-select]")); }
        el.setAttribute("data-ready", "1");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
