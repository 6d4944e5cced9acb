// Job page: poll the job's status until it ends, then offer to show the result.
(function () {
  const box = document.getElementById("job-progress");
  if (!box) return;
  const bar = document.getElementById("job-bar");
  const setBar = (percent) => {
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
  };
  setBar(Number(bar.getAttribute("data-percent")) || 0);
  if (box.getAttribute("data-ended") === "true") return;
  const poll = () => {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((state) => {
        setBar(state.percent);
        document.getElementById("job-state").textContent = state.status_label;
        document.getElementById("job-stage").textContent = state.stage;
        if (state.ended) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 5000));
  };
  window.setTimeout(poll, 500);
})();
