// Compliance pages: the print button of the Torch statistics page, and the computation help of the criterion form.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("computation");
  const help = document.getElementById("computation-help");
  if (!select || !help) return;
  const highlight = () => {
    help.querySelectorAll("dt").forEach((dt) => {
      dt.classList.toggle("text-primary", dt.dataset.computation === select.value);
    });
  };
  select.addEventListener("change", highlight);
  highlight();
});
