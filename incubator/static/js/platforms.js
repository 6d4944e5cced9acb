// Platforms area: show only the kind-specific fields of the chosen kind, and the academy of academicians.
(function () {
  function syncKindFields() {
    const select = document.querySelector("#platform-form select[name=kind]");
    const form = document.getElementById("platform-form");
    if (!form) return;
    const kind = select ? select.value : form.getAttribute("data-kind");
    document.querySelectorAll("[data-kind-field]").forEach((box) => {
      const kinds = box.getAttribute("data-kind-field").split(" ");
      box.hidden = kind !== null && !kinds.includes(kind);
    });
  }
  function syncAcademy() {
    document.querySelectorAll("select[data-expert-kind]").forEach((select) => {
      const target = document.getElementById(select.getAttribute("data-expert-kind"));
      if (target) target.closest(".mb-3").hidden = select.value !== "academician";
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("#platform-form select[name=kind]")) syncKindFields();
    if (event.target.matches("select[data-expert-kind]")) syncAcademy();
  });
  document.addEventListener("DOMContentLoaded", () => { syncKindFields(); syncAcademy(); });
})();
