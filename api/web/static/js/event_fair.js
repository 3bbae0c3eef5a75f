// Fair: plan the timetable, the slot × table grid, agendas and their .ics,
// CSV download, no-shows and re-planning with the list of changes.
import { allItems, api, download, el, fmtTime, followJob, requireToken, showError, showMessage, t } from "./common.js";

const eventId = document.getElementById("event-title").dataset.eventId;
const base = `/api/v1/events/${encodeURIComponent(eventId)}`;
const $ = (id) => document.getElementById(id);

let timetable = null;   // the timetable shown
let timetableId = null;

const slotId = (s) => (typeof s === "object" && s !== null ? s.id : String(s));
const tableName = (tb) => (typeof tb === "object" && tb !== null ? (tb.name ?? tb.id) : tb);

/** "s03 09:40": a slot's id and its wall-clock start (in the fair's own zone). */
function slotLabel(slot) {
  if (typeof slot !== "object" || slot === null || !slot.start) return slotId(slot);
  return `${slot.id} ${slot.start.slice(11, 16)}`;
}

/** "s03 / 2" for a {slot, table} position; "—" when there is none. */
function where(position) {
  if (position === null || position === undefined) return "—";
  if (typeof position !== "object") return String(position);
  return [position.slot, position.table].filter((v) => v !== undefined && v !== null).join(" / ");
}

async function runJob(body, { bar, status, errorBox, button }) {
  button.disabled = true;
  errorBox.replaceChildren();
  bar.value = 0;
  try {
    const job = await api(`${base}/jobs`, { method: "POST", json: body });
    const done = await followJob(job.id, { bar, status });
    return done.result_id;
  } catch (err) {
    showError(errorBox, err);
    return null;
  } finally {
    button.disabled = false;
  }
}

// ---- plan -------------------------------------------------------------------

$("plan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const source = $("plan-source").value;
  const body = { kind: "plan", round: 0 };
  if (source) body.result_id = source;
  const resultId = await runJob(body, {
    bar: $("plan-progress"), status: $("plan-status"), errorBox: $("plan-error"), button: $("plan-button"),
  });
  if (resultId) await loadTimetables(resultId);
});

// ---- grid -------------------------------------------------------------------

function renderGrid(data) {
  const slots = data.slots || [];
  const tables = data.tables || [];
  const changed = new Set((data.changes || []).filter((c) => c.after).map((c) => `${c.left}\u0000${c.right}`));
  const cells = new Map();
  for (const m of data.meetings || []) cells.set(`${m.slot}\u0000${m.table}`, m);
  const head = el("tr", {}, el("th", { scope: "col" }, t("col_slot")),
    tables.map((tb) => el("th", { scope: "col" }, typeof tableName(tb) === "number" ? t("table_n", { n: tableName(tb) }) : tableName(tb))));
  const body = slots.map((slot) => el("tr", {},
    el("th", { scope: "row" }, slotLabel(slot)),
    tables.map((tb) => {
      const m = cells.get(`${slotId(slot)}\u0000${tableName(tb)}`);
      if (!m) return el("td", { class: "empty" }, t("empty_cell"));
      return el("td", {
        class: changed.has(`${m.left}\u0000${m.right}`) ? "changed" : null, dataset: { left: m.left, right: m.right },
        title: `${m.left_organization || m.left} ↔ ${m.right_organization || m.right}`,
      },
        `${m.left} ↔ ${m.right}`, m.interpreter ? el("span", { class: "muted" }, ` (${t("interpreter")}: ${m.interpreter})`) : null);
    })));
  $("grid").replaceChildren(el("table", { class: "grid", id: "grid-table" },
    el("caption", { class: "visually-hidden" }, t("timetable_title")),
    el("thead", {}, head), el("tbody", {}, body)));
  const unplaced = data.unplaced || [];
  $("unplaced").replaceChildren(...(unplaced.length ? [
    el("h3", {}, `${t("unplaced_title")} (${unplaced.length})`),
    el("ul", {}, unplaced.slice(0, 50).map((u) => el("li", {},
      typeof u === "object" ? `${u.left ?? ""} – ${u.right ?? ""} ${u.reason ? `: ${u.reason}` : ""}` : String(u)))),
  ] : []));
}

/** Every participant of a timetable's meetings: [[id, organization]], sorted by id. */
function participantsOf(data) {
  const names = new Map();
  for (const m of data.meetings || []) {
    names.set(m.left, m.left_organization || "");
    names.set(m.right, m.right_organization || "");
  }
  return [...names].sort(([a], [b]) => a.localeCompare(b));
}

function fillParticipantChoices(data) {
  const people = participantsOf(data);
  const option = ([id, name]) => el("option", { value: id }, name ? `${id} ${name}` : id);
  const chosen = $("agenda-participant").value;
  $("agenda-participant").replaceChildren(...people.map(option));
  if (people.some(([id]) => id === chosen)) $("agenda-participant").value = chosen;
  $("noshow").replaceChildren(...people.map(option));
  $("now-slot").replaceChildren(el("option", { value: "" }, t("noshow_now_start")),
    ...(data.slots || []).map((s) => el("option", { value: slotId(s) }, slotLabel(s))));
}

function renderChanges(changes) {
  if (!changes) { $("changes").replaceChildren(); return; }
  if (!changes.length) { $("changes").replaceChildren(el("h3", {}, t("changes_title")), el("p", {}, t("changes_empty"))); return; }
  const kind = (c) => c.kind || (!c.after ? "cancelled" : !c.before ? "added" : "moved");
  const kindLabel = (c) => (STRINGS_KNOWN.has(kind(c)) ? t(`change_${kind(c)}`) : kind(c));
  $("changes").replaceChildren(el("h3", {}, `${t("changes_title")} (${changes.length})`),
    el("div", { class: "table-wrap" }, el("table", { id: "changes-table" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, t("col_participant")),
        el("th", { scope: "col" }, `${t("col_left")} – ${t("col_right")}`),
        el("th", { scope: "col" }, t("change_before")), el("th", { scope: "col" }, t("change_after")),
        el("th", { scope: "col" }, t("col_change")))),
      el("tbody", {}, changes.map((c) => el("tr", {},
        el("td", {}, c.participant ?? ""), el("td", {}, `${c.left} – ${c.right}`),
        el("td", {}, where(c.before)), el("td", {}, where(c.after)),
        el("td", {}, kindLabel(c))))))));
}

const STRINGS_KNOWN = new Set(["cancelled", "added", "moved"]);

async function showTimetable(resultId) {
  $("timetable-status").replaceChildren();
  try {
    timetable = await api(`/api/v1/results/${resultId}/timetable`);
    timetableId = resultId;
    renderGrid(timetable);
    fillParticipantChoices(timetable);
    renderChanges(timetable.changes);
    $("agenda").replaceChildren();
  } catch (err) {
    showError($("timetable-status"), err);
  }
}

async function loadTimetables(selectId) {
  const results = await allItems(`${base}/results`);
  results.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  const matches = results.filter((r) => (r.kind || "match") === "match");
  $("plan-source").replaceChildren(
    ...matches.map((r) => el("option", { value: r.id }, t("plan_from_result", { id: r.id, when: fmtTime(r.created_at) }))),
    el("option", { value: "" }, t("plan_from_wishes")));
  const plans = results.filter((r) => r.kind === "plan" || r.kind === "replan");
  $("timetable-select").replaceChildren(...plans.map((r) => el("option", { value: r.id },
    `${fmtTime(r.created_at)} — ${t(`timetable_${r.kind}`)} (${r.id})`)));
  for (const id of ["timetable-controls", "agendas-section", "noshow-section"]) $(id).hidden = !plans.length;
  if (!plans.length) {
    showMessage($("timetable-status"), t("timetable_empty"), "warn");
    return;
  }
  const id = selectId && plans.some((r) => String(r.id) === String(selectId)) ? selectId : plans[0].id;
  $("timetable-select").value = id;
  await showTimetable(id);
}

$("timetable-select").addEventListener("change", () => showTimetable($("timetable-select").value));
$("download-timetable").addEventListener("click", async () => {
  if (!timetableId) return;
  try { await download(`/api/v1/results/${timetableId}/timetable.csv`, `timetable-${timetableId}.csv`); }
  catch (err) { showError($("timetable-status"), err); }
});

// ---- agendas ----------------------------------------------------------------

$("agenda-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const pid = $("agenda-participant").value;
  if (!timetableId || !pid) return;
  try {
    const data = await api(`/api/v1/results/${timetableId}/agendas/${encodeURIComponent(pid)}`);
    const rows = Array.isArray(data) ? data : (data.meetings || data.items || []);
    if (!rows.length) { $("agenda").replaceChildren(el("p", {}, t("agenda_empty"))); return; }
    $("agenda").replaceChildren(el("table", { id: "agenda-table" },
      el("caption", {}, pid),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, t("col_slot")), el("th", { scope: "col" }, t("col_time")),
        el("th", { scope: "col" }, t("col_table")), el("th", { scope: "col" }, t("col_partner")))),
      el("tbody", {}, rows.map((r) => el("tr", {},
        el("td", {}, r.slot), el("td", {}, r.start ? fmtTime(r.start) : ""), el("td", {}, r.table),
        el("td", {}, `${r.partner_id ?? r.partner ?? ""} ${r.partner_organization ?? ""}`))))));
  } catch (err) {
    showError($("agenda-status"), err);
  }
});

$("download-ics").addEventListener("click", async () => {
  const pid = $("agenda-participant").value;
  if (!timetableId || !pid) return;
  try { await download(`/api/v1/results/${timetableId}/agendas/${encodeURIComponent(pid)}.ics`, `${pid}.ics`); }
  catch (err) { showError($("agenda-status"), err); }
});

// ---- no-shows -----------------------------------------------------------------

$("replan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!timetableId) { showMessage($("replan-error"), t("no_timetable_for_replan"), "error"); return; }
  const noShow = [...$("noshow").selectedOptions].map((o) => o.value);
  if (!noShow.length) { showMessage($("replan-error"), t("noshow_none"), "error"); $("noshow").focus(); return; }
  const body = { kind: "replan", result_id: timetableId, no_show: noShow };
  if ($("now-slot").value) body.now_slot = $("now-slot").value;
  const resultId = await runJob(body, {
    bar: $("replan-progress"), status: $("replan-status"), errorBox: $("replan-error"), button: $("replan-button"),
  });
  if (resultId) await loadTimetables(resultId);
});

async function init() {
  try {
    const event = await api(base);
    $("event-title").textContent = event.name;
    await loadTimetables();
    // enabled only once the results are listed: a click before would plan from wishes, not the latest result
    $("plan-button").disabled = false;
  } catch (err) {
    showError($("page-status"), err);
  }
}

if (requireToken()) init();
