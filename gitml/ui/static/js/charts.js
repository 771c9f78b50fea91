/* Charts: uPlot line charts (smoothing, log scale) and SVG parallel coordinates. */

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

/* Final values of one metric, one horizontal bar per run: a metric recorded once per run
   has no curve, and a lone dot on a step axis says nothing. bars = [{label, color, value}]. */
function barChart(target, bars, opts) {
  const options = opts || {};
  clear(target);
  const shown = bars.filter((b) => typeof b.value === "number" && Number.isFinite(b.value));
  target.dataset.series = String(shown.length);
  target.dataset.kind = "bars";
  if (!shown.length) {
    append(target, h("p", { class: "empty" }, "no values"));
    return null;
  }
  const width = Math.max(320, target.clientWidth || 640);
  const rowHeight = 28;
  const top = options.title ? 30 : 8;
  const left = Math.min(220, 12 + 7 * Math.max(...bars.map((b) => String(b.label).length)));
  const right = 90;
  const height = top + rowHeight * bars.length + 8;
  const values = shown.map((b) => b.value);
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const x = (v) => left + (hi === lo ? 0 : ((v - lo) / (hi - lo)) * (width - left - right));
  const svg = s("svg", {
    width, height, viewBox: `0 0 ${width} ${height}`, class: "bars", role: "img",
    "aria-label": `${options.title || "metric"}: final value per run`,
  });
  if (options.title) {
    svg.appendChild(s("text", { x: width / 2, y: 18, "text-anchor": "middle", class: "bars-title" }, options.title));
  }
  svg.appendChild(s("line", { x1: x(0), x2: x(0), y1: top - 4, y2: height - 4, class: "bars-zero" }));
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    svg.appendChild(s("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "tick" }, bar.label));
    if (typeof bar.value !== "number" || !Number.isFinite(bar.value)) {
      svg.appendChild(s("text", { x: left + 4, y: y + 17, class: "tick" }, "no value"));
      return;
    }
    const x0 = Math.min(x(0), x(bar.value));
    const rect = s("rect", {
      x: x0, y: y + 4, width: Math.max(1, Math.abs(x(bar.value) - x(0))), height: rowHeight - 8,
      fill: bar.color, class: "bar", "data-value": String(bar.value),
    });
    append(rect, s("title", null, `${bar.label}: ${num(bar.value)}`));
    svg.appendChild(rect);
    svg.appendChild(s("text", { x: Math.max(x(0), x(bar.value)) + 6, y: y + 17, class: "tick" }, num(bar.value)));
  });
  append(target, svg);
  return svg;
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
