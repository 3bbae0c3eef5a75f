// Shared helpers of every page: strings, the JSON API, small DOM builders.

const STRINGS = JSON.parse(document.getElementById("i18n").textContent);
export const LANG = document.documentElement.lang || "ja";
const TOKEN_KEY = "matching.token";
const NAME_KEY = "matching.organizer";

/** The page string `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  let text = STRINGS[key] ?? key;
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function organizerName() { return sessionStorage.getItem(NAME_KEY) || ""; }
export function signIn(value, name) { sessionStorage.setItem(TOKEN_KEY, value); sessionStorage.setItem(NAME_KEY, name); }
export function signOut() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(NAME_KEY); }

/** Send the organizer to the sign-in page unless a token is stored. */
export function requireToken() {
  if (token()) return true;
  const next = location.pathname + location.search;
  location.replace(`/signin?next=${encodeURIComponent(next)}`);
  return false;
}

/** An API error carrying the RFC 9457 problem document (or a stand-in). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Call the JSON API.  `json` is sent as JSON, `body` as is (with
 * `contentType`).  Returns the parsed JSON, the text (`as: "text"`) or the
 * Blob (`as: "blob"`).  Throws ApiError on a non-2xx answer; a 401 on an
 * organizer call signs out and goes to the sign-in page (unless
 * `redirectOn401` is false, as on the sign-in page itself).
 */
export async function api(path, {
  method = "GET", json, body, contentType, headers = {}, as = "json", auth = true, redirectOn401 = true,
} = {}) {
  const init = { method, headers: { Accept: "application/json", "Accept-Language": LANG, ...headers } };
  if (auth && token()) init.headers.Authorization = `Bearer ${token()}`;
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
    if (contentType) init.headers["Content-Type"] = contentType;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, { title: t("error_network"), detail: String(err) });
  }
  if (!response.ok) {
    let problem;
    try { problem = await response.json(); } catch { problem = { title: `HTTP ${response.status}` }; }
    if (response.status === 401 && auth && redirectOn401 && token()) {
      signOut();
      requireToken();
    }
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  if (as === "blob") return response.blob();
  if (as === "text") return response.text();
  return response.json();
}

/** Every item of a paged list (`?limit=&offset=`), page after page. */
export async function allItems(path, { pageSize = 500, auth = true } = {}) {
  const items = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let offset = 0; ; offset += pageSize) {
    const page = await api(`${path}${sep}limit=${pageSize}&offset=${offset}`, { auth });
    if (Array.isArray(page)) return page;
    items.push(...page.items);
    const done = page.items.length === 0 || page.total === undefined || items.length >= page.total
      || (page.offset !== undefined && page.offset !== offset);
    if (done) return items;
  }
}

/** Build an element: el("a", {href: "/", class: "x"}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Show an error (ApiError or any Error) inside `region`, with its row errors. */
export function showError(region, err) {
  const problem = err.problem || { title: err.message };
  const items = (problem.errors || []).slice(0, 50).map((e) =>
    el("li", {}, describeFieldError(e)));
  region.replaceChildren(
    el("div", { class: "msg error", role: "alert" },
      el("strong", {}, problem.title || t("error_generic")),
      problem.detail && problem.detail !== problem.title ? el("div", {}, problem.detail) : null,
      items.length ? el("ul", {}, items) : null));
}

/** A one-line description of one field error of a problem document. */
export function describeFieldError(e) {
  const where = [];
  if (e.row !== null && e.row !== undefined) where.push(t("row_n", { n: e.row }));
  if (e.participant) where.push(e.participant);
  const value = e.value === null || e.value === undefined || e.value === "" ? "" : ` (${t("got")} ${JSON.stringify(e.value)})`;
  return `${where.length ? where.join(", ") + ": " : ""}${e.field ? e.field + ": " : ""}${e.message}${value}`;
}

/** Show a short success or plain message inside `region`. */
export function showMessage(region, text, kind = "ok") {
  region.replaceChildren(el("div", { class: `msg ${kind}`, role: kind === "error" ? "alert" : "status" }, text));
}

/**
 * Poll a job until it finishes, updating a <progress> and its live status
 * text.  Resolves with the final job; rejects with an Error if it failed.
 */
export async function followJob(jobId, { bar, status, interval = 250 }) {
  bar.hidden = false;
  for (;;) {
    const job = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
    const percent = Math.round((job.progress || 0) * 100);
    bar.value = percent;
    bar.textContent = `${percent}%`;
    status.textContent = t(`job_${job.state}`, { percent, message: job.message || "" });
    if (job.state === "succeeded") {
      bar.value = 100;
      return job;
    }
    if (job.state === "failed" || job.state === "cancelled") {
      const error = job.error || {};
      throw new ApiError(409, typeof error === "string" ? { title: t(`job_${job.state}`, { percent, message: "" }), detail: error }
        : { title: error.title || t(`job_${job.state}`, { percent, message: "" }), detail: error.detail || job.message, errors: error.errors });
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Fetch an authorised file and hand it to the browser as a download. */
export async function download(path, filename, { auth = true } = {}) {
  const blob = await api(path, { as: "blob", auth, headers: { Accept: "*/*" } });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Format a number with the page's locale. */
export function fmt(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString(LANG, { maximumFractionDigits: digits });
}

/**
 * Format an ISO date-time for people, in the page's language.  A time with
 * an offset (a fair's slot, "2026-12-06T09:00:00+09:00") keeps its own wall
 * clock, whatever the browser's zone; one without (a server timestamp, UTC)
 * is shown in the browser's zone.
 */
export function fmtTime(iso) {
  if (!iso) return "";
  const wall = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (wall) {
    const [, y, mo, d, h, mi] = wall.map(Number);
    return new Date(Date.UTC(y, mo - 1, d, h, mi)).toLocaleString(LANG, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  }
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(LANG, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * Make a table's sortable headers work: each <th data-key> holds a
 * <button class="sort">; clicking it sorts `rows` and calls `render(rows)`.
 * aria-sort on the header tells assistive technology the current order.
 */
export function sortableTable(table, { rows, render, initial }) {
  const state = { key: initial?.key ?? null, dir: initial?.dir ?? "ascending" };
  const apply = () => {
    for (const th of table.querySelectorAll("th[data-key]")) {
      const active = th.dataset.key === state.key;
      th.setAttribute("aria-sort", active ? state.dir : "none");
      th.querySelector(".arrow").textContent = active ? (state.dir === "ascending" ? "▲" : "▼") : "↕";
    }
    const sorted = [...rows()];
    if (state.key) {
      const th = table.querySelector(`th[data-key="${state.key}"]`);
      const numeric = th.dataset.type === "number";
      const sign = state.dir === "ascending" ? 1 : -1;
      sorted.sort((a, b) => {
        const x = a[state.key], y = b[state.key];
        const cmp = numeric ? (Number(x) - Number(y)) : String(x).localeCompare(String(y), LANG);
        return sign * cmp;
      });
    }
    render(sorted);
  };
  for (const th of table.querySelectorAll("th[data-key]")) {
    const button = th.querySelector("button.sort");
    button.addEventListener("click", () => {
      if (state.key === th.dataset.key) state.dir = state.dir === "ascending" ? "descending" : "ascending";
      else { state.key = th.dataset.key; state.dir = th.dataset.type === "number" ? "descending" : "ascending"; }
      apply();
    });
  }
  return apply;
}

// The header's sign-out button, present on organizer pages.
const signOutButton = document.getElementById("sign-out");
if (signOutButton) {
  const who = document.getElementById("who");
  if (who && organizerName()) who.textContent = t("signed_in_as", { name: organizerName() });
  signOutButton.hidden = !token();
  signOutButton.addEventListener("click", () => { signOut(); location.href = "/signin"; });
}
