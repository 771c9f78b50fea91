/* Datasets: versions, per-file diffs between them, column profiles with histograms. */

// A size as the command line shows it (gitml.units.format_bytes): powers of 1024, KiB.
function bytes(n) {
  if (typeof n !== "number") return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return u ? `${v.toFixed(1)} ${units[u]}` : `${v} B`;
}

async function dataPage() {
  const data = await listPageData("/api/data", "Data", (d) => d.datasets);
  if (data === null) return;
  const table = gridTable("datasets", ["dataset", "path", "files", "size", "manifest"],
    data.datasets.map((d) => h("tr", { dataset: { name: d.name } },
      h("td", null, h("a", { href: `/data/${encodeURIComponent(d.name)}` }, d.name)),
      h("td", null, code(d.path)), h("td", { class: "num" }, num(d.files)),
      h("td", { class: "num" }, bytes(d.bytes)), h("td", null, code(d.manifest)))));
  show(pageHead("Data", counted(data.datasets.length, "dataset")),
    section("Datasets", table));
}

/* A profile histogram: equal-frequency bins drawn with widths from their edges. */
function histogram(hist) {
  const edges = hist.edges || [];
  const counts = hist.counts || [];
  if (edges.length !== counts.length + 1 || !counts.length) return null;
  const width = 320;
  const height = 110;
  const pad = 16;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const span = hi - lo || 1;
  const density = counts.map((c, i) => c / Math.max(edges[i + 1] - edges[i], span * 1e-9));
  const peak = Math.max(...density) || 1;
  const x = (v) => pad + ((v - lo) / span) * (width - 2 * pad);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "bars", role: "img" });
  counts.forEach((c, i) => {
    const barH = (density[i] / peak) * (height - 2 * pad);
    const rect = s("rect", {
      x: x(edges[i]), y: height - pad - barH, width: Math.max(1, x(edges[i + 1]) - x(edges[i]) - 0.5),
      height: barH, fill: color(0), "fill-opacity": 0.75,
    });
    append(rect, s("title", null, `${num(edges[i])} .. ${num(edges[i + 1])}: ${c}`));
    svg.appendChild(rect);
  });
  svg.appendChild(s("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }));
  svg.appendChild(s("text", { x: pad, y: height - 3, class: "tick" }, num(lo)));
  svg.appendChild(s("text", { x: width - pad, y: height - 3, class: "tick", "text-anchor": "end" }, num(hi)));
  return svg;
}

function topCategories(top) {
  const entries = Object.entries(top || {}).sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (!entries.length) return null;
  const peak = entries[0][1] || 1;
  return h("table", { class: "topk" }, h("tbody", null, entries.map(([k, c]) => h("tr", null,
    h("td", null, k), h("td", { class: "barcell" }, h("span", { class: "hbar", style: { width: `${Math.round((c / peak) * 100)}%` } })),
    h("td", { class: "num" }, num(c))))));
}

function profileCard(name, column) {
  const facts = [["type", `${column.type || ""}${column.dtype ? ` (${column.dtype})` : ""}`],
    ["count", num(column.count)], ["missing", num(column.missing)]];
  ["mean", "std", "min", "max", "distinct"].forEach((k) => { if (column[k] !== undefined) facts.push([k, num(column[k])]); });
  return h("div", { class: "card profile", dataset: { column: name } }, h("h3", null, name), kvTable(facts),
    column.histogram ? histogram(column.histogram) : null, topCategories(column.top));
}

async function datasetPage() {
  const name = body.dataset.name;
  const data = await pageData(`/api/data/${encodeURIComponent(name)}`, name);
  if (data === null) return;
  const d = data.dataset;
  const versions = data.versions || [];
  const diffBox = h("div", { id: "data-diff" });
  const pickOld = [];
  const pickNew = [];
  const vtable = gridTable("data-versions", ["old", "new", "version", "when", "who", "commit message", "files", "size"],
    versions.map((v, i) => {
      const oldBox = h("input", { type: "radio", name: "old", value: v.rev, checked: i === 1, disabled: v.rev === "workspace" });
      const newBox = h("input", { type: "radio", name: "new", value: v.rev, checked: i === 0 });
      pickOld.push(oldBox);
      pickNew.push(newBox);
      return h("tr", { dataset: { rev: v.rev } }, h("td", null, oldBox), h("td", null, newBox),
        h("td", null, code(v.rev === "workspace" ? "work tree" : v.rev.slice(0, 12))),
        h("td", null, when(v.time)), h("td", null, v.author || ""), h("td", null, v.subject || ""),
        h("td", { class: "num" }, v.deleted ? "deleted" : num(v.files)), h("td", { class: "num" }, bytes(v.bytes)));
    }));
  const diffButton = h("button", { type: "button", id: "diff-versions", disabled: versions.length < 2 }, "Diff the chosen versions");
  diffButton.addEventListener("click", async () => {
    const old = (pickOld.find((b) => b.checked) || {}).value;
    const neu = (pickNew.find((b) => b.checked) || {}).value;
    clear(diffBox);
    if (!old || !neu) return;
    try {
      const diff = await api(`/api/data/${encodeURIComponent(name)}/diff?old=${encodeURIComponent(old)}&new=${encodeURIComponent(neu)}`);
      const sm = diff.summary;
      append(diffBox, [h("p", { class: "summary" }, `${sm.added} added, ${sm.modified} modified, ${sm.deleted} deleted`),
        diff.changes.length ? gridTable(null, ["change", "file", "before", "after"],
          diff.changes.map((c) => h("tr", { class: `change-${c.status}` },
            h("td", null, c.status), h("td", null, code(c.path)),
            h("td", null, c.old ? [code(c.old.digest), ` ${bytes(c.old.size)}`] : ""),
            h("td", null, c.new ? [code(c.new.digest), ` ${bytes(c.new.size)}`] : "")))) : null]);
    } catch (err) {
      diffBox.appendChild(errorBox(err.message));
    }
  });
  const files = (d.entries || []).slice(0, 2000);
  const profiles = Object.entries(d.profiles || {});
  show(pageHead(d.name, `${num(d.files)} files, ${bytes(d.bytes)}`),
    section("Dataset", kvTable([["path", code(d.path)], ["kind", d.kind], ["manifest", code(d.manifest)], ["pointer", code(d.pointer)]])),
    section("Versions", versions.length ? [h("div", { class: "table-wrap" }, vtable), diffButton, diffBox] : h("p", { class: "empty" }, "no committed versions yet")),
    section("Files", gridTable("data-files", ["file", "digest", "size"],
      files.map((f) => h("tr", null, h("td", null, code(f.path)), h("td", null, code(f.digest)), h("td", { class: "num" }, bytes(f.size)))))),
    profiles.length ? profiles.map(([path, prof]) => section(`Profile of ${path} (${num(prof.rows)} rows)`,
      h("div", { class: "cards" }, Object.entries(prof.columns || {})
        .sort((a, b) => (a[1].position || 0) - (b[1].position || 0))
        .map(([col, c]) => profileCard(col, c))))) : null,
    (d.unprofiled || []).length ? section("Not profiled", h("p", null, d.unprofiled.join(", "))) : null);
}
