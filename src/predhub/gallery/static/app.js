// Hash router: #/ datasets, #/datasets/:id grid, #/samples/:id sample, #/evaluations/:id evaluation.
import { ApiError, ensureToken, setToken } from "./api.js";
import { datasetsView } from "./views/datasets.js";
import { gridView } from "./views/grid.js";
import { sampleView } from "./views/sample.js";
import { evaluationView } from "./views/evaluation.js";
import { loginView } from "./views/login.js";

const routes = [
  [/^#?\/?$/, datasetsView],
  [/^#\/datasets\/(\d+)$/, gridView],
  [/^#\/samples\/(\d+)$/, sampleView],
  [/^#\/evaluations\/(\d+)$/, evaluationView],
];

export function toast(message) {
  const node = document.getElementById("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 3000);
}

export function crumbs(items) {
  const nav = document.getElementById("crumbs");
  nav.replaceChildren(...items.flatMap(([text, href], i) => {
    const node = document.createElement(href ? "a" : "span");
    node.textContent = text;
    if (href) node.href = href;
    return i ? [document.createTextNode(" / "), node] : [node];
  }));
}

function showError(view, error) {
  const pre = document.createElement("pre");
  pre.className = "error";
  const details = (error.details || []).map((d) => `\n  ${d.field || ""}: ${d.message}`).join("");
  pre.textContent = `${error.message}${details}`;
  view.replaceChildren(pre);
}

async function render() {
  const view = document.getElementById("view");
  const [path, search] = location.hash.split("?");
  const params = new URLSearchParams(search || "");
  for (const [pattern, handler] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    try {
      await handler(view, match.slice(1), params);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) { setToken(null); return start(); }
      showError(view, error);
    }
    return;
  }
  showError(view, new Error(`No page at ${location.hash}`));
}

async function start() {
  const me = await ensureToken();
  if (!me) { loginView(document.getElementById("view"), start); return; }
  document.getElementById("whoami").textContent = me.user.name;
  window.onhashchange = render;
  await render();
}

start();
