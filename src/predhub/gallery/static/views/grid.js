// A dataset's thumbnails with overlays, search, sort and infinite scroll.
import { api, showImage, thumbnailPath } from "../api.js";
import { crumbs } from "../app.js";
import { drawOverlay } from "../overlay.js";
import { escapeHtml } from "./datasets.js";
import { layersFor, overlayState, renderControls } from "./controls.js";

const PAGE = 60;

export async function gridView(view, [datasetId], params) {
  const dataset = await api(`/datasets/${datasetId}`);
  const { items: labelSets } = await api(`/datasets/${datasetId}/label-sets`, { query: { limit: 1000 } });
  crumbs([["Datasets", "#/"], [dataset.name, `#/datasets/${datasetId}`]]);
  const state = overlayState(labelSets, params);
  const query = params.get("q") || "";
  const sort = params.get("sort") || "";
  view.innerHTML = `
    <form class="toolbar" id="search">
      <input type="search" name="q" placeholder="ground-truth.car:>0 predictions.car:=0" value="${escapeHtml(query)}">
      <input name="sort" placeholder="sort, e.g. predictions.disagreement:desc" value="${escapeHtml(sort)}" size="32">
      <button type="submit">Search</button>
      <span id="count" class="muted"></span>
    </form>
    <div class="toolbar" id="controls"></div>
    <div class="toolbar" id="evaluations"></div>
    <div class="grid" id="grid"></div>
    <div class="sentinel" id="sentinel"></div>
    <p id="grid-end" class="muted" hidden>End of results.</p>`;
  view.querySelector("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    next.set("q", event.target.q.value.trim());
    next.set("sort", event.target.sort.value.trim());
    location.hash = `#/datasets/${datasetId}?${next}`;
  });

  const { items: evaluations } = await api(`/datasets/${datasetId}/evaluations`, { query: { limit: 20 } });
  const setName = (id) => labelSets.find((ls) => ls.id === id)?.name ?? id;
  view.querySelector("#evaluations").innerHTML = evaluations.length ? `<span class="muted">Evaluations:</span> ` +
    evaluations.map((ev) => `<a href="#/evaluations/${ev.id}">${escapeHtml(ev.name || `${setName(ev.prediction_label_set_id)} vs ${setName(ev.ground_truth_label_set_id)}`)}</a>
      <span class="muted">(${escapeHtml(ev.status)}${ev.summary && ev.summary.AP !== undefined ? `, AP ${Number(ev.summary.AP).toFixed(3)}` : ""})</span>`).join(" · ") : "";
  const grid = view.querySelector("#grid");
  const tiles = [];
  const redraw = () => tiles.forEach(({ svg, sample }) =>
    drawOverlay(svg, sample.width, sample.height, layersFor(labelSets, sample.labels || {}, state),
      { ...state, captions: false }));
  const classNames = (dataset.ontology.objects || []).map((o) => o.name);
  renderControls(view.querySelector("#controls"), labelSets, classNames, state, redraw);

  let cursor = null, done = false, loading = false, total = 0;
  async function loadMore() {
    if (loading || done) return;
    loading = true;
    const page = await api(`/datasets/${datasetId}/samples`, {
      query: { q: query, sort, limit: PAGE, cursor, with_labels: labelSets.map((ls) => ls.id).join(",") },
    });
    for (const sample of page.items) {
      const tile = document.createElement("a");
      tile.className = "tile";
      tile.href = `#/samples/${sample.id}?${new URLSearchParams({ show: [...state.shownSets].join(",") })}`;
      tile.dataset.sampleKey = sample.key;
      tile.innerHTML = `<div class="media"><img alt="${escapeHtml(sample.key)}">
        <svg xmlns="http://www.w3.org/2000/svg"></svg></div>
        <div class="caption"><span>${escapeHtml(sample.key)}</span><span class="muted">${sample.width}×${sample.height}</span></div>`;
      grid.appendChild(tile);
      showImage(tile.querySelector("img"), thumbnailPath(sample.id));
      tiles.push({ svg: tile.querySelector("svg"), sample });
    }
    total += page.items.length;
    view.querySelector("#count").textContent = `${total} sample${total === 1 ? "" : "s"}${page.next_cursor ? "+" : ""}`;
    cursor = page.next_cursor;
    done = !cursor;
    view.querySelector("#grid-end").hidden = !done;
    redraw();
    loading = false;
  }
  await loadMore();
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: "600px" });
  observer.observe(view.querySelector("#sentinel"));
}
