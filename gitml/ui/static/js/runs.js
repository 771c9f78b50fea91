/* The runs table (filter, sort, columns, paging, selection) and the page of one run. */

const SELECTED_KEY = "gitml.selected";
const HIDDEN_COUNT_CAP = 1000; // gitml.runs.HIDDEN_COUNT_CAP: a count past it means "more than"

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
        const hidden = data.hidden_other_branches;
        const many = hidden > HIDDEN_COUNT_CAP ? `more than ${HIDDEN_COUNT_CAP}` : `${hidden}`;
        message.appendChild(h("p", { class: "empty-state" },
          `${many} run(s) on other branches: `, link));
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
        const text = cell(col, value);
        tr.appendChild(h("td", {
          class: typeof value === "number" ? "num" : null, title: text.length > 40 ? text : null,
        }, content));
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
    summaryRows.push([run.rerun ? "rerun of" : "parent run", h("a", { href: runHref(detail.parent.id) }, `${detail.parent.name} (${detail.parent.id})`)]);
  }
  const rerunCell = h("span", { class: "reruns" });
  const fillReruns = (list) => append(rerunCell, list.length ? list.map((r, i) => [i ? ", " : "",
    h("a", { href: runHref(r.id) }, `${r.name} (${r.status})`)]) : "none");
  if (detail.reruns) {
    if (detail.reruns.length) summaryRows.push(["reruns", rerunCell]);
    fillReruns(detail.reruns);
  } else if (options.live) {
    summaryRows.push(["reruns", rerunCell]);
    const query = new URLSearchParams({ where: `parent = '${run.id}' and rerun.verdict is not null`, columns: "status", limit: "100" });
    api(`/api/runs?${query.toString()}`)
      .then((page) => fillReruns(page.rows.map((r) => ({ id: r.id, name: r.name, status: r.cells[0] }))))
      .catch((err) => append(rerunCell, err.message));
  }
  Object.entries(run.tags || {}).sort().forEach(([k, v]) => summaryRows.push([`tag ${k}`, v]));
  if (run.stage) {
    summaryRows.push(["stage", [code(`${run.stage.file}:${run.stage.name}`), run.stage.pipeline ? [" of pipeline run ",
      h("a", { href: runHref(run.stage.pipeline) }, run.stage.pipeline)] : null]]);
  }
  if (!REPORT) summaryRows.push(["lineage", h("a", { href: `/lineage?target=${encodeURIComponent(run.id)}` }, "where it came from, what came of it")]);

  const metricNames = Array.from(new Set([...Object.keys(metrics), ...Object.keys(stats)])).sort();
  const metricTable = metricNames.length ? gridTable(null, ["metric", "last", "min", "max", "steps"],
    metricNames.map((name) => {
      const st = stats[name] || {};
      return h("tr", null, h("th", { scope: "row" }, name), h("td", { class: "num" }, num(metrics[name])),
        h("td", { class: "num" }, num(st.min)), h("td", { class: "num" }, num(st.max)),
        h("td", { class: "num" }, num(st.steps)));
    })) : h("p", { class: "empty" }, "no metrics");

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

  const io = (title, table, linkData) => {
    const rows = Object.entries(table || {}).sort();
    const label = (k) => (linkData && !REPORT ? h("a", { href: `/data/${encodeURIComponent(k)}` }, k) : k);
    return rows.length ? h("div", null, h("h3", null, title),
      kvTable(rows.map(([k, v]) => [label(k), code(v)]), "digests")) : null;
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
    run.pipeline ? section("Pipeline stages", gridTable("pipeline-stages", ["stage", "action", "run", "why"],
      (run.pipeline.stages || []).map((st) => h("tr", null, h("th", { scope: "row" }, st.stage),
        h("td", null, st.action), h("td", null, st.run ? h("a", { href: runHref(st.run) }, st.run) : ""),
        h("td", null, (st.reasons || []).join("; ")))))) : null,
    renderPlots(detail.plots, [run.id]),
    renderMedia(run.id, mediaEntries(run, detail.media)),
    codeSection,
    (Object.keys(run.inputs || {}).length || Object.keys(run.outputs || {}).length)
      ? section("Inputs and outputs", io("inputs", run.inputs, true), io("outputs", run.outputs)) : null,
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
