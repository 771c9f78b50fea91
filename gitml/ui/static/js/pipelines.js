/* The pipeline (stage graph with states and last runs), lineage graphs, dvc.yaml plots. */

const STATE_CLASS = { stale: "stale", pending: "pending", "up to date": "fresh", frozen: "frozen" };

/* Left-to-right layers: a node sits one layer after the furthest of its upstream nodes. */
function layeredGraph(nodes, edges, opts) {
  const options = opts || {};
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const ups = new Map(nodes.map((n) => [n.key, []]));
  edges.forEach((e) => { if (byKey.has(e.from) && byKey.has(e.to)) ups.get(e.to).push(e.from); });
  const layer = new Map();
  const depth = (key, trail) => {
    if (layer.has(key)) return layer.get(key);
    if (trail.has(key)) return 0;
    trail.add(key);
    const d = ups.get(key).reduce((m, u) => Math.max(m, depth(u, trail) + 1), 0);
    trail.delete(key);
    layer.set(key, d);
    return d;
  };
  nodes.forEach((n) => depth(n.key, new Set()));
  // Sources sit just before their first reader, not all in the first column.
  const downs = new Map(nodes.map((n) => [n.key, []]));
  edges.forEach((e) => { if (downs.has(e.from) && byKey.has(e.to)) downs.get(e.from).push(e.to); });
  nodes.forEach((n) => {
    const readers = downs.get(n.key);
    if (!ups.get(n.key).length && readers.length) {
      layer.set(n.key, Math.max(0, Math.min(...readers.map((r) => layer.get(r))) - 1));
    }
  });
  const columns = [];
  nodes.forEach((n) => { (columns[layer.get(n.key)] = columns[layer.get(n.key)] || []).push(n); });
  const boxW = options.width || 200;
  const boxH = options.height || 52;
  const gapX = 70;
  const gapY = 18;
  const place = new Map();
  columns.forEach((col, i) => col.forEach((n, j) => place.set(n.key, { x: 20 + i * (boxW + gapX), y: 20 + j * (boxH + gapY) })));
  const width = 40 + columns.length * (boxW + gapX) - gapX;
  const height = 40 + Math.max(1, ...columns.map((c) => c.length)) * (boxH + gapY) - gapY + boxH / 2;
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "graph", role: "img", "aria-label": options.label || "graph" });
  const defs = s("defs", null, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow-head" })));
  svg.appendChild(defs);
  edges.forEach((e) => {
    const a = place.get(e.from);
    const b = place.get(e.to);
    if (!a || !b) return;
    const x1 = a.x + boxW;
    const y1 = a.y + boxH / 2;
    const x2 = b.x;
    const y2 = b.y + boxH / 2;
    // An edge that skips layers bends below the boxes it passes instead of crossing them.
    const skips = b.x - a.x > boxW + gapX;
    const bend = skips ? boxH / 2 + gapY : 0;
    const d = skips
      ? `M ${x1} ${y1} C ${x1 + gapX} ${y1 + bend}, ${x2 - gapX} ${y2 + bend}, ${x2} ${y2}`
      : `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`;
    svg.appendChild(s("path", { d, class: "edge", "marker-end": "url(#arrow)" }));
  });
  nodes.forEach((n) => {
    const p = place.get(n.key);
    const g = s("g", { class: `node ${n.cls || ""}`, dataset: { key: n.key } });
    g.appendChild(s("rect", { x: p.x, y: p.y, width: boxW, height: boxH, rx: 6 }));
    g.appendChild(s("text", { x: p.x + 10, y: p.y + 20, class: "node-title" }, clip(n.label, 26)));
    if (n.sub) g.appendChild(s("text", { x: p.x + 10, y: p.y + 40, class: "node-sub" }, clip(n.sub, 32)));
    append(g, s("title", null, n.title || n.label));
    if (n.href && !REPORT) {
      const link = s("a", { href: n.href });
      link.appendChild(g);
      svg.appendChild(link);
    } else {
      svg.appendChild(g);
    }
  });
  return h("div", { class: "graph-wrap" }, svg);
}

function clip(text, n) {
  const str = String(text);
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}

async function pipelinePage() {
  const data = await listPageData("/api/pipeline", "Pipeline", (d) => d.stages);
  if (data === null) return;
  const nodes = data.stages.map((st) => ({
    key: st.stage,
    label: st.stage,
    sub: st.last_run ? `${st.state} · ran ${when(st.last_run.started)}` : `${st.state} · never ran`,
    cls: `state-${STATE_CLASS[st.state] || "fresh"}`,
    href: st.last_run ? runHref(st.last_run.id) : null,
    title: `${st.stage}: ${st.state}\n${st.cmd}`,
  }));
  const stale = data.stages.filter((st) => st.state === "stale").length;
  const rows = data.stages.map((st) => h("tr", { dataset: { stage: st.stage } },
    h("th", { scope: "row" }, st.stage),
    h("td", null, h("span", { class: `badge state-${STATE_CLASS[st.state] || "fresh"}` }, st.state)),
    h("td", null, st.changes.length ? h("ul", { class: "reasons" }, st.changes.map((c) => h("li", null, c.text)))
      : st.after.length ? `after ${st.after.join(", ")}` : ""),
    h("td", null, code(st.cmd)),
    h("td", null, st.last_run ? [h("a", { href: runHref(st.last_run.id) }, st.last_run.name), " ", statusBadge(st.last_run.status), " ", when(st.last_run.started),
      " ", h("a", { href: `/lineage?target=${encodeURIComponent(st.last_run.id)}` }, "lineage")] : "never ran")));
  show(pageHead("Pipeline", `${data.stages.length} stages, ${stale} stale · ${data.files.join(", ")}`),
    section("Stages", layeredGraph(nodes, data.edges, { label: "pipeline stages" })),
    section("State", gridTable("stages", ["stage", "state", "why", "command", "last run"], rows)));
}

function lineageNode(n) {
  if (n.kind === "run") {
    const what = n.stage ? "stage run" : "run";
    return { key: n.key, label: n.name, sub: `${what} ${n.id.slice(0, 10)} · ${n.status}`, cls: "kind-run", href: runHref(n.id), title: n.label };
  }
  if (n.kind === "model") {
    const held = (n.stages || []).length ? ` · ${n.stages.join(", ")}` : "";
    return { key: n.key, label: `${n.model}:${n.version}`, sub: `model${held}`, cls: "kind-model", href: `/registry/${encodeURIComponent(n.model)}`, title: n.label };
  }
  const digest = String(n.digest || "").split(":").pop().slice(0, 12);
  return { key: n.key, label: n.path, sub: n.dataset ? `dataset ${n.dataset} · ${digest}` : digest, cls: "kind-data", href: null, title: n.label };
}

async function lineagePage() {
  const q = new URLSearchParams(window.location.search);
  const target = q.get("target") || "";
  const direction = q.get("direction") || "both";
  const input = h("input", { type: "search", name: "target", value: target, placeholder: "run id or name, model@stage, model:version, dataset or path", "aria-label": "target" });
  const select = h("select", { name: "direction", "aria-label": "direction" },
    ["both", "up", "down"].map((d) => h("option", { value: d, selected: d === direction }, d)));
  const form = h("form", { class: "filter", method: "get", action: "/lineage" }, input, select, h("button", { type: "submit" }, "Trace"));
  const head = pageHead("Lineage");
  if (!target) {
    show(head, form, emptyState("trace a run, a model version or a dataset: /lineage?target=NAME"));
    return;
  }
  try {
    const query = new URLSearchParams({ target, direction });
    const data = await api(`/api/lineage?${query.toString()}`);
    const nodes = data.nodes.map(lineageNode);
    const start = nodes.find((n) => n.key === data.start);
    if (start) start.cls += " start";
    show(head, form,
      h("p", { class: "summary" }, `${data.nodes.length} nodes, ${data.edges.length} links${data.truncated ? " (truncated)" : ""}`),
      section("Graph", layeredGraph(nodes, data.edges, { label: "lineage", width: 220 })),
      section("Nodes", gridTable("lineage-nodes", ["kind", "what"],
        data.nodes.map((n) => h("tr", { dataset: { key: n.key } }, h("td", null, n.kind), h("td", null, code(n.label)))))));
  } catch (err) {
    show(head, form, errorBox(err.message));
  }
}

/* --- plots declared in dvc.yaml ---------------------------------------------------- */

function extent(values, fixed) {
  if (fixed) return [0, 1];
  const nums = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  if (!nums.length) return [0, 1];
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

function xyPlot(plot, runIndex) {
  const width = 520;
  const height = 300;
  const m = { l: 56, r: 14, t: 28, b: 40 };
  const unit = plot.series.some((sr) => sr.kind === "roc" || sr.kind === "pr");
  const xr = extent(plot.series.flatMap((sr) => sr.xs), unit);
  const yr = extent(plot.series.flatMap((sr) => sr.ys), unit);
  const px = (v) => m.l + ((v - xr[0]) / (xr[1] - xr[0])) * (width - m.l - m.r);
  const py = (v) => height - m.b - ((v - yr[0]) / (yr[1] - yr[0])) * (height - m.t - m.b);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "plot", role: "img", "aria-label": plot.title });
  svg.appendChild(s("text", { x: m.l, y: 16, class: "plot-title" }, plot.title));
  svg.appendChild(s("line", { x1: m.l, x2: width - m.r, y1: height - m.b, y2: height - m.b, class: "axis" }));
  svg.appendChild(s("line", { x1: m.l, x2: m.l, y1: m.t, y2: height - m.b, class: "axis" }));
  [[xr[0], "start"], [xr[1], "end"]].forEach(([v, anchor]) => svg.appendChild(s("text", { x: px(v), y: height - m.b + 14, "text-anchor": anchor, class: "tick" }, num(v))));
  [yr[0], yr[1]].forEach((v) => svg.appendChild(s("text", { x: m.l - 6, y: py(v) + 4, "text-anchor": "end", class: "tick" }, num(v))));
  const first = plot.series[0] || {};
  svg.appendChild(s("text", { x: (m.l + width - m.r) / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, plot.x_label || first.x || "index"));
  svg.appendChild(s("text", { x: 12, y: (m.t + height - m.b) / 2, transform: `rotate(-90 12 ${(m.t + height - m.b) / 2})`, "text-anchor": "middle", class: "axis-label" }, plot.y_label || first.y || ""));
  if (first.kind === "roc") svg.appendChild(s("line", { x1: px(0), y1: py(0), x2: px(1), y2: py(1), class: "diagonal" }));
  const files = Array.from(new Set(plot.series.map((sr) => sr.file)));
  const legend = h("ul", { class: "plot-legend" });
  plot.series.forEach((sr) => {
    const c = color(runIndex(sr.run));
    const dash = files.indexOf(sr.file) > 0 ? "5 3" : null;
    const pts = sr.xs.map((x, i) => [x, sr.ys[i]]).filter(([x, y]) => typeof x === "number" && typeof y === "number");
    if (sr.kind === "scatter") {
      const g = s("g", { class: "points", fill: c });
      pts.forEach(([x, y]) => g.appendChild(s("circle", { cx: px(x), cy: py(y), r: 2.5 })));
      svg.appendChild(g);
    } else if (sr.kind === "bar") {
      pts.forEach(([x, y]) => svg.appendChild(s("line", { x1: px(Math.max(xr[0], 0)), x2: px(x), y1: py(y), y2: py(y), stroke: c, "stroke-width": 4 })));
    } else {
      svg.appendChild(s("polyline", { points: pts.map(([x, y]) => `${px(x)},${py(y)}`).join(" "), stroke: c, "stroke-dasharray": dash, class: "plot-line" }));
    }
    legend.appendChild(h("li", null, h("span", { class: "swatch", style: { background: c } }), ` ${sr.run_name} · ${sr.file} · ${sr.y}`));
  });
  return h("div", { class: "plot-card", dataset: { plot: plot.id } }, svg, legend);
}

function confusionPlot(plot) {
  return h("div", { class: "plot-card", dataset: { plot: plot.id } }, h("h3", null, plot.title),
    plot.series.map((sr) => {
      const labels = sr.matrix.labels;
      const max = Math.max(1, ...sr.matrix.counts.flat());
      return h("div", { class: "confusion" },
        h("p", { class: "summary" }, `${sr.run_name} · ${sr.file} (rows: ${sr.x || "actual"}, columns: ${sr.y})`),
        h("table", { class: "grid matrix" },
          h("thead", null, h("tr", null, h("th", null, ""), labels.map((l) => h("th", null, l)))),
          h("tbody", null, sr.matrix.counts.map((row, i) => h("tr", null, h("th", { scope: "row" }, labels[i]),
            row.map((count) => h("td", { class: "num", style: { background: `rgba(78, 121, 167, ${(0.08 + 0.8 * count / max).toFixed(2)})` } }, num(count))))))));
    }));
}

function renderPlots(plots, runIds) {
  if (!plots || !plots.length) return null;
  const order = runIds || [];
  const runIndex = (id) => Math.max(0, order.indexOf(id));
  return section("Plots", h("div", { class: "plot-grid" },
    plots.map((p) => (p.series.some((sr) => sr.kind === "confusion") ? confusionPlot(p) : xyPlot(p, runIndex)))));
}
