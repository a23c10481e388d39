// Similar pilots while a proposal is written (templates/search/_similar.html): as the title, the
// need or the themes change, ask /search/similar for the list (debounced) and show it. Without
// this file the "Find similar pilots" button does the same with a round trip.
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-similar-url]");
  const form = panel && panel.closest("form");
  const list = document.getElementById("similar-list");
  if (!form || !list || !window.fetch) return;
  let timer = null;
  let asked = "";
  const refresh = () => {
    const params = new URLSearchParams();
    params.set("title", (form.elements.title && form.elements.title.value) || "");
    params.set("need", (form.elements.need && form.elements.need.value) || "");
    form.querySelectorAll("input[name=themes]:checked").forEach((box) => params.append("themes", box.value));
    if (panel.dataset.exclude) params.set("exclude", panel.dataset.exclude);
    const query = params.toString();
    if (query === asked) return;
    asked = query;
    fetch(panel.dataset.similarUrl + "?" + query, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (html === null || asked !== query) return;
        const parsed = new DOMParser().parseFromString(html, "text/html");
        list.replaceChildren(...parsed.body.childNodes);
      })
      .catch(() => {});
  };
  form.addEventListener("input", (event) => {
    if (!["title", "need", "themes"].includes(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
});
