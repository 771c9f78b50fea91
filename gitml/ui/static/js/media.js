/* Media a run logged: images (a series per key, scrubbed by step), figures, tables, text.
   In the app files come from /api/runs/ID/media/N; a report carries them in `data` (images
   as data: URIs). Text and tables only ever reach the page through textContent. */

const MAX_TABLE_ROWS = 200;
const MAX_TEXT = 100000;

function mediaEntries(run, embedded) {
  if (embedded) return embedded;
  return (run.media || []).map((m, index) => Object.assign({}, m, { index }));
}

function mediaUrl(runId, entry) {
  return `/api/runs/${encodeURIComponent(runId)}/media/${entry.index}`;
}

function isImage(entry) {
  return entry.kind === "image" || (entry.kind === "figure" && entry.format !== "plotly" && entry.format !== "svg");
}

function mediaImage(runId, entry) {
  if (entry.skipped) return h("p", { class: "empty" }, `${entry.name}: ${entry.skipped}`);
  const src = REPORT ? entry.data : mediaUrl(runId, entry);
  return h("img", { class: "media-image", src, alt: entry.title || entry.name, loading: "lazy" });
}

async function mediaText(runId, entry) {
  if (REPORT) {
    if (entry.skipped) throw new Error(entry.skipped);
    return entry.data || "";
  }
  const response = await fetch(mediaUrl(runId, entry), { credentials: "same-origin" });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch (_err) { /* text body */ }
    throw new Error(message);
  }
  return response.text();
}

function renderTable(text) {
  const table = JSON.parse(text);
  const columns = (table.columns || []).map(String);
  const rows = (table.data || []).slice(0, MAX_TABLE_ROWS);
  return h("div", { class: "table-wrap" },
    h("table", { class: "grid media-table" },
      gridHead(columns),
      h("tbody", null, rows.map((row) => h("tr", null, row.map((v) => h("td", { class: typeof v === "number" ? "num" : null }, num(v))))))),
    (table.data || []).length > MAX_TABLE_ROWS ? h("p", { class: "empty" }, `first ${MAX_TABLE_ROWS} of ${table.data.length} rows`) : null);
}

function plotlyChart(target, text) {
  const figure = JSON.parse(text);
  const traces = (figure.data || []).filter((t) => Array.isArray(t.y));
  const series = traces.map((t, i) => ({
    label: t.name || `trace ${i + 1}`,
    color: color(i),
    steps: Array.isArray(t.x) ? t.x.map(Number) : t.y.map((_v, j) => j),
    values: t.y.map(Number),
  }));
  const title = ((figure.layout || {}).title || {}).text || "";
  lineChart(target, series, { title, height: 280 });
}

function mediaBody(runId, entry) {
  const box = h("div", { class: `media-body media-${entry.kind}` });
  if (isImage(entry)) {
    box.appendChild(mediaImage(runId, entry));
    return box;
  }
  box.appendChild(h("p", { class: "empty" }, "loading…"));
  mediaText(runId, entry).then((text) => {
    clear(box);
    if (entry.kind === "table") box.appendChild(renderTable(text));
    else if (entry.format === "plotly") {
      const target = h("div", { class: "chart" });
      box.appendChild(target);
      plotlyChart(target, text);
    } else {
      const shown = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + "\n…" : text;
      box.appendChild(h("pre", { class: "media-text" }, shown));
    }
  }).catch((err) => { clear(box); box.appendChild(errorBox(`${entry.name}: ${err.message}`)); });
  return box;
}

/* A step slider over one series of images: [{step, node}] sorted by step. */
function stepScrubber(label, frames) {
  const holder = h("div", { class: "media-frame" });
  const stepLabel = h("span", { class: "step-label" });
  const slider = h("input", {
    type: "range", min: "0", max: String(frames.length - 1), step: "1", value: String(frames.length - 1),
    class: "step-slider", "aria-label": `${label}: step`,
  });
  function showFrame() {
    const frame = frames[Number(slider.value)];
    clear(holder);
    holder.appendChild(frame.node());
    stepLabel.textContent = `step ${frame.step}`;
  }
  slider.addEventListener("input", showFrame);
  showFrame();
  return h("div", { class: "media-series", dataset: { key: label } },
    h("div", { class: "media-caption" }, h("strong", null, label), " ", stepLabel),
    frames.length > 1 ? slider : null, holder);
}

function groupByKey(entries) {
  const series = new Map();
  const single = [];
  entries.forEach((e) => {
    if (e.kind === "plot") return;  // drawn with the run's plots
    if (e.key && isImage(e)) {
      if (!series.has(e.key)) series.set(e.key, []);
      series.get(e.key).push(e);
    } else single.push(e);
  });
  series.forEach((list) => list.sort((a, b) => (a.step || 0) - (b.step || 0)));
  return { series, single };
}

function renderMedia(runId, entries) {
  const { series, single } = groupByKey(entries);
  if (!series.size && !single.length) return null;
  const grid = h("div", { class: "media-grid", id: "media" });
  series.forEach((list, key) => grid.appendChild(h("figure", { class: "media-card" },
    stepScrubber(key, list.map((e) => ({ step: e.step || 0, node: () => mediaImage(runId, e) }))))));
  single.forEach((e) => grid.appendChild(h("figure", { class: "media-card", dataset: { name: e.name } },
    h("figcaption", { class: "media-caption" }, h("strong", null, e.title || e.name), e.title ? ` (${e.name})` : ""),
    mediaBody(runId, e))));
  return section("Media", grid);
}

/* Images of several runs side by side: one row per image name or series key. */
function compareMedia(runs, entriesOf) {
  const rows = new Map();
  runs.forEach((run, i) => {
    const { series, single } = groupByKey(entriesOf(run));
    series.forEach((list, key) => {
      if (!rows.has(`key:${key}`)) rows.set(`key:${key}`, { label: key, cells: new Map() });
      rows.get(`key:${key}`).cells.set(i, { series: list });
    });
    single.filter(isImage).forEach((e) => {
      if (!rows.has(`name:${e.name}`)) rows.set(`name:${e.name}`, { label: e.name, cells: new Map() });
      rows.get(`name:${e.name}`).cells.set(i, { entry: e });
    });
  });
  if (!rows.size) return null;
  const table = h("table", { class: "grid media-compare", id: "media-compare" },
    h("thead", null, h("tr", null, h("th", null, ""), runs.map((r, i) => h("th", null,
      h("span", { class: "swatch", style: { background: color(i) } }), " ", r.name)))),
    h("tbody", null, Array.from(rows.values()).map((row) => h("tr", null, h("th", { scope: "row" }, row.label),
      runs.map((r, i) => {
        const found = row.cells.get(i);
        if (!found) return h("td", { class: "empty" }, "—");
        if (found.entry) return h("td", null, mediaImage(r.id, found.entry));
        return h("td", null, stepScrubber(row.label, found.series.map((e) => ({ step: e.step || 0, node: () => mediaImage(r.id, e) }))));
      })))));
  return section("Images side by side", h("div", { class: "table-wrap" }, table));
}
