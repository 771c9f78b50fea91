/* gitml ui: renders the JSON API (or a report's embedded JSON) with DOM text nodes only.
 * Record data never reaches an HTML parser: every string goes through createTextNode,
 * textContent or setAttribute, and links are built from encodeURIComponent'd ids. */
(function () {
  "use strict";

  const PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  ];
  const SVG_NS = "http://www.w3.org/2000/svg";
  const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8, 1e9];
  const body = document.body;
  const main = document.getElementById("main");
  const REPORT = body.dataset.page === "report";

  // --- DOM helpers -------------------------------------------------------------------

  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach((c) => append(el, c));
    } else if (child instanceof Node) {
      el.appendChild(child);
    } else {
      el.appendChild(document.createTextNode(String(child)));
    }
  }

  function setAttrs(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "on") {
        for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
      } else if (key === "dataset") {
        for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
      } else if (key === "style") {
        for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));
      } else if (key === "checked" || key === "disabled" || key === "selected" || key === "open") {
        el[key] = Boolean(value);
      } else if (key === "value") {
        el.value = String(value);
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function show(...children) {
    clear(main);
    append(main, children);
  }

  // --- formatting --------------------------------------------------------------------

  function num(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") {
      if (Number.isInteger(value)) return String(value);
      const text = value.toPrecision(6);
      return text.includes("e") ? text : String(Number(text));
    }
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function when(iso) {
    if (typeof iso !== "string") return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function duration(seconds) {
    if (typeof seconds !== "number") return "";
    if (seconds < 60) return seconds < 10 ? `${seconds.toFixed(1)}s` : `${Math.round(seconds)}s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
    return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
  }

  function cell(column, value) {
    if (column === "started" || column === "ended") return when(value);
    if (column === "duration_s") return duration(value);
    return num(value);
  }

  function statusBadge(status) {
    return h("span", { class: `badge status-${String(status).replace(/[^a-z]/g, "")}` }, status);
  }

  function runHref(id) {
    return REPORT ? `#run-${encodeURIComponent(id)}` : `/runs/${encodeURIComponent(id)}`;
  }

  function color(i) {
    return PALETTE[i % PALETTE.length];
  }

  function kvTable(rows, cls) {
    if (!rows.length) return h("p", { class: "empty" }, "none");
    return h("table", { class: `kv ${cls || ""}` },
      h("tbody", null, rows.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", null, v)))));
  }

  function section(title, ...children) {
    return h("section", { class: "card" }, h("h2", null, title), children);
  }

  function code(text) {
    return h("code", null, text);
  }

  function emptyState(text) {
    const parts = String(text).split(": ");
    if (parts.length > 1) {
      return h("p", { class: "empty-state" }, parts[0] + ": ", code(parts.slice(1).join(": ")));
    }
    return h("p", { class: "empty-state" }, text);
  }

  function errorBox(message) {
    return h("p", { class: "error", role: "alert" }, message);
  }

  // --- data access -------------------------------------------------------------------

  async function api(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    if (!response.ok) {
      const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
      const err = new Error(message);
      err.status = response.status;
      throw err;
    }
    return data;
  }

  function reportData() {
    const node = document.getElementById("gitml-report");
    return JSON.parse(node.textContent);
  }

  // --- charts ------------------------------------------------------------------------

  function smooth(values, weight) {
    if (!weight) return values;
    let last = 0;
    let n = 0;
    return values.map((v) => {
      if (v === null || !Number.isFinite(v)) return v;
      last = last * weight + (1 - weight) * v;
      n += 1;
      return last / (1 - Math.pow(weight, n));
    });
  }

  /* A line chart of one metric: series = [{label, color, steps, values}]. */
  function lineChart(target, series, opts) {
    const options = opts || {};
    clear(target);
    target.dataset.series = String(series.length);
    if (typeof uPlot === "undefined") {
      append(target, errorBox("the chart library did not load"));
      return null;
    }
    const log = Boolean(options.log);
    const tables = series.map((sr) => {
      const values = smooth(sr.values.map((v) => (typeof v === "number" ? v : null)), options.smoothing || 0);
      return [sr.steps.slice(), values.map((v) => (log && v !== null && v <= 0 ? null : v))];
    });
    const data = tables.length ? uPlot.join(tables) : [[]];
    const width = Math.max(320, target.clientWidth || 640);
    const chart = new uPlot({
      width: width,
      height: options.height || 280,
      title: options.title,
      scales: { x: { time: false }, y: log ? { distr: 3, log: 10 } : {} },
      axes: [{ label: "step", incrs: STEP_INCRS }, { size: 70 }],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: "step" },
        ...series.map((sr) => ({
          label: sr.label,
          stroke: sr.color,
          width: 2,
          spanGaps: true,
          points: { show: sr.steps.length < 2 },
        })),
      ],
    }, data, target);
    return chart;
  }

  function fitOnResize(target, draw) {
    let width = target.clientWidth;
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (Math.abs(target.clientWidth - width) > 8) {
        width = target.clientWidth;
        draw();
      }
    });
    observer.observe(target);
  }

  /* A histogram as SVG bars: edges (n+1) and counts (n), or categories and counts. */
  function barChart(bars, opts) {
    const options = opts || {};
    const width = options.width || 360;
    const height = options.height || 140;
    const pad = 18;
    const groups = bars.length ? bars[0].counts.length : 0;
    const total = bars.map((b) => b.counts.reduce((a, c) => a + c, 0) || 1);
    const peak = Math.max(1e-12, ...bars.flatMap((b, i) => b.counts.map((c) => c / total[i])));
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "bars", role: "img" });
    const slot = (width - 2 * pad) / Math.max(1, groups);
    bars.forEach((b, i) => {
      b.counts.forEach((c, j) => {
        const share = c / total[i];
        const barH = (share / peak) * (height - 2 * pad);
        const barW = slot / bars.length;
        const rect = s("rect", {
          x: pad + j * slot + i * barW, y: height - pad - barH, width: Math.max(1, barW - 1), height: barH,
          fill: b.color || color(i), "fill-opacity": 0.75,
        });
        append(rect, s("title", null, `${b.label}: ${options.labels ? options.labels[j] : j} — ${c}`));
        svg.appendChild(rect);
      });
    });
    svg.appendChild(s("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }));
    if (options.low !== undefined) {
      svg.appendChild(s("text", { x: pad, y: height - 4, class: "tick" }, num(options.low)));
      svg.appendChild(s("text", { x: width - pad, y: height - 4, class: "tick", "text-anchor": "end" }, num(options.high)));
    }
    return svg;
  }

  /* Parallel coordinates: one vertical axis per dimension, one polyline per run. */
  function parallelCoordinates(runs, dims) {
    const width = Math.max(720, 170 * dims.length);
    const height = 320;
    const top = 40;
    const bottom = 30;
    const left = 60;
    const right = 60;
    const span = dims.length > 1 ? (width - left - right) / (dims.length - 1) : 0;
    const svg = s("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, class: "parcoords", role: "img",
      "aria-label": "parallel coordinates of params and metrics",
    });
    const scales = dims.map((dim) => {
      const values = runs.map((r) => dim.get(r)).filter((v) => v !== null && v !== undefined);
      const numeric = values.length > 0 && values.every((v) => typeof v === "number");
      if (numeric) {
        const lo = Math.min(...values);
        const hi = Math.max(...values);
        return { numeric, lo, hi, y: (v) => (hi === lo ? (top + height - bottom) / 2 : height - bottom - ((v - lo) / (hi - lo)) * (height - top - bottom)) };
      }
      const cats = Array.from(new Set(values.map((v) => num(v)))).sort();
      return { numeric, cats, y: (v) => (cats.length < 2 ? (top + height - bottom) / 2 : height - bottom - (cats.indexOf(num(v)) / (cats.length - 1)) * (height - top - bottom)) };
    });
    dims.forEach((dim, i) => {
      const x = left + i * span;
      const axis = s("g", { class: "pc-axis" });
      axis.appendChild(s("line", { x1: x, x2: x, y1: top, y2: height - bottom }));
      axis.appendChild(s("text", { x, y: top - 14, "text-anchor": "middle", class: "pc-label" }, dim.label));
      const sc = scales[i];
      const ticks = sc.numeric ? [[sc.lo, sc.y(sc.lo)], [sc.hi, sc.y(sc.hi)]] : sc.cats.map((c) => [c, sc.y(c)]);
      ticks.slice(0, 12).forEach(([label, y]) => {
        axis.appendChild(s("text", { x: x - 6, y: y + 4, "text-anchor": "end", class: "tick" }, num(label)));
      });
      svg.appendChild(axis);
    });
    let lines = 0;
    runs.forEach((run, r) => {
      const points = [];
      dims.forEach((dim, i) => {
        const v = dim.get(run);
        if (v !== null && v !== undefined) points.push(`${left + i * span},${scales[i].y(v)}`);
      });
      if (!points.length) return;
      const line = s("polyline", { points: points.join(" "), stroke: color(r), class: "pc-line" });
      append(line, s("title", null, run.name));
      svg.appendChild(line);
      lines += 1;
    });
    const wrap = h("div", { class: "parcoords-wrap", dataset: { lines } }, svg);
    return wrap;
  }

  // --- runs page ---------------------------------------------------------------------

  const SELECTED_KEY = "gitml.selected";

  function loadSelection() {
    try {
      return new Set(JSON.parse(sessionStorage.getItem(SELECTED_KEY) || "[]"));
    } catch (_err) {
      return new Set();
    }
  }

  function saveSelection(selected) {
    try {
      sessionStorage.setItem(SELECTED_KEY, JSON.stringify(Array.from(selected)));
    } catch (_err) {
      /* private mode: selection lasts for this page only */
    }
  }

  function runsPage() {
    const selected = loadSelection();
    const state = readRunsState();
    const input = h("input", {
      type: "search", name: "where", id: "where", value: state.where, autocomplete: "off",
      spellcheck: "false", placeholder: "metrics.acc > 0.9 and params.lr = 0.01",
      "aria-label": "filter runs with the query language",
    });
    const branchBox = h("input", { type: "checkbox", id: "this-branch", checked: state.branch === "." });
    const branchLabel = h("span", null, " this branch only");
    const message = h("div", { class: "query-error", id: "query-error" });
    const summary = h("p", { class: "summary", id: "runs-summary" });
    const table = h("table", { class: "runs", id: "runs-table" });
    const pager = h("div", { class: "pager" });
    const compareButton = h("button", { type: "button", id: "compare-selected", disabled: true }, "Compare selected");
    const clearButton = h("button", { type: "button", class: "secondary", id: "clear-selection" }, "Clear selection");
    const picker = h("details", { class: "columns", id: "column-picker" }, h("summary", null, "Columns"));
    const form = h("form", { class: "filter", id: "filter", role: "search" },
      input, h("button", { type: "submit" }, "Filter"),
      h("label", { class: "check" }, branchBox, branchLabel), picker);

    function refreshSelectionUi() {
      compareButton.disabled = selected.size < 2;
      compareButton.textContent = `Compare selected (${selected.size})`;
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      state.where = input.value.trim();
      state.branch = branchBox.checked ? "." : "";
      state.offset = 0;
      navigate();
    });
    branchBox.addEventListener("change", () => {
      state.branch = branchBox.checked ? "." : "";
      state.offset = 0;
      navigate();
    });
    compareButton.addEventListener("click", () => {
      window.location.href = `/compare?runs=${Array.from(selected).map(encodeURIComponent).join(",")}`;
    });
    clearButton.addEventListener("click", () => {
      selected.clear();
      saveSelection(selected);
      table.querySelectorAll("input.pick").forEach((box) => { box.checked = false; });
      refreshSelectionUi();
    });
    picker.addEventListener("toggle", () => {
      if (picker.open && !picker.dataset.loaded) loadColumnPicker();
    });

    function navigate() {
      const url = new URL(window.location.href);
      url.search = runsSearch(state).toString();
      window.history.pushState(null, "", url.pathname + url.search);
      load();
    }

    async function loadColumnPicker() {
      picker.dataset.loaded = "1";
      const list = h("div", { class: "column-list" });
      picker.appendChild(list);
      try {
        const data = await api("/api/runs/columns");
        const current = new Set(state.columns.length ? state.columns : state.shown);
        const boxes = data.columns.map((col) => {
          const box = h("input", { type: "checkbox", value: col, checked: current.has(col) });
          list.appendChild(h("label", { class: "check" }, box, " ", col));
          return box;
        });
        const custom = h("input", { type: "text", placeholder: "min(metrics.loss)", "aria-label": "another column" });
        const apply = h("button", { type: "button" }, "Apply");
        const reset = h("button", { type: "button", class: "secondary" }, "Default");
        apply.addEventListener("click", () => {
          const picked = boxes.filter((b) => b.checked).map((b) => b.value);
          if (custom.value.trim()) picked.push(custom.value.trim());
          state.columns = picked;
          picker.open = false;
          navigate();
        });
        reset.addEventListener("click", () => {
          state.columns = [];
          picker.open = false;
          navigate();
        });
        picker.appendChild(h("div", { class: "column-actions" }, custom, apply, reset));
      } catch (err) {
        list.appendChild(errorBox(err.message));
      }
    }

    async function load() {
      clear(message);
      let data;
      try {
        data = await api(`/api/runs?${runsSearch(state, true).toString()}`);
      } catch (err) {
        message.appendChild(errorBox(err.message));
        clear(table);
        clear(pager);
        summary.textContent = "";
        return;
      }
      state.shown = data.columns;
      if (data.branch) branchLabel.textContent = ` this branch only (${data.branch})`;
      renderTable(data);
    }

    function renderTable(data) {
      clear(table);
      clear(pager);
      const total = data.total;
      const first = total ? data.offset + 1 : 0;
      const last = data.offset + data.rows.length;
      const scope = data.branch ? ` on branch ${data.branch}` : "";
      summary.textContent = `${first}–${last} of ${total} run${total === 1 ? "" : "s"}${scope}`;
      if (!data.rows.length) {
        if (!state.where && total === 0 && !data.hidden_other_branches) {
          message.appendChild(emptyState("no runs yet: git ml run -- python train.py"));
        } else if (data.hidden_other_branches) {
          const link = h("button", { type: "button", class: "link" }, "show every branch");
          link.addEventListener("click", () => { branchBox.checked = false; state.branch = ""; navigate(); });
          message.appendChild(h("p", { class: "empty-state" },
            `${data.hidden_other_branches} run(s) on other branches: `, link));
        } else {
          message.appendChild(h("p", { class: "empty-state" }, "no run matches this filter"));
        }
      }
      const sortKey = state.sort;
      const head = h("tr", null, h("th", { class: "pick" }, ""));
      data.columns.forEach((col) => {
        const desc = sortKey === `-${col}`;
        const asc = sortKey === col;
        const dot = col.indexOf(".");
        const label = dot > 0 && !col.includes("(")
          ? [h("span", { class: "col-group" }, col.slice(0, dot + 1)), col.slice(dot + 1)] : col;
        const button = h("button", { type: "button", class: "sort", title: `sort by ${col}`, dataset: { column: col } },
          label, asc ? " ▲" : desc ? " ▼" : "");
        button.addEventListener("click", () => {
          state.sort = desc ? col : `-${col}`;
          state.offset = 0;
          navigate();
        });
        head.appendChild(h("th", { scope: "col", "aria-sort": asc ? "ascending" : desc ? "descending" : null }, button));
      });
      const rows = data.rows.map((row) => {
        const box = h("input", {
          type: "checkbox", class: "pick", checked: selected.has(row.id),
          "aria-label": `select run ${row.name}`, dataset: { id: row.id },
        });
        box.addEventListener("change", () => {
          if (box.checked) selected.add(row.id); else selected.delete(row.id);
          saveSelection(selected);
          refreshSelectionUi();
        });
        const tr = h("tr", { dataset: { id: row.id } }, h("td", { class: "pick" }, box));
        row.cells.forEach((value, i) => {
          const col = data.columns[i];
          let content = cell(col, value);
          if (col === "id" || col === "name") content = h("a", { href: runHref(row.id) }, content);
          if (col === "status") content = statusBadge(value);
          tr.appendChild(h("td", { class: typeof value === "number" ? "num" : null }, content));
        });
        return tr;
      });
      table.appendChild(h("thead", null, head));
      table.appendChild(h("tbody", null, rows));
      const prev = h("button", { type: "button", disabled: data.offset === 0 }, "← Newer");
      const next = h("button", { type: "button", disabled: last >= total }, "Older →");
      prev.addEventListener("click", () => { state.offset = Math.max(0, data.offset - data.limit); navigate(); });
      next.addEventListener("click", () => { state.offset = data.offset + data.limit; navigate(); });
      append(pager, [prev, h("span", null, ` page ${Math.floor(data.offset / data.limit) + 1} of ${Math.max(1, Math.ceil(total / data.limit))} `), next]);
    }

    window.addEventListener("popstate", () => {
      Object.assign(state, readRunsState());
      input.value = state.where;
      branchBox.checked = state.branch === ".";
      load();
    });
    refreshSelectionUi();
    show(h("div", { class: "page-head" }, h("h1", null, "Runs"), summary), form, message,
      h("div", { class: "actions" }, compareButton, clearButton),
      h("div", { class: "table-wrap" }, table), pager);
    load();
  }

  function readRunsState() {
    const q = new URLSearchParams(window.location.search);
    return {
      where: q.get("where") || "",
      sort: q.get("sort") || "",
      columns: (q.get("columns") || "").split(",").filter(Boolean),
      offset: Math.max(0, parseInt(q.get("offset") || "0", 10) || 0),
      limit: Math.min(500, Math.max(1, parseInt(q.get("limit") || "50", 10) || 50)),
      branch: q.get("branch") === "." ? "." : "",
      shown: [],
    };
  }

  function runsSearch(state, forApi) {
    const q = new URLSearchParams();
    if (state.where) q.set("where", state.where);
    if (state.sort) q.set("sort", state.sort);
    if (state.columns.length) q.set("columns", state.columns.join(","));
    if (state.offset) q.set("offset", String(state.offset));
    if (state.limit !== 50 || forApi) q.set("limit", String(state.limit));
    if (state.branch) q.set("branch", state.branch);
    return q;
  }

  // --- one run -----------------------------------------------------------------------

  async function runPage() {
    const id = body.dataset.run;
    try {
      const detail = await api(`/api/runs/${encodeURIComponent(id)}`);
      show(renderRun(detail, { live: true }));
      drawPendingCharts();
    } catch (err) {
      show(errorBox(err.message));
    }
  }

  const pendingCharts = [];

  function drawPendingCharts() {
    while (pendingCharts.length) pendingCharts.shift()();
  }

  function metricCharts(history, label, colorIndex) {
    const names = Object.keys(history).filter((n) => history[n].steps.length > 1).sort();
    if (!names.length) return h("p", { class: "empty" }, "no per-step history (only final values)");
    const grid = h("div", { class: "chart-grid" });
    names.forEach((name) => {
      const target = h("div", { class: "chart", dataset: { metric: name } });
      grid.appendChild(target);
      const draw = () => lineChart(target, [{
        label, color: color(colorIndex || 0), steps: history[name].steps, values: history[name].values,
      }], { title: name, height: 220 });
      pendingCharts.push(() => { draw(); fitOnResize(target, draw); });
    });
    return grid;
  }

  function renderRun(detail, opts) {
    const options = opts || {};
    const run = detail.run;
    const src = run.code || {};
    const user = run.user || {};
    const stats = run.metric_stats || {};
    const metrics = run.metrics || {};
    const summaryRows = [
      ["id", code(run.id)],
      ["status", [statusBadge(run.status), ` exit ${num(run.exit_code)}`]],
      ["started", `${when(run.started)} (${duration(run.duration_s)})`],
      ["command", code((run.command || []).join(" "))],
      ["cwd", run.cwd],
      ["user", `${user.name || ""} <${user.email || ""}> on ${run.host || ""}`],
    ];
    if (run.message) summaryRows.push(["message", run.message]);
    if (run.sweep) {
      summaryRows.push(["sweep", REPORT ? run.sweep
        : h("a", { href: `/compare?sweep=${encodeURIComponent(run.sweep)}` }, run.sweep)]);
    }
    if (detail.parent) {
      summaryRows.push(["rerun of", h("a", { href: runHref(detail.parent.id) }, `${detail.parent.name} (${detail.parent.id})`)]);
    }
    const rerunCell = h("span", { class: "reruns" });
    const fillReruns = (list) => append(rerunCell, list.length ? list.map((r, i) => [i ? ", " : "",
      h("a", { href: runHref(r.id) }, `${r.name} (${r.status})`)]) : "none");
    if (detail.reruns) {
      if (detail.reruns.length) summaryRows.push(["reruns", rerunCell]);
      fillReruns(detail.reruns);
    } else if (options.live) {
      summaryRows.push(["reruns", rerunCell]);
      const query = new URLSearchParams({ where: `parent = '${run.id}'`, columns: "status", limit: "100" });
      api(`/api/runs?${query.toString()}`)
        .then((page) => fillReruns(page.rows.map((r) => ({ id: r.id, name: r.name, status: r.cells[0] }))))
        .catch((err) => append(rerunCell, err.message));
    }
    Object.entries(run.tags || {}).sort().forEach(([k, v]) => summaryRows.push([`tag ${k}`, v]));

    const metricNames = Array.from(new Set([...Object.keys(metrics), ...Object.keys(stats)])).sort();
    const metricTable = metricNames.length ? h("table", { class: "grid" },
      h("thead", null, h("tr", null, ["metric", "last", "min", "max", "steps"].map((t) => h("th", null, t)))),
      h("tbody", null, metricNames.map((name) => {
        const st = stats[name] || {};
        return h("tr", null, h("th", { scope: "row" }, name), h("td", { class: "num" }, num(metrics[name])),
          h("td", { class: "num" }, num(st.min)), h("td", { class: "num" }, num(st.max)),
          h("td", { class: "num" }, num(st.steps)));
      }))) : h("p", { class: "empty" }, "no metrics");

    const params = Object.entries(run.params || {}).sort(([a], [b]) => (a < b ? -1 : 1));
    const codeRows = [
      ["commit", code(src.commit || "")],
      ["branch", src.branch || "(detached)"],
      ["checkpoint", code(src.checkpoint || "")],
      ["dirty", src.dirty ? "yes: ran with uncommitted changes" : "no"],
    ];
    const ds = src.diffstat || {};
    if (src.dirty) codeRows.push(["diffstat", `${num(ds.files)} files, +${num(ds.insertions)} −${num(ds.deletions)}`]);
    if ((src.modified || []).length) codeRows.push(["modified", (src.modified || []).join(", ")]);
    if ((src.untracked || []).length) codeRows.push(["untracked", (src.untracked || []).join(", ")]);
    (src.skipped || []).forEach((sk) => codeRows.push(["not in checkpoint", `${sk.path} (${sk.reason})`]));
    const codeSection = section("Code", kvTable(codeRows));
    if (options.live && src.commit && src.checkpoint && src.commit !== src.checkpoint) {
      const diffBox = h("div", { class: "diff-box" });
      const button = h("button", { type: "button", id: "show-diff" }, "Show the diff of the checkpoint against its commit");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const diff = await api(`/api/runs/${encodeURIComponent(run.id)}/diff`);
          clear(diffBox);
          if (diff.error) diffBox.appendChild(errorBox(diff.error));
          else diffBox.appendChild(renderPatch(diff.patch, diff.truncated));
          button.remove();
        } catch (err) {
          diffBox.appendChild(errorBox(err.message));
        }
      });
      append(codeSection, [button, diffBox]);
    }

    const io = (title, table) => {
      const rows = Object.entries(table || {}).sort();
      return rows.length ? h("div", null, h("h3", null, title), kvTable(rows.map(([k, v]) => [k, code(v)]), "digests")) : null;
    };
    const env = run.env || {};
    const envRows = Object.entries(env).filter(([k]) => k !== "packages").sort()
      .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : num(v)]);
    const pkgs = env.packages || {};
    if (pkgs.digest) envRows.push(["packages", `${num(pkgs.count)} (${pkgs.digest})`]);
    const envSection = section("Environment", kvTable(envRows));
    if (options.live && pkgs.digest) {
      const list = h("details", { class: "packages" }, h("summary", null, "installed packages"));
      list.addEventListener("toggle", async () => {
        if (!list.open || list.dataset.loaded) return;
        list.dataset.loaded = "1";
        try {
          const data = await api(`/api/runs/${encodeURIComponent(run.id)}/packages`);
          list.appendChild(h("pre", null, data.packages.join("\n")));
        } catch (err) {
          list.appendChild(errorBox(err.message));
        }
      });
      envSection.appendChild(list);
    }

    return h("article", { class: "run", id: `run-${run.id}`, dataset: { run: run.id } },
      h("div", { class: "page-head" }, h("h1", null, run.name), statusBadge(run.status)),
      section("Summary", kvTable(summaryRows)),
      section("Metrics", metricTable, metricCharts(detail.history || {}, run.name, options.colorIndex)),
      section("Params", kvTable(params.map(([k, v]) => [k, num(v)]), "params")),
      codeSection,
      (Object.keys(run.inputs || {}).length || Object.keys(run.outputs || {}).length)
        ? section("Inputs and outputs", io("inputs", run.inputs), io("outputs", run.outputs)) : null,
      envSection);
  }

  function renderPatch(patch, truncated) {
    if (!patch) return h("p", { class: "empty" }, "no difference");
    const pre = h("pre", { class: "patch" });
    patch.split("\n").slice(0, 20000).forEach((line) => {
      let cls = null;
      if (line.startsWith("+") && !line.startsWith("+++")) cls = "add";
      else if (line.startsWith("-") && !line.startsWith("---")) cls = "del";
      else if (line.startsWith("@@")) cls = "hunk";
      else if (line.startsWith("diff ")) cls = "file";
      pre.appendChild(h("span", { class: cls }, line + "\n"));
    });
    return h("div", null, pre, truncated ? h("p", { class: "empty" }, "(diff truncated)") : null);
  }

  // --- compare -----------------------------------------------------------------------

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

  function renderCompare(data, title) {
    const runs = data.runs;
    const histories = data.histories || {};
    const metricNames = Array.from(new Set(runs.flatMap((r) => [
      ...Object.keys(histories[r.id] || {}), ...Object.keys(r.metrics || {}),
    ]))).sort();
    const multi = metricNames.filter((m) => runs.some((r) => ((histories[r.id] || {})[m] || { steps: [] }).steps.length > 1));
    const legend = h("table", { class: "grid legend" },
      h("thead", null, h("tr", null, ["", "run", "id", "status", "sweep"].map((t) => h("th", null, t)))),
      h("tbody", null, runs.map((r, i) => h("tr", null,
        h("td", null, h("span", { class: "swatch", style: { background: color(i) } })),
        h("td", null, h("a", { href: runHref(r.id) }, r.name)),
        h("td", null, code(r.id)), h("td", null, statusBadge(r.status)), h("td", null, r.sweep || "")))));

    const select = h("select", { id: "metric-select", "aria-label": "metric" },
      (multi.length ? multi : metricNames).map((m) => h("option", { value: m }, m)));
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
      h("div", { class: "page-head" }, h("h1", null, title), h("span", { class: "summary" }, `${runs.length} runs`)),
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
      section("Runs", legend),
      codeRows.length ? section(`Code against ${runs[0].name}`, kvTable(codeRows)) : null,
      inputs.length ? section("Inputs", h("table", { class: "grid" }, h("thead", null, header.cloneNode(true)),
        h("tbody", null, inputs.map(([k, vs]) => h("tr", null, h("th", { scope: "row" }, k), vs.map((v) => h("td", null, code(v || "")))))))) : null);
  }

  // --- data, registry, monitoring -----------------------------------------------------

  async function listPage(title, path, key, renderItem) {
    try {
      const data = await api(path);
      const items = data[key] || [];
      show(h("div", { class: "page-head" }, h("h1", null, title)),
        items.length ? h("div", { class: "cards" }, items.map(renderItem)) : emptyState(data.empty || "nothing yet"));
    } catch (err) {
      show(h("h1", null, title), errorBox(err.message));
    }
  }

  function dataPage() {
    return listPage("Data", "/api/data", "datasets", (d) => section(d.name,
      h("a", { href: `/data/${encodeURIComponent(d.name)}` }, `${num(d.versions)} versions`)));
  }

  function registryPage() {
    return listPage("Registry", "/api/registry", "models", (m) => section(m.name,
      h("a", { href: `/registry/${encodeURIComponent(m.name)}` }, "versions and stages")));
  }

  function monitorPage() {
    return listPage("Monitoring", "/api/monitor", "reports", (r) => section(`${r.model} ${r.version || ""}`,
      h("p", null, when(r.created))));
  }

  // --- report ------------------------------------------------------------------------

  function reportPage() {
    const data = reportData();
    const cmp = data.comparison;
    const details = data.details || [];
    const parts = [];
    if (cmp.runs.length > 1) {
      parts.push(renderCompare(cmp, data.title));
    } else {
      parts.push(h("div", { class: "page-head" }, h("h1", null, data.title)));
    }
    if (data.matched > cmp.runs.length) {
      parts.push(h("p", { class: "empty" }, `${data.matched} runs matched; this report holds ${cmp.runs.length}.`));
    }
    details.forEach((d, i) => parts.push(renderRun(d, { live: false, colorIndex: i })));
    parts.push(h("p", { class: "generated" }, `generated ${data.generated} by gitml`));
    show(parts);
    drawPendingCharts();
  }

  // --- start -------------------------------------------------------------------------

  async function header() {
    const slot = document.getElementById("repo-name");
    if (!slot || REPORT) return;
    try {
      const data = await api("/api/summary");
      slot.textContent = data.branch ? `${data.repository} · ${data.branch}` : data.repository;
    } catch (_err) {
      /* the page itself reports errors */
    }
  }

  const PAGES = {
    runs: runsPage,
    run: runPage,
    compare: comparePage,
    data: dataPage,
    registry: registryPage,
    monitor: monitorPage,
    report: reportPage,
  };
  const start = PAGES[body.dataset.page];
  if (start) {
    header();
    start();
  }
})();
