// Sign-in: check the pasted token with GET /api/v1/me, keep it for this tab.
import { api, signIn, signOut, showError, showMessage, t } from "./common.js";

const form = document.getElementById("signin-form");
const input = document.getElementById("token");
const status = document.getElementById("signin-status");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = input.value.trim();
  if (!value) {
    showMessage(status, t("signin_bad_token"), "error");
    input.focus();
    return;
  }
  signIn(value, "");
  try {
    const me = await api("/api/v1/me", { redirectOn401: false });
    signIn(value, me.name);
    const next = new URLSearchParams(location.search).get("next");
    location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } catch (err) {
    signOut();
    if (err.status === 401) showMessage(status, t("signin_bad_token"), "error");
    else showError(status, err);
    input.focus();
  }
});
