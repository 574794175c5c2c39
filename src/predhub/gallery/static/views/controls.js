// Label-set toggles, class toggles and the confidence slider, shared by the grid and the sample view.
import { colorFor } from "../overlay.js";
import { escapeHtml } from "./datasets.js";

export function overlayState(labelSets, params) {
  const shown = params.get("show");
  return {
    shownSets: new Set(shown ? shown.split(",").map(Number) : labelSets.map((ls) => ls.id)),
    hiddenClasses: new Set(),
    minConfidence: Number(params.get("conf") || 0),
    colors: new Map(labelSets.map((ls, i) => [ls.id, colorFor(i)])),
  };
}

export function renderControls(container, labelSets, classNames, state, onChange) {
  const sets = labelSets.map((ls) => `
    <label><input type="checkbox" data-set="${ls.id}" ${state.shownSets.has(ls.id) ? "checked" : ""}>
    <span class="swatch" style="background:${state.colors.get(ls.id)}"></span>${escapeHtml(ls.name)}
    <span class="muted">(${ls.kind === "ground_truth" ? "GT" : "pred"})</span></label>`).join("");
  const classes = classNames.map((name) => `
    <label><input type="checkbox" data-class="${escapeHtml(name)}" ${state.hiddenClasses.has(name) ? "" : "checked"}>${escapeHtml(name)}</label>`).join("");
  container.innerHTML = `
    <div class="legend" id="label-sets">${sets}</div>
    <div class="legend" id="classes">${classes}</div>
    <label class="legend">confidence ≥ <input id="conf" type="range" min="0" max="1" step="0.05" value="${state.minConfidence}">
      <span id="conf-value">${state.minConfidence.toFixed(2)}</span></label>`;
  container.querySelectorAll("[data-set]").forEach((box) => box.addEventListener("change", () => {
    const id = Number(box.dataset.set);
    if (box.checked) state.shownSets.add(id); else state.shownSets.delete(id);
    onChange();
  }));
  container.querySelectorAll("[data-class]").forEach((box) => box.addEventListener("change", () => {
    if (box.checked) state.hiddenClasses.delete(box.dataset.class); else state.hiddenClasses.add(box.dataset.class);
    onChange();
  }));
  const slider = container.querySelector("#conf");
  slider.addEventListener("input", () => {
    state.minConfidence = Number(slider.value);
    container.querySelector("#conf-value").textContent = state.minConfidence.toFixed(2);
    onChange();
  });
}

export function layersFor(labelSets, labelsBySet, state) {
  return labelSets
    .filter((ls) => state.shownSets.has(ls.id))
    .map((ls) => ({ labelSet: ls, color: state.colors.get(ls.id), label: labelsBySet[ls.id] }));
}
