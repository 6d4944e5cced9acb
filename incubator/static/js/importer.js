// Import page: open the column reference of the kind chosen in the upload form.
(function () {
  const select = document.querySelector("#import-form select[name=kind]");
  if (!select) return;
  const show = () => {
    document.querySelectorAll("#kinds [data-kind]").forEach((item) => {
      const body = item.querySelector(".accordion-collapse");
      const button = item.querySelector(".accordion-button");
      const open = item.getAttribute("data-kind") === select.value;
      body.classList.toggle("show", open);
      button.classList.toggle("collapsed", !open);
    });
  };
  select.addEventListener("change", show);
  show();
})();
