// An evaluation: the metrics table, PR curves per class, and a confusion matrix whose cells open
// the samples behind them.
import { api } from "../api.js";
import { crumbs } from "../app.js";
import { colorFor } from "../overlay.js";
import { escapeHtml } from "./datasets.js";

const COLUMN_NAMES = { ap: "AP", ap50: "AP50", ar: "AR", precision: "Precision", recall: "Recall", f1: "F1", iou: "IoU", threshold: "Best conf." };
const fmt = (v) => (v == null || v < 0 ? "–" : Number(v).toFixed(3));

function prCurves(curves) {
  const size = 260, pad = 30;
  // A class without detections has no curve (pycocotools' -1 or all zeros): leave it out.
  const drawn = Object.entries(curves).filter(([, c]) => c.precision.some((p) => p > 0));
  const lines = drawn.map(([name, c], i) => {
    const pts = c.recall.map((r, j) => `${pad + r * size},${pad + (1 - Math.max(c.precision[j], 0)) * size}`).join(" ");
    return `<polyline points="${pts}" fill="none" stroke="${colorFor(i)}" stroke-width="2"><title>${escapeHtml(name)}</title></polyline>
      <text x="${size + pad + 8}" y="${pad + 14 * i}" fill="${colorFor(i)}">${escapeHtml(name)}</text>`;
  }).join("");
  return `<svg id="pr-curves" width="${size + 2 * pad + 140}" height="${size + 2 * pad}">
    <rect x="${pad}" y="${pad}" width="${size}" height="${size}" fill="none" stroke="#2a2f3a"/>
    <text x="${pad}" y="${size + pad + 20}" fill="#8a92a6">recall →</text>
    <text x="2" y="${pad - 8}" fill="#8a92a6">precision</text>${lines}</svg>`;
}

export async function evaluationView(view, [evaluationId]) {
  const ev = await api(`/evaluations/${evaluationId}`);
  const dataset = await api(`/datasets/${ev.dataset_id}`);
  const { items: labelSets } = await api(`/datasets/${ev.dataset_id}/label-sets`, { query: { limit: 1000 } });
  const setName = (id) => labelSets.find((ls) => ls.id === id)?.name ?? `label set ${id}`;
  crumbs([["Datasets", "#/"], [dataset.name, `#/datasets/${dataset.id}`], [`evaluation ${ev.id}`, null]]);
  if (ev.status !== "done") {
    view.innerHTML = `<p class="muted">Evaluation is ${escapeHtml(ev.status)} (${Math.round((ev.progress || 0) * 100)}%).</p>`;
    setTimeout(() => { if (location.hash.startsWith(`#/evaluations/${evaluationId}`)) evaluationView(view, [evaluationId]); }, 1000);
    return;
  }
  const summary = Object.entries(ev.summary || {}).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="num">${fmt(v)}</td></tr>`).join("");
  const columns = ["ap", "ap50", "ar", "precision", "recall", "f1", "iou", "threshold"]
    .filter((k) => (ev.per_class || []).some((c) => c[k] !== undefined));
  const perClass = (ev.per_class || []).map((c) => `<tr><td>${escapeHtml(c.class)}</td>${columns
    .map((k) => `<td class="num">${fmt(c[k])}</td>`).join("")}</tr>`).join("");
  const cm = ev.confusion || { classes: [], matrix: [] };
  const header = cm.classes.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = cm.matrix.map((row, i) => `<tr><th>${escapeHtml(cm.classes[i])}</th>${row.map((n, j) =>
    `<td class="cell" data-row="${i}" data-col="${j}" style="background:rgba(79,140,255,${n ? Math.min(0.15 + n / (Math.max(...row) || 1), 0.9) : 0})">${n}</td>`).join("")}</tr>`).join("");
  view.innerHTML = `
    <h2>${escapeHtml(ev.name || `Evaluation ${ev.id}`)}</h2>
    <p class="muted">${escapeHtml(ev.kind)}: <b>${escapeHtml(setName(ev.prediction_label_set_id))}</b> against
      <b>${escapeHtml(setName(ev.ground_truth_label_set_id))}</b> ·
      <a href="#/datasets/${ev.dataset_id}?sort=${encodeURIComponent(`${setName(ev.prediction_label_set_id)}.disagreement:desc`)}">samples by disagreement</a></p>
    <div class="toolbar" style="align-items:flex-start">
      <table id="summary">${summary}</table>
      ${prCurves(ev.pr_curves || {})}
    </div>
    <h3>Per class</h3>
    <table id="per-class"><thead><tr><th>Class</th>${columns.map((k) => `<th class="num">${COLUMN_NAMES[k]}</th>`).join("")}</tr></thead>
      <tbody>${perClass}</tbody></table>
    <h3>Confusion matrix <span class="muted">(rows: ground truth, columns: prediction)</span></h3>
    <table class="cm" id="confusion"><thead><tr><th></th>${header}</tr></thead><tbody>${body}</tbody></table>
    <div id="cell-samples"></div>`;
  view.querySelector("#confusion").onclick = async (event) => {
    const cell = event.target.closest("td.cell");
    if (!cell) return;
    const res = await api(`/evaluations/${evaluationId}/confusion`, { query: { row: cell.dataset.row, col: cell.dataset.col } });
    const links = res.samples.map((s) => `<a href="#/samples/${s.id}">${escapeHtml(s.key)}</a>`).join(", ");
    view.querySelector("#cell-samples").innerHTML = `<h3>${escapeHtml(cm.classes[cell.dataset.row])} → ${escapeHtml(cm.classes[cell.dataset.col])}</h3>
      <p>${res.samples.length} sample(s), ${res.object_ids.length} object(s): ${links || "none"}</p>`;
  };
}
