// A file larger than its form accepts is refused here, before minutes of sending it; the server refuses
// it too (413, the same form again). Upload forms carry data-upload-limit (bytes) and
// data-upload-too-large (the message in the user's language), from uploads.limit_attributes.
(() => {
  const limitOf = (form) => Number(form && form.dataset ? form.dataset.uploadLimit : NaN);

  const isTooLarge = (input, limit) => Array.from(input.files || []).some((file) => file.size > limit);

  const mark = (input, message) => {
    let note = input.nextElementSibling;
    if (!note || !note.classList.contains("upload-size-feedback")) {
      if (!message) return;
      note = document.createElement("div");
      note.className = "invalid-feedback upload-size-feedback";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;  // text, never markup
    input.classList.toggle("is-invalid", Boolean(message));
    if (!message) note.remove();
  };

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const limit = limitOf(input.form);
    if (!Number.isFinite(limit)) return;
    mark(input, isTooLarge(input, limit) ? input.form.dataset.uploadTooLarge : "");
  });

  // Capture phase: before app.js disables the buttons or asks for confirmation.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const limit = limitOf(form);
    if (!Number.isFinite(limit)) return;
    const refused = Array.from(form.querySelectorAll("input[type=file]")).filter((input) => isTooLarge(input, limit));
    if (!refused.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    refused.forEach((input) => mark(input, form.dataset.uploadTooLarge));
    refused[0].focus();
  }, true);
})();
