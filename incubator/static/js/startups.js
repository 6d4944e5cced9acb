// Startups area: figure charts (ECharts), live checks of the quarterly report, the reviewer's weighted score.
(function () {
  "use strict";
  if (window.__startupsLoaded) return;
  window.__startupsLoaded = true;

  function toNumber(text) {
    if (text === undefined || text === null) return null;
    var value = String(text).normalize("NFKC").replace(/[,\s\u00a0]/g, "");
    if (value === "") return null;
    var number = Number(value);
    return Number.isFinite(number) ? number : NaN;
  }

  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll(".startup-chart[data-chart]").forEach(function (el) {
      var data = JSON.parse(el.getAttribute("data-chart"));
      el.style.height = "280px";
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [data.labels.revenue, data.labels.rd_expense, data.labels.employees] },
        grid: { left: 50, right: 50, bottom: 30, top: 40 },
        xAxis: { type: "category", data: data.periods },
        yAxis: [{ type: "value", name: data.labels.wan }, { type: "value", name: data.labels.persons }],
        series: [
          { name: data.labels.revenue, type: "bar", data: data.revenue },
          { name: data.labels.rd_expense, type: "bar", data: data.rd_expense },
          { name: data.labels.employees, type: "line", yAxisIndex: 1, data: data.employees }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function reportChecks() {
    var form = document.getElementById("report-form");
    if (!form) return;
    var field = function (name) { return form.querySelector("[data-figure=" + name + "]"); };
    var check = function () {
      var staff = toNumber(field("employees") && field("employees").value);
      var rdStaff = toNumber(field("rd_staff") && field("rd_staff").value);
      var revenue = toNumber(field("revenue") && field("revenue").value);
      var rd = toNumber(field("rd_expense") && field("rd_expense").value);
      var staffError = document.querySelector("[data-live-error=rd_staff]");
      var rdFlag = document.querySelector("[data-live-flag=rd_expense]");
      var badStaff = rdStaff !== null && staff !== null && rdStaff > staff;
      if (staffError) staffError.classList.toggle("d-none", !badStaff);
      if (field("rd_staff")) field("rd_staff").classList.toggle("is-invalid", badStaff);
      if (rdFlag) rdFlag.classList.toggle("d-none", !(rd !== null && revenue !== null && rd > revenue));
      form.querySelectorAll("[data-figure]").forEach(function (input) {
        var value = toNumber(input.value);
        var negative = value !== null && (Number.isNaN(value) || value < 0);
        if (input.getAttribute("data-figure") !== "rd_staff" || !badStaff) input.classList.toggle("is-invalid", negative);
      });
    };
    form.addEventListener("input", check);
    check();
  }

  function scoreForm() {
    var form = document.getElementById("score-form");
    if (!form) return;
    var conflict = form.querySelector("input[name=conflict_declared]");
    var update = function () {
      var total = 0, weights = 0, complete = true;
      form.querySelectorAll("input[data-weight]").forEach(function (input) {
        var weight = Number(input.getAttribute("data-weight"));
        var value = toNumber(input.value);
        if (value === null || Number.isNaN(value)) { complete = false; return; }
        total += weight * value; weights += weight;
      });
      var cell = form.querySelector("[data-weighted-total]");
      if (cell) cell.textContent = complete && weights ? (total / weights).toFixed(2) : "—";
      var recused = conflict && conflict.checked;
      var scores = form.querySelector("[data-scores]");
      var note = form.querySelector("[data-conflict-note]");
      if (scores) scores.classList.toggle("d-none", !!recused);
      if (note) note.classList.toggle("d-none", !recused);
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    reportChecks();
    scoreForm();
  });
})();
