/* The report page and the start: one renderer per page, picked by <body data-page>. */

function reportPage() {
  const data = reportData();
  const cmp = data.comparison;
  const details = data.details || [];
  const parts = [];
  if (cmp.runs.length > 1) {
    parts.push(renderCompare(cmp, data.title));
  } else {
    parts.push(pageHead(data.title));
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
  dataset: datasetPage,
  registry: registryPage,
  model: modelPage,
  monitor: monitorPage,
  "monitor-model": monitorModelPage,
  pipeline: pipelinePage,
  lineage: lineagePage,
  report: reportPage,
};
const start = PAGES[body.dataset.page];
if (start) {
  header();
  // A page that fails while it draws says so, in the same box as a failed fetch.
  Promise.resolve()
    .then(start)
    .catch((err) => show(h("h1", null, document.title), errorBox(err.message)));
}
