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
});
