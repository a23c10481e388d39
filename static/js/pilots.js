// Progressive enhancement only: the proposal form works fully without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Show the partner select only for funding lines whose source is a partner, free text otherwise.
  document.querySelectorAll(".row-fields--funding").forEach((row) => {
    const type = row.querySelector("select[id$='-source_type']");
    const partner = row.querySelector("select[id$='-partner']");
    const source = row.querySelector("input[id$='-source']");
    if (!type || !partner || !source) return;
    const sync = () => {
      const isPartner = type.value === "partner";
      partner.closest(".field").hidden = !isPartner && !partner.value;
      source.closest(".field").hidden = isPartner && !source.value;
    };
    type.addEventListener("change", sync);
    sync();
  });
});
