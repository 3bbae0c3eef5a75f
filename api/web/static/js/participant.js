// A participant's own page (from their personal link): recommendations with
// reasons, wishes and vetoes, the agenda, feedback after each meeting.
import { LANG, api, el, fmt, fmtTime, showError, showMessage, t } from "./common.js";

const $ = (id) => document.getElementById(id);
const link = $("me-title").dataset.linkToken;
const base = `/api/v1/p/${encodeURIComponent(link)}`;
const call = (path, options = {}) => api(`${base}${path}`, { ...options, auth: false });

const listOf = (data, ...keys) => (Array.isArray(data) ? data : keys.map((k) => data?.[k]).find(Array.isArray) || []);
const partnerId = (r) => r.partner_id ?? r.partner ?? r.id ?? r.right_id;
const partnerName = (r) => r.partner_organization ?? r.organization ?? r.right_organization ?? "";

let profile = null;
let recommendations = [];

function choiceOf(id) {
  if ((profile.wishes || []).includes(id)) return "wish";
  if ((profile.vetoes || []).includes(id)) return "veto";
  return "none";
}

function renderRecommendations() {
  if (!recommendations.length) {
    $("recs").replaceChildren(el("li", { class: "muted" }, t("recs_empty")));
    $("save-wishes").hidden = true;
    return;
  }
  $("save-wishes").hidden = false;
  $("recs").replaceChildren(...recommendations.map((r, k) => {
    const id = partnerId(r);
    const current = choiceOf(id);
    const options = ["none", "wish", "veto"].map((value) => {
      const inputId = `choice-${k}-${value}`;
      return el("label", { class: "check", for: inputId },
        el("input", { type: "radio", id: inputId, name: `choice-${k}`, value, checked: value === current, dataset: { partner: id } }),
        t(`choice_${value}`));
    });
    const reasons = r.reasons || r[`reasons_${LANG}`] || [];
    return el("li", { class: "rec", dataset: { partner: id } },
      el("h3", {}, partnerName(r) || id),
      el("p", { class: "muted" }, `${id}${r.score !== undefined ? ` · ${t("col_score")} ${fmt(r.score)}` : ""}`),
      el("ul", { class: "reasons" }, reasons.map((reason) => el("li", {}, reason))),
      el("fieldset", { class: "choice" }, el("legend", {}, `${t("your_choice")}: ${partnerName(r) || id}`), options));
  }));
}

$("wishes-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const wishes = new Set(profile.wishes || []);
  const vetoes = new Set(profile.vetoes || []);
  for (const input of $("recs").querySelectorAll("input[type=radio]:checked")) {
    const id = input.dataset.partner;
    wishes.delete(id);
    vetoes.delete(id);
    if (input.value === "wish") wishes.add(id);
    if (input.value === "veto") vetoes.add(id);
  }
  const body = { wishes: [...wishes], vetoes: [...vetoes] };
  try {
    await call("/wishes", { method: "PUT", json: body });
    profile.wishes = body.wishes;
    profile.vetoes = body.vetoes;
    showMessage($("wishes-status"), t("wishes_saved", { wishes: body.wishes.length, vetoes: body.vetoes.length }));
  } catch (err) {
    showError($("wishes-status"), err);
  }
});

function renderAgenda(rows) {
  $("agenda-ics").hidden = !rows.length;
  if (!rows.length) {
    $("agenda").replaceChildren(el("p", { class: "muted" }, t("agenda_empty")));
    return;
  }
  $("agenda").replaceChildren(el("ol", { id: "agenda-list", class: "cards" }, rows.map((r) => el("li", {},
    el("h3", {}, partnerName(r) || partnerId(r)),
    el("p", {}, [r.start ? fmtTime(r.start) : r.slot, r.table !== undefined ? `${t("col_table")} ${r.table}` : ""]
      .filter(Boolean).join(" · "))))));
}

function feedbackForm(partner, name, k) {
  const status = el("div", { class: "status", "aria-live": "polite" });
  const yesId = `fb-${k}-yes`, noId = `fb-${k}-no`, dealId = `fb-${k}-deal`;
  const form = el("form", { class: "feedback-form", dataset: { partner } },
    el("fieldset", { class: "choice" },
      el("legend", {}, t("feedback_yes_q")),
      el("label", { class: "check", for: yesId }, el("input", { type: "radio", id: yesId, name: `fb-${k}`, value: "yes", required: true }), t("yes")),
      el("label", { class: "check", for: noId }, el("input", { type: "radio", id: noId, name: `fb-${k}`, value: "no" }), t("no"))),
    el("p", {}, el("label", { class: "check", for: dealId }, el("input", { type: "checkbox", id: dealId, name: "deal" }), t("feedback_deal"))),
    el("button", { type: "submit" }, t("feedback_send")),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = form.querySelector(`input[name="fb-${k}"]:checked`);
    if (!answer) { form.querySelector(`#${yesId}`).focus(); return; }
    try {
      await call("/feedback", { method: "POST", json: { partner, round: 0, yes: answer.value === "yes", deal: $(dealId).checked } });
      showMessage(status, t("feedback_sent"));
    } catch (err) {
      showError(status, err);
    }
  });
  return el("li", {}, el("h3", {}, t("feedback_with", { partner: name || partner })), form);
}

function renderFeedback(agenda) {
  const seen = new Set();
  const partners = [];
  for (const r of agenda.length ? agenda : recommendations) {
    const id = partnerId(r);
    if (!seen.has(id)) { seen.add(id); partners.push([id, partnerName(r)]); }
  }
  $("feedback").replaceChildren(...(partners.length
    ? partners.map(([id, name], k) => feedbackForm(id, name, k))
    : [el("li", { class: "muted" }, t("feedback_empty"))]));
}

async function init() {
  try {
    const data = await call("");
    profile = data.participant || data;
  } catch (err) {
    if (err.status === 404) showMessage($("page-status"), t("p_bad_link"), "error");
    else showError($("page-status"), err);
    document.querySelectorAll("section.card").forEach((s) => { s.hidden = true; });
    return;
  }
  $("me-title").textContent = `${t("p_title")}: ${profile.organization || profile.id}`;
  try {
    recommendations = listOf(await call(`/recommendations?lang=${LANG}`), "items", "recommendations");
  } catch (err) {
    showError($("wishes-status"), err);
  }
  renderRecommendations();
  let agenda = [];
  try {
    agenda = listOf(await call("/agenda"), "meetings", "items", "agenda");
  } catch { agenda = []; }
  renderAgenda(agenda);
  renderFeedback(agenda);
}

init();
