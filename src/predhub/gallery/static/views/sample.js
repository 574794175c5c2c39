// One sample large: overlays per label set, the object list with outcomes, review actions,
// and a side-by-side view of two label sets (?compare=A,B).
import { api, imagePath, showImage } from "../api.js";
import { crumbs, toast } from "../app.js";
import { drawOverlay } from "../overlay.js";
import { escapeHtml } from "./datasets.js";
import { layersFor, overlayState, renderControls } from "./controls.js";

function classificationText(list) {
  return (list || []).map((c) => {
    const answers = c.text !== undefined ? [c.text] : (c.answers || [c.answer]).map((a) => (typeof a === "string" ? a : a.name));
    return `${c.name}: ${answers.join(", ")}`;
  }).join("; ");
}

function stage(sample) {
  return `<div class="stage"><img alt="${escapeHtml(sample.key)}"><svg xmlns="http://www.w3.org/2000/svg"></svg></div>`;
}

export async function sampleView(view, [sampleId], params) {
  const sample = await api(`/samples/${sampleId}`);
  const dataset = await api(`/datasets/${sample.dataset_id}`);
  const { items: labelSets } = await api(`/datasets/${sample.dataset_id}/label-sets`, { query: { limit: 1000 } });
  const { items: labels } = await api(`/samples/${sampleId}/labels`);
  const labelsBySet = Object.fromEntries(labels.map((l) => [l.label_set_id, l.label]));
  const groundTruth = labelSets.find((ls) => ls.kind === "ground_truth");
  crumbs([["Datasets", "#/"], [dataset.name, `#/datasets/${dataset.id}`], [sample.key, null]]);

  const state = overlayState(labelSets, params);
  const compare = (params.get("compare") || "").split(",").filter(Boolean).map(Number);
  const comparing = compare.length === 2;
  const options = labelSets.map((ls) => `<option value="${ls.id}">${escapeHtml(ls.name)}</option>`).join("");
  view.innerHTML = `
    <div class="toolbar" id="controls"></div>
    <div class="toolbar">
      Compare <select id="cmp-a">${options}</select> with <select id="cmp-b">${options}</select>
      <button id="compare">${comparing ? "Update" : "Side by side"}</button>
      ${comparing ? `<a href="#/samples/${sampleId}">single view</a>` : ""}
    </div>
    <div class="sample ${comparing ? "compare" : ""}" id="sample">
      ${comparing ? stage(sample) + stage(sample) : stage(sample) + `<div class="panel objects" id="objects"></div>`}
    </div>`;
  const [selA, selB] = [view.querySelector("#cmp-a"), view.querySelector("#cmp-b")];
  selA.value = String(compare[0] ?? groundTruth?.id ?? labelSets[0]?.id);
  selB.value = String(compare[1] ?? labelSets.find((ls) => ls.id !== Number(selA.value))?.id ?? selA.value);
  view.querySelector("#compare").addEventListener("click", () => {
    location.hash = `#/samples/${sampleId}?compare=${selA.value},${selB.value}`;
  });

  view.querySelectorAll(".stage img").forEach((img) => showImage(img, imagePath(sample.id)));
  const svgs = [...view.querySelectorAll(".stage svg")];
  let selected = null;
  const redraw = () => {
    if (comparing) {
      compare.forEach((id, i) => {
        const ls = labelSets.filter((s) => s.id === id);
        drawOverlay(svgs[i], sample.width, sample.height, layersFor(ls, labelsBySet, { ...state, shownSets: new Set([id]) }), state);
      });
    } else {
      drawOverlay(svgs[0], sample.width, sample.height, layersFor(labelSets, labelsBySet, state), { ...state, selected });
      renderObjects();
    }
  };
  const classNames = (dataset.ontology.objects || []).map((o) => o.name);
  renderControls(view.querySelector("#controls"), labelSets, classNames, state, redraw);

  function renderObjects() {
    const panel = view.querySelector("#objects");
    const blocks = labelSets.filter((ls) => state.shownSets.has(ls.id)).map((ls) => {
      const label = labelsBySet[ls.id];
      if (!label) return `<h3 style="color:${state.colors.get(ls.id)}">${escapeHtml(ls.name)}</h3><p class="muted">No label.</p>`;
      const rows = label.objects.map((o) => {
        const outcome = o.match ? `<span class="outcome-${o.match.outcome}">${o.match.outcome.toUpperCase()}</span>
          ${o.match.iou != null ? `<span class="muted">IoU ${o.match.iou.toFixed(2)}</span>` : ""}` : "";
        const review = ls.kind !== "ground_truth" && groundTruth ? `
          <button data-act="accept" data-id="${o.object_id}" title="Copy into ${escapeHtml(groundTruth.name)}">accept</button>
          <button data-act="reject" data-id="${o.object_id}">reject</button>` : "";
        const reclass = `<select data-act="reclass" data-id="${o.object_id}">${classNames.map((n) =>
          `<option ${n === o.class ? "selected" : ""}>${escapeHtml(n)}</option>`).join("")}</select>`;
        const nested = classificationText(o.classifications);
        return `<tr data-object-id="${o.object_id}" class="${String(o.object_id) === String(selected) ? "selected" : ""}">
          <td>${reclass}${nested ? `<div class="muted">${escapeHtml(nested)}</div>` : ""}</td>
          <td class="num">${(o.confidence ?? 1).toFixed(2)}</td><td>${outcome}</td><td class="actions">${review}</td></tr>`;
      }).join("");
      const others = labelSets.filter((t) => t.id !== ls.id).map((t) => `<option value="${t.id}">${escapeHtml(t.name)}</option>`).join("");
      return `<h3 style="color:${state.colors.get(ls.id)}">${escapeHtml(ls.name)}
          <span class="muted">${label.status}${label.score != null ? ` · score ${label.score.toFixed(2)}` : ""}</span></h3>
        <div class="toolbar"><button data-act="reviewed" data-set="${ls.id}">mark reviewed</button>
          ${others ? `copy to <select data-copy-target="${ls.id}">${others}</select><button data-act="copy" data-set="${ls.id}">copy</button>` : ""}</div>
        <p class="muted">${escapeHtml(classificationText(label.classifications))}</p>
        <table class="object-table"><thead><tr><th>Class</th><th class="num">Conf.</th><th>Outcome</th><th>Review</th></tr></thead>
        <tbody>${rows}</tbody></table>`;
    });
    panel.innerHTML = blocks.join("");
  }

  view.onclick = async (event) => {
    const row = event.target.closest("tr[data-object-id]");
    const act = event.target.dataset.act;
    if (row && !act && event.target.tagName !== "SELECT") { selected = row.dataset.objectId; redraw(); return; }
    if (!act || act === "reclass") return;
    const key = encodeURIComponent(sample.key);
    if (act === "accept") await api(`/objects/${event.target.dataset.id}/accept`, { method: "POST", body: { label_set_id: groundTruth.id } });
    if (act === "reject") await api(`/objects/${event.target.dataset.id}`, { method: "DELETE" });
    if (act === "reviewed") await api(`/label-sets/${event.target.dataset.set}/labels/${key}`, { method: "PATCH", body: { status: "reviewed" } });
    if (act === "copy") {
      const target = view.querySelector(`[data-copy-target="${event.target.dataset.set}"]`).value;
      await api(`/label-sets/${event.target.dataset.set}/copy/${key}`, { method: "POST", body: { label_set_id: Number(target) } });
    }
    await sampleView(view, [sampleId], params);
    toast(`${act} done`);
  };
  view.onchange = async (event) => {
    if (event.target.dataset.act !== "reclass") return;
    await api(`/objects/${event.target.dataset.id}`, { method: "PATCH", body: { class: event.target.value } });
    await sampleView(view, [sampleId], params);
    toast("class changed");
  };
  redraw();
}
