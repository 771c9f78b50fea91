/* Shared helpers: DOM building with text nodes only, formatting, the JSON API. */

const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  "#1f4e79", "#b35c00", "#8c1c1d", "#3b7f7a", "#2e6b28",
  "#a88a00", "#6f3f67", "#c25b6a", "#5e4434", "#6b6660",
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

// A table's header row: one column title a cell.
function gridHead(columns) {
  return h("thead", null, h("tr", null, columns.map((t) => h("th", null, t))));
}

// A table of class "grid" (id `id` unless null): a header row of `columns` over `rows`.
function gridTable(id, columns, rows) {
  return h("table", { class: "grid", id }, gridHead(columns), h("tbody", null, rows));
}

// A page's heading, with a line of summary text beside it when one is given.
function pageHead(title, summary) {
  return h("div", { class: "page-head" }, h("h1", null, title),
    summary === undefined ? null : h("span", { class: "summary" }, summary));
}

// "1 model", "3 models".
function counted(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
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

// A page with nothing to show yet: its heading and the server's hint.
function showEmpty(title, hint) {
  show(pageHead(title), emptyState(hint));
}

// The JSON at `path` for a page titled `title`; null once a failure is shown instead.
async function pageData(path, title) {
  try {
    return await api(path);
  } catch (err) {
    show(h("h1", null, title), errorBox(err.message));
    return null;
  }
}

// The JSON of a listing page; null once a failure, or the page's empty state when
// `items` of it is empty, is shown instead.
async function listPageData(path, title, items) {
  const data = await pageData(path, title);
  if (data === null) return null;
  if (!items(data).length) {
    showEmpty(title, data.empty);
    return null;
  }
  return data;
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
