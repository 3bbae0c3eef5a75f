// Event set-up: upload participants (row errors next to the rows), list
// them with personal links, edit the first round's rules and weights.
import { api, el, describeFieldError, requireToken, showError, showMessage, t } from "./common.js";
import { decodeText, parseCsv } from "./csv.js";

const eventId = document.getElementById("event-title").dataset.eventId;
const base = `/api/v1/events/${encodeURIComponent(eventId)}`;
const $ = (id) => document.getElementById(id);

async function loadEvent() {
  try {
    const event = await api(base);
    $("event-title").textContent = event.name;
    document.title = `${event.name} — ${document.title}`;
  } catch (err) {
    showError($("page-status"), err);
  }
}

// ---- upload ---------------------------------------------------------------

/** The uploaded file's rows by line (CSV) or position (JSON), for the error table. */
async function fileRows(file, kind) {
  const rows = new Map();
  try {
    const text = decodeText(await file.arrayBuffer());
    if (kind === "csv") {
      for (const record of parseCsv(text).records) rows.set(record.line, record.values);
    } else if (kind === "json") {
      const data = JSON.parse(text);
      const list = Array.isArray(data) ? data : data.participants || [];
      list.forEach((item, k) => rows.set(k + 1, item));
    }
  } catch { /* a file we cannot read here: the server's errors still show */ }
  return rows;
}

/** A file column in the page's language, with its own name: "従業員数 (employees)". */
function fieldName(field) {
  const label = t(`field_${field}`);
  return label === `field_${field}` || label === field ? field : `${label} (${field})`;
}

function renderRowErrors(problem, rows) {
  const errors = problem.errors || [];
  const byRow = new Map();
  const general = [];
  for (const e of errors) {
    if (e.row === null || e.row === undefined) general.push(e);
    else byRow.set(e.row, [...(byRow.get(e.row) || []), e]);
  }
  const parts = [];
  if (general.length) {
    parts.push(el("div", { class: "msg error" }, el("strong", {}, t("file_errors")),
      el("ul", {}, general.map((e) => el("li", {}, describeFieldError(e))))));
  }
  if (byRow.size) {
    const body = [...byRow.keys()].sort((a, b) => a - b).map((line) => {
      const values = rows.get(line) || {};
      const list = byRow.get(line);
      const id = values.id ?? list.find((e) => e.participant)?.participant ?? "";
      return el("tr", { class: "row-error", dataset: { line } },
        el("th", { scope: "row", class: "num" }, line),
        el("td", {}, id),
        el("td", {}, values.organization ?? ""),
        el("td", { class: "row-errors" }, el("ul", {}, list.map((e) =>
          el("li", {}, `${fieldName(e.field)}: ${e.message}${e.value === null || e.value === undefined ? "" : ` (${t("got")} ${JSON.stringify(e.value)})`}`)))));
    });
    parts.push(el("table", { id: "row-errors-table" },
      el("caption", {}, t("rows_with_errors")),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", class: "num" }, t("col_line")),
        el("th", { scope: "col" }, t("col_id")),
        el("th", { scope: "col" }, t("col_organization")),
        el("th", { scope: "col" }, t("col_problems")))),
      el("tbody", {}, body)));
  }
  $("upload-errors").replaceChildren(...parts);
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  $("upload-errors").replaceChildren();
  if (!file) {
    showMessage($("upload-status"), t("upload_no_file"), "error");
    $("upload-file").focus();
    return;
  }
  const kind = (file.name.split(".").pop() || "").toLowerCase();
  const mode = $("upload-mode").value;
  $("upload-button").disabled = true;
  showMessage($("upload-status"), t("uploading"), "warn");
  try {
    const form = new FormData();
    form.append("file", file, file.name);
    const done = await api(`${base}/participants/import?mode=${mode}`, { method: "POST", body: form });
    page.offset = 0;
    await loadRules();
    await loadParticipants();
    showMessage($("upload-status"), t("upload_ok", { imported: done.imported, total: done.total }));
  } catch (err) {
    const errors = err.problem?.errors || [];
    if (errors.length) {
      showMessage($("upload-status"), t("upload_rejected", { count: errors.length }), "error");
      renderRowErrors(err.problem, await fileRows(file, kind));
    } else {
      showError($("upload-status"), err);
    }
  } finally {
    $("upload-button").disabled = false;
  }
});

// ---- participants -----------------------------------------------------------

const page = { offset: 0, limit: 50, total: 0 };

async function issueLink(participantId, cell) {
  try {
    const link = await api(`${base}/participants/${encodeURIComponent(participantId)}/link`, { method: "POST" });
    const url = new URL(link.url, location.origin).href;
    cell.replaceChildren(el("a", { href: url, class: "personal-link" }, url));
    showMessage($("page-status"), t("link_issued"));
  } catch (err) {
    showError($("page-status"), err);
  }
}

async function loadParticipants() {
  const role = $("role-filter").value;
  const query = new URLSearchParams({ limit: page.limit, offset: page.offset });
  if (role) query.set("role", role);
  try {
    const data = await api(`${base}/participants?${query}`);
    page.total = data.total;
    const tbody = document.querySelector("#participants-table tbody");
    tbody.replaceChildren(...data.items.map((p) => {
      const linkCell = el("td", {});
      linkCell.append(el("button", {
        type: "button", class: "secondary small issue-link", "aria-label": `${t("issue_link")}: ${p.id}`,
        onclick: () => issueLink(p.id, linkCell),
      }, t("issue_link")));
      return el("tr", { dataset: { id: p.id } },
        el("td", {}, p.id), el("td", {}, p.role), el("td", {}, p.organization),
        el("td", {}, (p.languages || []).join(", ")), linkCell);
    }));
    if (!data.items.length) {
      tbody.append(el("tr", {}, el("td", { colspan: 5 }, t("participants_empty"))));
    }
    const to = Math.min(page.offset + data.items.length, page.total);
    $("page-info").textContent = page.total ? t("page_of", { from: page.offset + 1, to, total: page.total }) : "";
    $("page-prev").disabled = page.offset === 0;
    $("page-next").disabled = to >= page.total;
  } catch (err) {
    showError($("page-status"), err);
  }
}

$("page-prev").addEventListener("click", () => { page.offset = Math.max(0, page.offset - page.limit); loadParticipants(); });
$("page-next").addEventListener("click", () => { page.offset += page.limit; loadParticipants(); });
$("role-filter").addEventListener("change", () => { page.offset = 0; loadParticipants(); });

// ---- rules ------------------------------------------------------------------

let programme = null;
let loadedSlots = null;

/** The "+09:00" of an ISO time, or the browser's own offset when it has none. */
function offsetOf(iso) {
  const match = iso && /([+-]\d\d:\d\d|Z)$/.exec(iso);
  if (match) return match[1] === "Z" ? "+00:00" : match[1];
  const minutes = -new Date().getTimezoneOffset();
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  return `${minutes >= 0 ? "+" : "-"}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "2026-12-06T09:00" + minutes, as ISO 8601 with the given offset (wall-clock arithmetic). */
function wallTime(local, addMinutes, offset) {
  const [date, time] = local.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const moment = new Date(Date.UTC(y, mo - 1, d, h, mi + addMinutes));
  return `${moment.toISOString().slice(0, 16)}:00${offset}`;
}

function slotSettings(round) {
  const slots = round.slots || [];
  if (!slots.length) return { count: "", start: "", minutes: "", offset: offsetOf(null) };
  const minutes = Math.round((new Date(slots[0].end) - new Date(slots[0].start)) / 60000);
  return { count: String(slots.length), start: slots[0].start.slice(0, 16), minutes: String(minutes), offset: offsetOf(slots[0].start) };
}

function fillRules(data) {
  programme = data;
  const round = data.rounds[0];
  $("left-roles").value = round.left_roles.join(", ");
  $("right-roles").value = round.right_roles.join(", ");
  $("left-min").value = round.left_capacity?.min ?? 0;
  $("left-max").value = round.left_capacity?.max ?? 1;
  $("right-min").value = round.right_capacity?.min ?? 0;
  $("right-max").value = round.right_capacity?.max ?? 1;
  $("rules-objective").value = round.objective || "max-total";
  for (const input of document.querySelectorAll("input[data-component]")) {
    const value = (round.weights || {})[input.dataset.component];
    input.value = value === undefined ? "" : value;
  }
  $("tables").value = round.tables ?? "";
  loadedSlots = slotSettings(round);
  $("slot-count").value = loadedSlots.count;
  $("slot-start").value = loadedSlots.start;
  $("slot-minutes").value = loadedSlots.minutes;
  $("slots-now").textContent = t("slots_now", { count: (round.slots || []).length });
  $("rules-json").value = JSON.stringify(data, null, 2);
  $("rules-json").dataset.loaded = $("rules-json").value;
  const roles = [...round.left_roles, ...round.right_roles];
  const filter = $("role-filter");
  const chosen = filter.value;
  filter.replaceChildren(el("option", { value: "" }, t("all_roles")), ...roles.map((r) => el("option", { value: r }, r)));
  filter.value = roles.includes(chosen) ? chosen : "";
}

async function loadRules() {
  try {
    fillRules(await api(`${base}/rules`));
  } catch (err) {
    showError($("rules-status"), err);
  }
}

function splitList(text) {
  return text.split(/[,、\s]+/).map((s) => s.trim()).filter(Boolean);
}

function numberOr(input, fallback) {
  return input.value === "" ? fallback : Number(input.value);
}

function programmeFromForm() {
  if (!programme) throw new Error(t("error_generic"));
  let data = programme;
  const json = $("rules-json");
  if (json.value !== json.dataset.loaded) {
    try { data = JSON.parse(json.value); } catch (err) { throw new Error(t("rules_bad_json", { error: err.message })); }
  }
  data = structuredClone(data);
  const round = data.rounds[0];
  round.left_roles = splitList($("left-roles").value);
  round.right_roles = splitList($("right-roles").value);
  round.left_capacity = { min: numberOr($("left-min"), 0), max: numberOr($("left-max"), 1) };
  round.right_capacity = { min: numberOr($("right-min"), 0), max: numberOr($("right-max"), 1) };
  round.objective = $("rules-objective").value;
  const weights = {};
  for (const input of document.querySelectorAll("input[data-component]")) {
    if (input.value !== "") weights[input.dataset.component] = Number(input.value);
  }
  round.weights = weights;
  round.tables = $("tables").value === "" ? null : Number($("tables").value);
  const count = $("slot-count").value, start = $("slot-start").value, minutes = $("slot-minutes").value;
  const changed = count !== loadedSlots.count || start !== loadedSlots.start || minutes !== loadedSlots.minutes;
  if (changed) {
    const n = Number(count || 0), length = Number(minutes || 30);
    round.slots = n && start ? Array.from({ length: n }, (_, k) => ({
      id: `s${String(k + 1).padStart(2, "0")}`,
      start: wallTime(start, k * length, loadedSlots.offset),
      end: wallTime(start, (k + 1) * length, loadedSlots.offset),
    })) : [];
  }
  return data;
}

$("rules-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let data;
  try { data = programmeFromForm(); } catch (err) { showMessage($("rules-status"), err.message, "error"); return; }
  $("save-rules").disabled = true;
  try {
    await api(`${base}/rules`, { method: "PUT", json: data });
    fillRules(await api(`${base}/rules`));
    showMessage($("rules-status"), t("rules_saved"));
  } catch (err) {
    showError($("rules-status"), err);
  } finally {
    $("save-rules").disabled = false;
  }
});

if (requireToken()) {
  loadEvent();
  loadRules().then(loadParticipants);
}
