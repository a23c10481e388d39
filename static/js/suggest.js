// Search-as-you-type for text boxes with suggestions: <input list="ID" data-suggest="URL">.
// Progressive enhancement: without this file the box still filters by the typed text, and its
// <datalist> still offers what the server rendered (the top partners). As you type, this asks
// URL?q=<text> for matching names (a JSON list) and offers those instead.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-suggest][list]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list || !window.fetch) return;
    let timer = null;
    let asked = "";
    const show = (names) => {
      list.replaceChildren(...names.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        return option;
      }));
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const text = input.value.trim();
        if (text.length < 2 || text === asked) return;
        asked = text;
        const url = input.dataset.suggest + "?q=" + encodeURIComponent(text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : []))
          .then((names) => { if (input.value.trim() === text) show(names); })
          .catch(() => {});
      }, 200);
    });
  });
});
