// Bookings: click a free slot to fill the booking form; click a later free slot of the same day to extend.
// On the resource form, reload the space units when the platform or kind changes.
(function () {
  "use strict";
  const form = document.getElementById("booking-form");
  if (form) {
    const day = form.querySelector("[name=day]");
    const start = form.querySelector("[name=start]");
    const end = form.querySelector("[name=end]");
    document.querySelectorAll("a.slot-free").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const slot = link.dataset;
        const sameDay = day.value === slot.day;
        if (sameDay && start.value && start.value < slot.start && end.value && end.value <= slot.start) {
          end.value = slot.end; // extend the chosen range up to this slot
        } else {
          day.value = slot.day;
          start.value = slot.start;
          end.value = slot.end;
        }
        document.querySelectorAll("a.slot-free.chosen").forEach((el) => el.classList.remove("chosen", "fw-bold"));
        document.querySelectorAll("a.slot-free").forEach((el) => {
          if (el.dataset.day === day.value && el.dataset.start >= start.value && el.dataset.end <= end.value) {
            el.classList.add("chosen", "fw-bold");
          }
        });
        form.scrollIntoView({ block: "nearest" });
      });
    });
  }

  const resourceForm = document.getElementById("resource-form");
  if (resourceForm) {
    const platform = resourceForm.querySelector("[name=platform_id]");
    const kind = resourceForm.querySelector("[name=kind]");
    const unit = resourceForm.querySelector("[name=space_unit_id]");
    const url = resourceForm.dataset.unitsUrl;
    const reload = () => {
      if (!url || !platform || !kind || !unit) return;
      const query = new URLSearchParams({ platform: platform.value, kind: kind.value });
      if (resourceForm.dataset.resource) query.set("resource", resourceForm.dataset.resource);
      fetch(url + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) return;
          const current = unit.value;
          unit.replaceChildren();
          data.units.forEach((item) => {
            const option = document.createElement("option");
            option.value = String(item.id);
            option.textContent = item.label;
            if (option.value === current) option.selected = true;
            unit.appendChild(option);
          });
        });
    };
    if (platform) platform.addEventListener("change", reload);
    if (kind) kind.addEventListener("change", reload);
  }
})();
