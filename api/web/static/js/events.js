// The organizer's events: list them, create one.
import { allItems, api, el, fmtTime, requireToken, showError, showMessage, t } from "./common.js";

const tbody = document.querySelector("#events-table tbody");
const listStatus = document.getElementById("events-status");
const form = document.getElementById("create-form");
const nameInput = document.getElementById("event-name");
const createStatus = document.getElementById("create-status");

async function load() {
  try {
    const events = await allItems("/api/v1/events", { pageSize: 100 });
    tbody.replaceChildren(...events.map((e) => el("tr", {},
      el("td", {}, el("a", { href: `/events/${encodeURIComponent(e.id)}` }, e.name)),
      el("td", { class: "num" }, e.participants ?? 0),
      el("td", {}, fmtTime(e.created_at)))));
    if (!events.length) showMessage(listStatus, t("events_empty"), "warn");
    else listStatus.replaceChildren();
  } catch (err) {
    showError(listStatus, err);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name) { nameInput.focus(); return; }
  try {
    const created = await api("/api/v1/events", { method: "POST", json: { name } });
    showMessage(createStatus, t("event_created_ok", { name: created.name }));
    location.href = `/events/${encodeURIComponent(created.id)}`;
  } catch (err) {
    showError(createStatus, err);
  }
});

if (requireToken()) load();
