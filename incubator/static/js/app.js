// Behaviour shared by every page; the Content-Security-Policy forbids inline scripts.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // Avoid double submission: disable the buttons once the form is on its way.
  if (!event.defaultPrevented && form.method.toLowerCase() === "post") {
    window.setTimeout(() => form.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  }
});
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});
