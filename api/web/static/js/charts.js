// Small horizontal bar charts drawn as inline SVG (no chart library).
import { el, fmt, t } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
let chartCount = 0;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A <figure> with a horizontal bar chart of `bars` ([{label, value, alt?}]).
 * The SVG is an image with a text alternative listing every bar, so screen
 * readers get the numbers; `format` formats values (default: integers).
 */
export function barChart(title, bars, { format = (v) => fmt(v, 0), max, id } = {}) {
  const figureId = id || `chart-${++chartCount}`;
  const caption = el("figcaption", { id: `${figureId}-title` }, title);
  if (!bars.length) return el("figure", { class: "chart", id: figureId }, caption, el("p", { class: "muted" }, t("chart_no_data")));
  const rowHeight = 18, gap = 4, labelWidth = 120, valueWidth = 56, width = 420;
  const height = bars.length * (rowHeight + gap) + gap;
  const top = (max ?? Math.max(...bars.map((b) => b.value), 0)) || 1;
  const plot = width - labelWidth - valueWidth;
  const summary = bars.map((b) => t("chart_summary_bar", { label: b.label, value: format(b.value) })).join("; ");
  const image = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${figureId}-title ${figureId}-desc` });
  image.append(svg("desc", { id: `${figureId}-desc` }, summary));
  bars.forEach((bar, k) => {
    const y = gap + k * (rowHeight + gap);
    const label = String(bar.label);
    image.append(svg("text", { x: labelWidth - 6, y: y + rowHeight * 0.72, "text-anchor": "end" },
      label.length > 18 ? `${label.slice(0, 17)}…` : label));
    image.append(svg("rect", {
      class: bar.alt ? "bar alt" : "bar", x: labelWidth, y, height: rowHeight,
      width: Math.max(bar.value > 0 ? 1 : 0, (bar.value / top) * plot),
    }));
    image.append(svg("text", { x: labelWidth + (bar.value / top) * plot + 4, y: y + rowHeight * 0.72 }, format(bar.value)));
  });
  image.append(svg("line", { class: "axis", x1: labelWidth, x2: labelWidth, y1: 0, y2: height }));
  return el("figure", { class: "chart", id: figureId }, caption, image);
}

/** Equal-width histogram bins of `values` between lo and hi: [{label, value}]. */
export function histogram(values, { bins = 10, lo, hi, digits = 2 } = {}) {
  if (!values.length) return [];
  lo = lo ?? Math.min(...values);
  hi = hi ?? Math.max(...values);
  if (hi <= lo) return [{ label: fmt(lo, digits), value: values.length }];
  const width = (hi - lo) / bins;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  return counts.map((value, k) => ({ label: `${fmt(lo + k * width, digits)}–${fmt(lo + (k + 1) * width, digits)}`, value }));
}
