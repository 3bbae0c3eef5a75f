// Matching: run a match job with a live progress bar, the sortable result
// table with each pair's explanation, pins and forbids, quality charts.
import {
  LANG, allItems, api, download, el, fmt, fmtTime, followJob, requireToken, showError, showMessage, sortableTable, t,
} from "./common.js";
import { barChart, histogram } from "./charts.js";

const eventId = document.getElementById("event-title").dataset.eventId;
const base = `/api/v1/events/${encodeURIComponent(eventId)}`;
const $ = (id) => document.getElementById(id);
const COMPONENT_LABELS = Object.fromEntries(
  JSON.parse($("components").textContent).map((c) => [c.name, c.label]));

let pairs = [];
let locks = [];
let participants = null;

// ---- run ----------------------------------------------------------------------

async function run() {
  const buttons = [$("run-button"), $("rerun-button")];
  buttons.forEach((b) => { b.disabled = true; });
  $("run-error").replaceChildren();
  const bar = $("job-progress");
  bar.value = 0;
  try {
    const job = await api(`${base}/jobs`, {
      method: "POST",
      json: {
        kind: "match", round: Math.max(0, parseInt($("round-number").value, 10) || 0), objective: $("objective").value,
        ...($("learning").checked ? { learning: true } : {}),
      },
    });
    const done = await followJob(job.id, { bar, status: $("job-status") });
    await loadResults(done.result_id);
  } catch (err) {
    showError($("run-error"), err);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

$("run-form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
$("rerun-button").addEventListener("click", run);

// ---- locks ------------------------------------------------------------------

function lockKey(left, right) { return `${left}\u0000${right}`; }

function renderLocks() {
  const list = $("lock-list");
  if (!locks.length) {
    list.replaceChildren(el("li", { class: "muted" }, t("locks_empty")));
    return;
  }
  list.replaceChildren(...locks.map((lock) => el("li", { dataset: { kind: lock.kind } },
    el("span", { class: `badge ${lock.kind}` }, t(lock.kind)), " ",
    `${lock.left} – ${lock.right} `,
    el("button", {
      type: "button", class: "danger small", "aria-label": `${t("remove")}: ${lock.left} – ${lock.right}`,
      onclick: () => removeLock(lock.id),
    }, t("remove")))));
}

async function loadLocks() {
  try {
    locks = await allItems(`${base}/locks`);
  } catch (err) {
    showError($("lock-status"), err);
    locks = [];
  }
  renderLocks();
}

async function addLock(left, right, kind) {
  try {
    await api(`${base}/locks`, { method: "POST", json: { round: 0, left, right, kind } });
    showMessage($("lock-status"), t("lock_added", { left, right, kind: t(`kind_${kind}`) }));
    await loadLocks();
  } catch (err) {
    showError($("lock-status"), err);
  }
}

async function removeLock(id) {
  try {
    await api(`${base}/locks/${encodeURIComponent(id)}`, { method: "DELETE" });
    await loadLocks();
  } catch (err) {
    showError($("lock-status"), err);
  }
}

$("lock-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const left = $("lock-left").value.trim(), right = $("lock-right").value.trim();
  if (!left || !right) { (left ? $("lock-right") : $("lock-left")).focus(); return; }
  addLock(left, right, $("lock-kind").value);
});

// ---- results --------------------------------------------------------------------

function reasonsOf(row) {
  return row.reasons || row[`reasons_${LANG}`] || row.reasons_en || [];
}

/** The learned part of a pair planned with learning, next to its profile part (none otherwise). */
function learnedPart(row) {
  const learned = row.learned;
  if (!learned) return null;
  const pct = (v) => `${fmt(100 * v, 0)}%`;
  const points = 100 * learned.learned;
  return el("section", { class: "learned" },
    el("h4", {}, t("learned_title")),
    el("table", {},
      el("tbody", {},
        el("tr", {}, el("th", { scope: "row" }, t("learned_profile_part")), el("td", { class: "num" }, pct(learned.profile_probability))),
        el("tr", {}, el("th", { scope: "row" }, t("learned_full")), el("td", { class: "num" }, pct(learned.probability))),
        el("tr", {}, el("th", { scope: "row" }, t("learned_part")),
          el("td", { class: "num learned-delta" }, t("learned_points", { points: `${points >= 0 ? "+" : ""}${fmt(points, 0)}` }))))),
    el("ul", { class: "reasons learned-reasons" },
      (learned.reasons || learned[`reasons_${LANG}`] || []).map((r) => el("li", {}, r))));
}

function explanationRow(row, id) {
  const contributions = (row.contributions || []).filter((c) => c.weight > 0);
  return el("tr", { class: "explain", id },
    el("td", { colspan: 6 },
      el("ul", { class: "reasons" }, reasonsOf(row).map((r) => el("li", {}, r))),
      learnedPart(row),
      contributions.length ? el("table", {},
        el("caption", {}, t("contributions")),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, t("component")),
          el("th", { scope: "col", class: "num" }, t("value")),
          el("th", { scope: "col", class: "num" }, t("weight")),
          el("th", { scope: "col", class: "num" }, t("contribution")))),
        el("tbody", {}, contributions.map((c) => el("tr", {},
          el("td", {}, COMPONENT_LABELS[c.component] || (c.component === "wish" ? t("component_wish") : c.label || c.component)),
          el("td", { class: "num" }, fmt(c.value)),
          el("td", { class: "num" }, fmt(c.weight)),
          el("td", { class: "num" }, fmt(c.contribution)))))) : null));
}

function renderPairs(rows) {
  const tbody = document.querySelector("#pairs-table tbody");
  const pinned = new Set(locks.filter((l) => l.kind === "pin").map((l) => lockKey(l.left, l.right)));
  tbody.replaceChildren(...rows.flatMap((row, k) => {
    const explainId = `explain-${k}`;
    const label = `${row.left_id} – ${row.right_id}`;
    const why = el("button", {
      type: "button", class: "secondary small why", "aria-expanded": "false", "aria-controls": explainId,
      "aria-label": `${t("why")}: ${label}`,
    }, t("why"));
    const detail = explanationRow(row, explainId);
    detail.hidden = true;
    why.addEventListener("click", () => {
      const open = why.getAttribute("aria-expanded") !== "true";
      why.setAttribute("aria-expanded", String(open));
      detail.hidden = !open;
    });
    const isPinned = row.required || pinned.has(lockKey(row.left_id, row.right_id));
    return [el("tr", { class: "pair", dataset: { left: row.left_id, right: row.right_id } },
      el("td", {}, el("span", {}, row.left_id), el("br"), el("span", { class: "muted" }, row.left_organization || "")),
      el("td", {}, el("span", {}, row.right_id), el("br"), el("span", { class: "muted" }, row.right_organization || "")),
      el("td", { class: "num score" }, fmt(row.score)),
      el("td", { class: "num" }, row.rank_for_left),
      el("td", { class: "num" }, row.rank_for_right),
      el("td", {}, el("div", { class: "actions" },
        why,
        isPinned ? el("span", { class: "badge pin" }, t("required_pair")) : el("button", {
          type: "button", class: "secondary small pin", "aria-label": `${t("pin")}: ${label}`,
          onclick: () => addLock(row.left_id, row.right_id, "pin"),
        }, t("pin")),
        el("button", {
          type: "button", class: "danger small forbid", "aria-label": `${t("forbid")}: ${label}`,
          onclick: () => addLock(row.left_id, row.right_id, "forbid"),
        }, t("forbid"))))),
    detail];
  }));
}

const sortPairs = sortableTable($("pairs-table"), { rows: () => pairs, render: renderPairs });

function renderSummary(summary) {
  const checks = summary.checks || [];
  const figures = [
    [t("figure_pairs"), fmt(summary.pairs, 0)],
    [t("figure_total"), fmt(summary.total_score)],
    [t("figure_mean"), fmt(summary.mean_score)],
    [t("figure_min"), fmt(summary.min_score)],
    [t("figure_left_matched"), summary.left ? `${summary.left.matched} / ${summary.left.participants}` : "–"],
    [t("figure_right_matched"), summary.right ? `${summary.right.matched} / ${summary.right.participants}` : "–"],
    [t("figure_status"), `${summary.status ?? ""} (${summary.solver ?? ""})`],
    [t("figure_checks"), checks.length ? (checks.every((c) => c.ok) ? t("checks_ok") : t("checks_failed")) : "–"],
  ];
  if (summary.learning?.used) {
    figures.push([t("figure_expected_mutual"),
      `${fmt(summary.learning.expected_mutual_yes, 1)} / ${fmt(summary.learning.expected_mutual_yes_profile_only, 1)}`]);
  }
  $("summary").replaceChildren(...figures.map(([label, value]) =>
    el("li", {}, el("span", { class: "value" }, value), el("span", { class: "label" }, label))));
}

async function loadUnmatched(resultId) {
  try {
    const rows = await allItems(`/api/v1/results/${resultId}/unmatched`);
    $("unmatched").replaceChildren(...(rows.length ? [
      el("h3", {}, `${t("unmatched_title")} (${rows.length})`),
      el("ul", {}, rows.slice(0, 50).map((r) => el("li", {}, `${r.id} ${r.organization || ""} — ${r.reason}`))),
    ] : []));
  } catch {
    $("unmatched").replaceChildren();
  }
}

/** Every participant of the event (for grouping), loaded once. */
async function loadParticipants() {
  if (!participants) participants = await allItems(`${base}/participants`);
  return participants;
}

/** The group of a participant for the coverage chart, by the chosen field. */
function groupOf(p, field) {
  const value = p[field];
  if (value === null || value === undefined || value === "") return "unknown";
  return field === "industry" ? String(value).slice(0, 1) : String(value);
}

const GROUP_FIELDS = ["role", "maturity_stage", "industry", "region"];
let quality = null;

function renderQualityFigures() {
  const q = quality || {};
  const pct = (v) => (v === null || v === undefined ? "–" : `${fmt(100 * v, 1)}%`);
  const figures = [
    [t("q_coverage_left"), pct(q.left?.coverage ?? q.coverage?.left)],
    [t("q_coverage_right"), pct(q.right?.coverage ?? q.coverage?.right)],
    [t("q_score_median"), fmt(q.percentiles?.p50 ?? q.score?.median)],
    [t("q_first_choice_left"), pct(q.left?.rank?.top1_share ?? q.first_choice_rate?.left)],
    [t("q_first_choice_right"), pct(q.right?.rank?.top1_share ?? q.first_choice_rate?.right)],
    [t("q_mutual_yes"), pct(q.feedback?.mutual_yes_rate)],
  ];
  if (q.blocking_pairs !== undefined) figures.push([t("q_blocking"), fmt(q.blocking_pairs, 0)]);
  if (q.right?.partners_gini !== undefined) figures.push([t("q_gini_right"), fmt(q.right.partners_gini, 2)]);
  $("quality-figures").replaceChildren(...figures.map(([label, value]) =>
    el("li", {}, el("span", { class: "value" }, value), el("span", { class: "label" }, label))));
}

/** The group-by choices: the report's grouped attributes, else fields of the participants. */
function fillGroupChoices() {
  const rows = quality?.charts?.coverage_by_group;
  const fields = rows?.length ? [...new Set(rows.map((r) => r.attribute))] : GROUP_FIELDS;
  const select = $("group-by");
  const chosen = select.value;
  select.replaceChildren(...fields.map((f) => el("option", { value: f }, t(`group_${f}`) === `group_${f}` ? f : t(`group_${f}`))));
  const preferred = ["size_class", "maturity_stage", "role"].find((f) => fields.includes(f)) || fields[0];
  select.value = fields.includes(chosen) ? chosen : preferred;
}

async function renderQuality(resultId) {
  try {
    quality = await api(`/api/v1/results/${resultId}/quality`);
  } catch {
    quality = null;
  }
  renderQualityFigures();
  fillGroupChoices();
  await renderCharts();
}

/** Chart data from the quality report (matching.metrics), or computed here from the pairs. */
async function chartData(field) {
  const charts = quality?.charts;
  const sideName = (side) => (side === "left" ? t("col_left") : t("col_right"));
  if (charts?.score_histogram && charts.coverage_by_group && charts.meetings_per_participant) {
    const { edges, counts } = charts.score_histogram;
    return {
      scores: counts.map((value, k) => ({ label: `${fmt(edges[k], 2)}–${fmt(edges[k + 1], 2)}`, value })),
      coverage: charts.coverage_by_group.filter((r) => r.attribute === field)
        .map((r) => ({ label: `${sideName(r.side)}: ${r.group}`, value: 100 * (r.coverage ?? 0), alt: r.side === "right" })),
      meetings: ["left", "right"].flatMap((side) => (charts.meetings_per_participant[side] || [])
        .map((value, k) => ({ label: `${sideName(side)}: ${k}`, value, alt: side === "right" }))
        .filter((bar) => bar.value > 0)),
    };
  }
  const people = await loadParticipants();
  const round = (await api(`${base}/rules`)).rounds[0];
  const degree = new Map();
  for (const p of pairs) {
    degree.set(`left${p.left_id}`, (degree.get(`left${p.left_id}`) || 0) + 1);
    degree.set(`right${p.right_id}`, (degree.get(`right${p.right_id}`) || 0) + 1);
  }
  const coverage = [], meetings = [];
  for (const [side, roles] of [["left", round.left_roles], ["right", round.right_roles]]) {
    const members = people.filter((p) => roles.includes(p.role));
    const groups = new Map(), counts = new Map();
    for (const p of members) {
      const g = groupOf(p, field), k = degree.get(`${side}${p.id}`) || 0;
      const entry = groups.get(g) || { n: 0, matched: 0 };
      entry.n += 1;
      entry.matched += k > 0 ? 1 : 0;
      groups.set(g, entry);
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    for (const g of [...groups.keys()].sort()) {
      coverage.push({ label: `${sideName(side)}: ${g}`, value: (100 * groups.get(g).matched) / groups.get(g).n, alt: side === "right" });
    }
    for (const k of [...counts.keys()].sort((a, b) => a - b)) {
      meetings.push({ label: `${sideName(side)}: ${k}`, value: counts.get(k), alt: side === "right" });
    }
  }
  return { scores: histogram(pairs.map((p) => p.score), { bins: 8 }), coverage, meetings };
}

async function renderCharts() {
  const data = await chartData($("group-by").value);
  $("charts").replaceChildren(
    barChart(t("chart_scores"), data.scores, { id: "chart-scores" }),
    barChart(t("chart_coverage"), data.coverage, { max: 100, format: (v) => `${fmt(v, 0)}%`, id: "chart-coverage" }),
    barChart(t("chart_meetings"), data.meetings, { id: "chart-meetings" }));
}

$("group-by").addEventListener("change", () => { renderCharts().catch((err) => showError($("results-status"), err)); });

// The latest call of showResult and of loadResults: an older call answered late (the page's first
// load, slow, after a run's result is shown) must not draw its result over the newer one.
let showing = 0;
let listing = 0;

async function showResult(resultId) {
  const mine = ++showing;
  $("results-status").replaceChildren();
  try {
    const [summary, rows] = await Promise.all([
      api(`/api/v1/results/${resultId}`),
      allItems(`/api/v1/results/${resultId}/pairs?lang=${LANG}`),
    ]);
    if (mine !== showing) return;
    pairs = rows;
    renderSummary(summary);
    sortPairs();
    await Promise.all([loadUnmatched(resultId), renderQuality(resultId)]);
  } catch (err) {
    showError($("results-status"), err);
  }
}

async function loadResults(selectId) {
  const mine = ++listing;
  try {
    const results = (await allItems(`${base}/results`)).filter((r) => (r.kind || "match") === "match");
    if (mine !== listing) return;
    results.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    const select = $("result-select");
    select.replaceChildren(...results.map((r) => el("option", { value: r.id },
      `${fmtTime(r.created_at)} — ${t(`objective_${r.objective}`)} (${r.id})`)));
    for (const id of ["results-controls", "pairs-wrap", "quality-section"]) $(id).hidden = !results.length;
    if (!results.length) {
      showMessage($("results-status"), t("results_empty"), "warn");
      return;
    }
    select.value = selectId && results.some((r) => String(r.id) === String(selectId)) ? selectId : results[0].id;
    await showResult(select.value);
  } catch (err) {
    showError($("results-status"), err);
  }
}

$("result-select").addEventListener("change", () => showResult($("result-select").value));
$("download-pairs").addEventListener("click", async () => {
  const id = $("result-select").value;
  if (!id) return;
  try { await download(`/api/v1/results/${id}/pairs.csv?lang=${LANG}`, `pairs-${id}.csv`); }
  catch (err) { showError($("results-status"), err); }
});

async function init() {
  try {
    const event = await api(base);
    $("event-title").textContent = event.name;
    const rules = await api(`${base}/rules`);
    $("objective").value = rules.rounds[0].objective || "max-total";
  } catch (err) {
    showError($("page-status"), err);
  }
  await loadLocks();
  await loadResults();
}

if (requireToken()) init();
