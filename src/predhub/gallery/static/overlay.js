// Draws label sets over an image as SVG in image pixel coordinates (viewBox = image size).
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#4f8cff", "#ff9f1c", "#3ecf8e", "#e056fd", "#ff5c5c", "#f7d51d", "#00d2d3", "#a29bfe"];

export function colorFor(index) { return PALETTE[index % PALETTE.length]; }

function el(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function ring(points) { return points.map(([x, y], i) => `${i ? "L" : "M"}${x},${y}`).join("") + "Z"; }

// COCO compressed RLE string → run lengths (pycocotools rleFrString).
export function decodeCounts(counts) {
  if (Array.isArray(counts)) return counts;
  const runs = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0, k = 0, more = true;
    while (more) {
      const c = counts.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++; k++;
      if (!more && (c & 0x10)) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}

function maskImage(mask, color) {
  const [h, w] = mask.size;
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  let pos = 0, on = false;
  for (const run of decodeCounts(mask.counts)) {
    if (on) {
      for (let i = pos; i < pos + run; i++) {
        // Runs are column-major (COCO): pixel i is at column floor(i / h), row i % h.
        const o = ((i % h) * w + Math.floor(i / h)) * 4;
        img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 110;
      }
    }
    pos += run; on = !on;
  }
  ctx.putImageData(img, 0, 0);
  return el("image", { href: canvas.toDataURL(), x: 0, y: 0, width: w, height: h });
}

function shape(obj, color) {
  if (obj.box) {
    const [x0, y0, x1, y1] = obj.box;
    const attrs = { x: x0, y: y0, width: x1 - x0, height: y1 - y0, stroke: color, fill: color };
    if (obj.rotation) attrs.transform = `rotate(${obj.rotation} ${(x0 + x1) / 2} ${(y0 + y1) / 2})`;
    return el("rect", attrs);
  }
  if (obj.polygon) {
    const d = [obj.polygon, ...(obj.holes || [])].map(ring).join("");
    return el("path", { d, "fill-rule": "evenodd", stroke: color, fill: color });
  }
  if (obj.polyline) return el("polyline", { points: obj.polyline.map((p) => p.join(",")).join(" "), stroke: color, fill: "none" });
  if (obj.point) return el("circle", { cx: obj.point[0], cy: obj.point[1], r: 4, stroke: color, fill: color });
  if (obj.mask) return maskImage(obj.mask, color);
  return null;
}

function anchor(obj) {
  if (obj.box) return [obj.box[0], obj.box[1]];
  const pts = obj.polygon || obj.polyline;
  if (pts && pts.length) return pts[0];
  if (obj.point) return obj.point;
  return [2, 12];
}

// layers: [{labelSet, color, label}]; filter: {hiddenClasses:Set, minConfidence:number, selected}
export function drawOverlay(svg, width, height, layers, filter = {}) {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  svg.replaceChildren();
  const hidden = filter.hiddenClasses || new Set();
  const minConf = filter.minConfidence || 0;
  for (const { labelSet, color, label } of layers) {
    if (!label) continue;
    const group = el("g", { "data-label-set": labelSet.name });
    for (const obj of label.objects || []) {
      const conf = obj.confidence ?? 1;
      if (hidden.has(obj.class) || conf < minConf) continue;
      const node = shape(obj, color);
      if (!node) continue;
      node.classList.add("obj");
      if (obj.object_id !== undefined && String(obj.object_id) === String(filter.selected)) node.classList.add("selected");
      node.dataset.objectId = obj.object_id ?? "";
      const title = el("title", {});
      title.textContent = `${labelSet.name}: ${obj.class} ${conf.toFixed(2)}`;
      node.appendChild(title);
      group.appendChild(node);
      if (filter.captions !== false) {
        const [x, y] = anchor(obj);
        const text = el("text", { x, y: Math.max(12, y - 3), fill: color });
        text.textContent = conf < 1 ? `${obj.class} ${conf.toFixed(2)}` : obj.class;
        group.appendChild(text);
      }
    }
    svg.appendChild(group);
  }
}
