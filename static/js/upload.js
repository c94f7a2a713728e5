// Evidence uploads with a progress bar. Without this script the same forms post normally
// (the server streams either way); with it, the page shows how much has been sent.
"use strict";

(() => {
  const MIB = 1024 * 1024;

  function formatBytes(bytes) {
    if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(2)} GiB`;
    if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
    if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${bytes} B`;
  }

  function showErrors(form, message, fieldErrors) {
    const box = form.querySelector("[data-upload-errors]") ||
      document.querySelector("[data-upload-errors]");
    form.querySelectorAll(".js-field-error").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid='true']").forEach((node) => node.removeAttribute("aria-invalid"));
    if (box) {
      box.textContent = "";
      const alert = document.createElement("div");
      alert.className = "flash flash--error";
      alert.setAttribute("role", "alert");
      alert.textContent = message;
      box.appendChild(alert);
      box.scrollIntoView({ block: "center" });
    }
    Object.entries(fieldErrors || {}).forEach(([name, messages]) => {
      const input = form.elements.namedItem(name);
      if (!input || !input.closest) return;
      input.setAttribute("aria-invalid", "true");
      const holder = input.closest(".field") || input.parentElement;
      messages.forEach((text) => {
        const p = document.createElement("p");
        p.className = "error-text js-field-error";
        p.textContent = text;
        holder.appendChild(p);
      });
    });
  }

  function selectedBytes(form) {
    let total = 0;
    form.querySelectorAll("input[type=file]").forEach((input) => {
      Array.from(input.files || []).forEach((file) => { total += file.size; });
    });
    return total;
  }

  function upload(form) {
    const progressBox = form.querySelector("[data-upload-progress]");
    const bar = progressBox.querySelector("progress");
    const status = progressBox.querySelector("[data-upload-status]");
    const button = form.querySelector("button[type=submit]");
    const limit = Number(form.dataset.maxBytes || 0);
    const total = selectedBytes(form);
    if (limit && total > limit) {
      showErrors(form, `The files come to ${formatBytes(total)}, more than the ${formatBytes(limit)} this workspace accepts in one upload. Nothing was sent.`);
      return;
    }
    const data = new FormData(form);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("Accept", "application/json");
    const token = form.querySelector("input[name=csrf_token]");
    if (token) request.setRequestHeader("X-CSRFToken", token.value);

    progressBox.hidden = false;
    bar.value = 0;
    status.textContent = "Starting the upload…";
    button.disabled = true;
    form.setAttribute("aria-busy", "true");

    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.floor((event.loaded / event.total) * 100);
      bar.value = percent;
      status.textContent = `${formatBytes(event.loaded)} of ${formatBytes(event.total)} sent (${percent} %)`;
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      status.textContent = "Sent. Checking the hashes and recording the chain of custody…";
    });

    const finish = () => {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    };
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { body = {}; }
      if (request.status >= 200 && request.status < 300 && body.redirect) {
        status.textContent = "Recorded. Opening the item…";
        window.location.assign(body.redirect);
        return;
      }
      finish();
      progressBox.hidden = true;
      const message = body.error ||
        (request.status === 413 ? "The upload is larger than this workspace accepts. Nothing was saved."
          : `The upload was refused (HTTP ${request.status}). Nothing was saved.`);
      showErrors(form, message, body.errors);
    });
    request.addEventListener("error", () => {
      finish();
      progressBox.hidden = true;
      showErrors(form, "The connection broke off during the upload. Nothing was saved; try again.");
    });
    request.addEventListener("abort", () => {
      finish();
      progressBox.hidden = true;
      showErrors(form, "The upload was stopped. Nothing was saved.");
    });
    request.send(data);
  }

  document.querySelectorAll("form[data-upload]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      upload(form);
    });
  });
})();
