// Autosave for a test: every change posts the answers with a rising sequence number.
// The server refuses a save older than one it has (another tab) and keeps answers when the
// page is reloaded. Without this script the "Save answers" button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("quiz");
  if (!form) return;
  const status = document.getElementById("save-status");
  const seqInput = form.querySelector("input[name=seq]");
  let seq = parseInt(seqInput.value, 10) || 0;
  let timer = null;
  let inFlight = Promise.resolve();

  const save = () => {
    seq += 1;
    seqInput.value = String(seq);
    const body = new FormData(form);
    body.delete("submit");
    inFlight = inFlight.then(() =>
      fetch(form.dataset.saveUrl, { method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json().then((data) => ({ ok: r.ok, status: r.status, data })))
        .then(({ ok, status: code, data }) => {
          if (ok) status.textContent = form.dataset.savedText;
          else status.textContent = code === 409 ? form.dataset.staleText : data.error || form.dataset.errorText;
        })
        .catch(() => { status.textContent = form.dataset.errorText; })
    );
  };

  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  });
  // Submitting sends the latest sequence number with the answers.
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.hasAttribute("data-save-button")) return;
    seq += 1;
    seqInput.value = String(seq);
  });
});
