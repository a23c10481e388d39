// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // Buttons that ask for confirmation: <button data-confirm="text">.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  // Form parts that apply to one choice only: <div data-show-if="role" data-show-value="coordinator">.
  // A part that shows an error stays visible, so the error can be read and fixed.
  document.querySelectorAll("[data-show-if]").forEach((part) => {
    const control = document.getElementById(part.dataset.showIf);
    if (!control || part.querySelector(".field-error")) return;
    const update = () => { part.hidden = control.value !== part.dataset.showValue; };
    control.addEventListener("change", update);
    update();
  });
  // Copy buttons: <button data-copy="input-id" data-copied="text for the status" hidden>.
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-status");
    if (!source || !navigator.clipboard) return;  // needs a secure context (https or localhost)
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(source.value).then(() => {
        if (status) status.textContent = button.dataset.copied;
      });
    });
  });
});
