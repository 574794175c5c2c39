import { api } from "../api.js";
import { crumbs } from "../app.js";

export async function datasetsView(view) {
  crumbs([["Datasets", "#/"]]);
  const { items } = await api("/datasets", { query: { limit: 1000 } });
  if (!items.length) { view.innerHTML = `<p class="muted">No datasets yet. Try <code>predhub demo</code>.</p>`; return; }
  const rows = items.map((d) => `
    <tr><td><a href="#/datasets/${d.id}">${escapeHtml(d.name)}</a></td>
    <td class="muted">${escapeHtml(d.description || "")}</td>
    <td class="num">${d.sample_count ?? ""}</td><td>${escapeHtml(d.media_type)}</td></tr>`);
  view.innerHTML = `<h2>Datasets</h2><table id="datasets"><thead><tr><th>Name</th><th>Description</th>
    <th class="num">Samples</th><th>Media</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
