/* The registry: models, versions with lineage, a stage timeline, history. */

function stageBadges(stages) {
  const entries = Object.entries(stages || {});
  if (!entries.length) return h("span", { class: "empty" }, "none");
  return entries.map(([stage, version]) => h("span", { class: "badge stage" },
    `${stage}: ${Array.isArray(version) ? version.join(", ") : version}`));
}

function who(person) {
  if (!person) return "";
  if (typeof person === "string") return person;
  return person.email ? `${person.name || ""} <${person.email}>` : (person.name || "");
}

async function registryPage() {
  const data = await listPageData("/api/registry", "Registry", (d) => d.models);
  if (data === null) return;
  const table = gridTable("models", ["model", "latest", "stages", "versions", "updated"],
    data.models.map((m) => h("tr", { dataset: { model: m.name } },
      h("td", null, h("a", { href: `/registry/${encodeURIComponent(m.name)}` }, m.name)),
      h("td", null, code(m.latest || "")), h("td", null, stageBadges(m.stages)),
      h("td", { class: "num" }, num(m.versions)), h("td", null, when(m.updated)))));
  show(pageHead("Registry", counted(data.models.length, "model")),
    section("Models", table));
}

/* Who held each stage when: one lane per stage, one bar per holding, from the history. */
function stageTimeline(events, stages, terminal) {
  const stageEvents = events.filter((e) => e.stage).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  if (!stageEvents.length) return h("p", { class: "empty" }, "no stage changes applied yet");
  const final = new Set(terminal || []);
  const lanes = stages.filter((st) => stageEvents.some((e) => e.stage === st));
  stageEvents.forEach((e) => { if (!lanes.includes(e.stage)) lanes.push(e.stage); });
  const t0 = Date.parse(stageEvents[0].time);
  const t1 = Math.max(Date.now(), Date.parse(stageEvents[stageEvents.length - 1].time) + 1);
  const bars = [];
  const open = {};
  stageEvents.forEach((e) => {
    const t = Date.parse(e.time);
    const held = open[e.stage] || (open[e.stage] = {});
    const assign = e.event === "model_version_alias.created";
    if (assign && !final.has(e.stage)) {
      Object.keys(held).forEach((v) => { bars.push({ stage: e.stage, version: v, from: held[v], to: t }); delete held[v]; });
    }
    if (assign) held[e.version] = held[e.version] === undefined ? t : held[e.version];
    else if (held[e.version] !== undefined) {
      bars.push({ stage: e.stage, version: e.version, from: held[e.version], to: t });
      delete held[e.version];
    }
  });
  Object.entries(open).forEach(([stage, held]) => Object.entries(held).forEach(([version, from]) =>
    bars.push({ stage, version, from, to: t1, current: true })));
  const versions = Array.from(new Set(bars.map((b) => b.version)));
  const width = 900;
  const left = 110;
  const laneH = 30;
  const height = lanes.length * laneH + 30;
  const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * (width - left - 10);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "timeline", role: "img", "aria-label": "stage timeline" });
  lanes.forEach((stage, i) => {
    svg.appendChild(s("text", { x: 0, y: i * laneH + 19, class: "lane" }, stage));
    svg.appendChild(s("line", { x1: left, x2: width - 10, y1: i * laneH + 27, y2: i * laneH + 27, class: "lane-line" }));
  });
  bars.forEach((b) => {
    const i = lanes.indexOf(b.stage);
    const x0 = x(b.from);
    const w = Math.max(36, x(b.to) - x0);
    const g = s("g", { class: "bar", dataset: { stage: b.stage, version: b.version } });
    g.appendChild(s("rect", { x: x0, y: i * laneH + 4, width: w, height: laneH - 8, rx: 3, fill: color(versions.indexOf(b.version)), "fill-opacity": b.current ? 0.9 : 0.5 }));
    g.appendChild(s("text", { x: x0 + 5, y: i * laneH + 19, class: "bar-label" }, b.version));
    append(g, s("title", null, `${b.stage}: ${b.version} from ${when(new Date(b.from).toISOString())}${b.current ? " (now)" : ` to ${when(new Date(b.to).toISOString())}`}`));
    svg.appendChild(g);
  });
  svg.appendChild(s("text", { x: left, y: height - 2, class: "tick" }, when(new Date(t0).toISOString())));
  svg.appendChild(s("text", { x: width - 10, y: height - 2, class: "tick", "text-anchor": "end" }, "now"));
  return h("div", { class: "timeline-wrap", dataset: { bars: bars.length } }, svg);
}

async function modelPage() {
  const name = body.dataset.model;
  const data = await pageData(`/api/registry/${encodeURIComponent(name)}`, name);
  if (data === null) return;
  const m = data.model;
  const versions = gridTable("versions", ["version", "stages", "run (lineage)", "code", "inputs", "metrics", "created", "by"],
    m.versions.map((v) => h("tr", { id: `v-${v.version}`, dataset: { version: v.version } },
      h("td", null, code(v.version)),
      h("td", null, v.stages.map((st) => h("span", { class: "badge stage" }, st))),
      h("td", null, h("a", { href: runHref(v.run) }, v.run_name || v.run)),
      h("td", null, code(String((v.code || {}).commit || "").slice(0, 12)), (v.code || {}).dirty ? " (dirty)" : ""),
      h("td", null, Object.entries(v.inputs || {}).map(([k, d]) => h("div", null, `${k} `, code(d)))),
      h("td", null, Object.entries(v.metrics || {}).sort().slice(0, 4).map(([k, x]) => h("div", null, `${k} ${num(x)}`))),
      h("td", null, when(v.created)), h("td", null, who(v.author)))));
  const history = gridTable("history", ["when", "what", "who", "commit", "source"],
    data.history.slice().reverse().map((e) => h("tr", null,
      h("td", null, when(e.time)), h("td", null, e.summary), h("td", null, who(e.who)),
      h("td", null, code(String(e.commit || "").slice(0, 12))), h("td", null, e.source || ""))));
  const pending = Object.entries(m.pending || {});
  show(pageHead(m.name, `latest ${m.latest}`),
    section("Stages (applied)", kvTable(Object.entries(m.stages).map(([st, v]) => [st, Array.isArray(v) ? v.join(", ") : v])),
      pending.length ? h("p", { class: "empty" }, "pending in .gitml/stages.toml, not applied yet: ",
        pending.map(([st, v]) => `${st} → ${v === null ? "none" : v}`).join("; ")) : null),
    section("Stage timeline", stageTimeline(data.history, data.stages, data.terminal_stages)),
    section("Versions", h("div", { class: "table-wrap" }, versions)),
    section("History", history));
}
