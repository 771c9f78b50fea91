/* Monitoring: every model's latest verdict, a model's reports with their findings, and
 * each column's training histogram beside its drift findings. */

function verdict(report) {
  return h("span", { class: `badge ${report.alert ? "status-failed" : "status-completed"}` },
    report.alert ? `ALERT (${report.alerts})` : "ok");
}

function reportHref(r) {
  return `/monitor/${encodeURIComponent(r.model)}#report-${encodeURIComponent(r.id)}`;
}

async function monitorPage() {
  const data = await listPageData("/api/monitor", "Monitoring", (d) => d.reports);
  if (data === null) return;
  const latest = gridTable("monitor-latest", ["model", "version", "verdict", "rows", "data", "when"],
    data.latest.map((r) => h("tr", { dataset: { model: r.model } },
      h("td", null, h("a", { href: `/monitor/${encodeURIComponent(r.model)}` }, r.model)),
      h("td", null, code(r.version)), h("td", null, verdict(r)), h("td", { class: "num" }, num(r.rows)),
      h("td", null, code(r.data)), h("td", null, when(r.created)))));
  const all = gridTable("monitor-reports", ["when", "model", "kind", "verdict", "rows", "data"],
    data.reports.map((r) => h("tr", { dataset: { id: r.id } },
      h("td", null, h("a", { href: reportHref(r) }, when(r.created))),
      h("td", null, `${r.model}:${r.version}`), h("td", null, r.kind), h("td", null, verdict(r)),
      h("td", { class: "num" }, num(r.rows)), h("td", null, code(r.data)))));
  show(pageHead("Monitoring", counted(data.reports.length, "report")),
    section("Latest per model", latest), section("Reports", all));
}

function findingsTable(findings) {
  if (!findings.length) return h("p", { class: "empty" }, "no findings");
  return h("table", { class: "grid findings" },
    gridHead(["", "kind", "column", "method", "value", "threshold", "message"]),
    h("tbody", null, findings.map((f) => h("tr", { class: f.alert ? "alert" : null },
      h("td", null, f.alert ? "⚠" : ""), h("td", null, f.kind), h("td", null, code(f.column)),
      h("td", null, f.method), h("td", { class: "num" }, num(f.value)), h("td", { class: "num" }, num(f.threshold)),
      h("td", null, f.message)))));
}

/* One bar per report, oldest first: how many findings alerted. */
function alertHistory(reports) {
  const ordered = reports.slice().reverse();
  const width = Math.max(240, Math.min(900, ordered.length * 28));
  const height = 90;
  const peak = Math.max(1, ...ordered.map((r) => r.alerts));
  const slot = (width - 20) / ordered.length;
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "alert-history", role: "img" });
  ordered.forEach((r, i) => {
    const barH = r.alerts ? (r.alerts / peak) * (height - 30) : 2;
    const bar = s("rect", {
      x: 10 + i * slot + 2, y: height - 18 - barH, width: Math.max(3, slot - 4), height: barH,
      class: r.alert ? "bad" : "good",
    });
    append(bar, s("title", null, `${when(r.created)} ${r.version}: ${r.alert ? `${r.alerts} alert(s)` : "ok"} (${r.data})`));
    svg.appendChild(bar);
  });
  svg.appendChild(s("text", { x: 10, y: height - 4, class: "tick" }, when(ordered[0].created)));
  svg.appendChild(s("text", { x: width - 10, y: height - 4, class: "tick", "text-anchor": "end" }, when(ordered[ordered.length - 1].created)));
  return svg;
}

function columnCards(report, training) {
  const columns = Object.assign({}, training.columns || {});
  const byColumn = {};
  report.findings.filter((f) => f.kind === "drift" || f.kind === "schema")
    .forEach((f) => { (byColumn[f.column] = byColumn[f.column] || []).push(f); });
  const names = Array.from(new Set([...Object.keys(columns), ...Object.keys(byColumn)]))
    .sort((a, b) => ((columns[a] || {}).position ?? 1e9) - ((columns[b] || {}).position ?? 1e9) || (a < b ? -1 : 1));
  return h("div", { class: "cards" }, names.map((name) => {
    const col = columns[name];
    const found = byColumn[name] || [];
    const alerting = found.some((f) => f.alert);
    return h("div", { class: `card profile${alerting ? " alerting" : ""}`, dataset: { column: name } },
      h("h3", null, name, alerting ? h("span", { class: "badge status-failed" }, " drift") : null),
      col && col.histogram ? [h("div", { class: "empty" }, "training"), histogram(col.histogram)]
        : h("p", { class: "empty" }, col ? "no training histogram" : "not in the training data"),
      col && col.top ? topCategories(col.top) : null,
      found.length ? h("table", { class: "kv" }, h("tbody", null, found.map((f) => h("tr", { class: f.alert ? "alert" : null },
        h("th", null, f.method), h("td", null, `${num(f.value)} (limit ${num(f.threshold)})`))))) : null);
  }));
}

async function monitorModelPage() {
  const name = body.dataset.model;
  const data = await pageData(`/api/monitor/${encodeURIComponent(name)}`, name);
  if (data === null) return;
  const [latest, ...past] = data.reports;
  const training = data.training[latest.version] || { columns: {} };
  const facts = [["verdict", verdict(latest)], ["version", code(latest.version)], ["kind", latest.kind],
    ["when", when(latest.created)], ["data", code(latest.data)], ["rows", num(latest.rows)],
    ["training profile", training.source || training.error || ""]];
  Object.entries(latest.metrics || {}).sort().forEach(([k, v]) => facts.push([`metric ${k}`, num(v)]));
  show(pageHead(`${name}`, "monitoring"),
    section("Alerts per report", alertHistory(data.reports)),
    h("section", { class: "card", id: `report-${latest.id}` }, h("h2", null, "Latest report"), kvTable(facts),
      h("h3", null, "Findings"), findingsTable(latest.findings)),
    section("Columns: training distribution and drift", columnCards(latest, training)),
    past.length ? section("Past reports", past.map((r) => h("details", { id: `report-${r.id}`, open: window.location.hash === `#report-${r.id}` },
      h("summary", null, `${when(r.created)} ${r.model}:${r.version} `, verdict(r), ` ${r.rows} rows of ${r.data}`),
      findingsTable(r.findings)))) : null);
}
