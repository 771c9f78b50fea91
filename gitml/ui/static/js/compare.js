/* Runs compared: overlaid curves, params that differ, metrics, parallel coordinates. */

async function comparePage() {
  const q = new URLSearchParams(window.location.search);
  const runs = q.get("runs");
  const sweep = q.get("sweep");
  if (!runs && !sweep) {
    show(h("h1", null, "Compare"), emptyState("select two or more runs on the runs page, or open: /compare?runs=ID,ID"));
    return;
  }
  const query = sweep ? `sweep=${encodeURIComponent(sweep)}` : `runs=${encodeURIComponent(runs)}`;
  try {
    const data = await api(`/api/compare?${query}`);
    show(renderCompare(data, sweep ? `Sweep ${sweep}` : "Compare"));
    drawPendingCharts();
  } catch (err) {
    show(h("h1", null, "Compare"), errorBox(err.message));
  }
}

/* In a report each run's media (with their data) are in its details. */
function embeddedOf(runId) {
  if (!REPORT) return null;
  const found = (reportData().details || []).find((d) => d.run.id === runId);
  return found ? found.media : null;
}

function renderCompare(data, title) {
  const runs = data.runs;
  const histories = data.histories || {};
  const metricNames = Array.from(new Set(runs.flatMap((r) => [
    ...Object.keys(histories[r.id] || {}), ...Object.keys(r.metrics || {}),
  ]))).sort();
  const multi = metricNames.filter((m) => runs.some((r) => ((histories[r.id] || {})[m] || { steps: [] }).steps.length > 1));
  const legend = h("table", { class: "grid legend" },
    gridHead(["", "run", "id", "status", "sweep"]),
    h("tbody", null, runs.map((r, i) => h("tr", null,
      h("td", null, h("span", { class: "swatch", style: { background: color(i) } })),
      h("td", null, h("a", { href: runHref(r.id) }, r.name)),
      h("td", null, code(r.id)), h("td", null, statusBadge(r.status)), h("td", null, r.sweep || "")))));

  const select = h("select", { id: "metric-select", "aria-label": "metric" },
    [...multi, ...metricNames.filter((m) => !multi.includes(m))].map((m) => h("option", { value: m }, m)));
  const logBox = h("input", { type: "checkbox", id: "log-scale" });
  const smoothing = h("input", { type: "range", id: "smoothing", min: "0", max: "0.99", step: "0.01", value: "0" });
  const smoothLabel = h("span", { class: "smooth-value" }, "0");
  const target = h("div", { class: "chart wide", id: "compare-chart" });
  function draw() {
    const metric = select.value;
    const series = runs.map((r, i) => {
      const hist = (histories[r.id] || {})[metric];
      const steps = hist ? hist.steps : (metric in (r.metrics || {}) ? [0] : []);
      const values = hist ? hist.values : (metric in (r.metrics || {}) ? [r.metrics[metric]] : []);
      return { label: r.name, color: color(i), steps, values };
    });
    smoothLabel.textContent = smoothing.value;
    delete target.dataset.kind;
    if (series.every((sr) => sr.steps.length < 2)) {
      const bars = runs.map((r, i) => ({ label: r.name, color: color(i), value: (r.metrics || {})[metric] }));
      barChart(target, bars, { title: metric });
      return;
    }
    lineChart(target, series, { title: metric, log: logBox.checked, smoothing: Number(smoothing.value), height: 320 });
  }
  [select, logBox, smoothing].forEach((el) => el.addEventListener("input", draw));
  select.addEventListener("change", draw);
  if (metricNames.length) pendingCharts.push(() => { draw(); fitOnResize(target, draw); });

  const paramKeys = Object.keys(data.params || {}).sort();
  const header = h("tr", null, h("th", null, ""), runs.map((r, i) => h("th", null,
    h("span", { class: "swatch", style: { background: color(i) } }), " ", r.name)));
  const paramTable = paramKeys.length ? h("table", { class: "grid", id: "params-differ" },
    h("thead", null, header.cloneNode(true)),
    h("tbody", null, paramKeys.map((k) => h("tr", null, h("th", { scope: "row" }, k),
      data.params[k].map((v) => h("td", { class: "num" }, num(v))))))) : h("p", { class: "empty" }, "all params are the same");
  const same = Object.entries(data.same_params || {}).sort();
  const metricsTable = metricNames.length ? h("table", { class: "grid" },
    h("thead", null, header.cloneNode(true)),
    h("tbody", null, metricNames.map((m) => h("tr", null, h("th", { scope: "row" }, m),
      runs.map((r, i) => {
        const value = (r.metrics || {})[m];
        const delta = ((data.metrics || {})[m] || { deltas: [] }).deltas[i];
        return h("td", { class: "num" }, num(value),
          i && typeof delta === "number" ? h("span", { class: "delta" }, ` (${delta >= 0 ? "+" : ""}${num(delta)})`) : null);
      }))))) : h("p", { class: "empty" }, "no metrics");

  const dims = [
    ...paramKeys.map((k) => ({ label: k, get: (r) => { const v = (r.params || {})[k]; return v === undefined ? null : v; } })),
    ...metricNames.slice(0, 8).map((m) => ({ label: m, get: (r) => { const v = (r.metrics || {})[m]; return typeof v === "number" ? v : null; } })),
  ];
  const parcoords = runs.length >= 2 && dims.length >= 2
    ? section("Parallel coordinates", parallelCoordinates(runs, dims)) : null;

  const codeRows = (data.code || []).map((c) => {
    const other = runs.find((r) => r.id === c.other);
    return [other ? other.name : c.other, `${c.files} files, +${c.insertions} −${c.deletions}${c.paths.length ? ": " + c.paths.slice(0, 20).join(", ") : ""}`];
  });
  const inputs = Object.entries(data.inputs || {}).sort();
  return h("article", { class: "compare" },
    pageHead(title, `${runs.length} runs`),
    metricNames.length ? section("Metric curves",
      h("div", { class: "chart-controls" },
        h("label", null, "metric ", select),
        h("label", { class: "check" }, logBox, " log scale"),
        h("label", null, "smoothing ", smoothing, " ", smoothLabel)),
      target) : null,
    section("Params that differ", paramTable,
      same.length ? h("details", null, h("summary", null, `${same.length} params are the same`), kvTable(same.map(([k, v]) => [k, num(v)]))) : null),
    parcoords,
    section("Metrics", metricsTable),
    renderPlots(data.plots, runs.map((r) => r.id)),
    compareMedia(runs, (r) => mediaEntries(r, embeddedOf(r.id))),
    section("Runs", legend),
    codeRows.length ? section(`Code against ${runs[0].name}`, kvTable(codeRows)) : null,
    inputs.length ? section("Inputs", h("table", { class: "grid" }, h("thead", null, header.cloneNode(true)),
      h("tbody", null, inputs.map(([k, vs]) => h("tr", null, h("th", { scope: "row" }, k), vs.map((v) => h("td", null, code(v || "")))))))) : null);
}
