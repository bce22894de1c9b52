// Small behaviours wired by data- attributes; no inline script anywhere (CSP: script-src 'self').
document.addEventListener("DOMContentLoaded", () => {
  // <form data-confirm="Are you sure?"> asks before submitting.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // <select data-autosubmit> submits its form when changed.
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.requestSubmit());
  });
});
