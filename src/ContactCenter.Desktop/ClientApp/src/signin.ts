// Sign-in page: POST /api/auth/session {login, password} → the server sets the HttpOnly token cookie and says who signed in;
// then the agent desktop or the board. The page never sees the token.
import { ApiError, byTestId, clearSession, currentSession, saveSession, type SessionView } from "./common";

const form = byTestId<HTMLFormElement>("sign-in-form");
const login = byTestId<HTMLInputElement>("login");
const password = byTestId<HTMLInputElement>("password");
const submit = byTestId<HTMLButtonElement>("sign-in");
const error = byTestId("sign-in-error");

const params = new URLSearchParams(location.search);
const next = params.get("next");

function destination(roles: string[]): string {
  if ((next === "/board" || next === "/reports") && roles.includes("supervisor")) {
    return next;
  }
  if (next === "/agent") {
    return "/agent";
  }
  return roles.includes("supervisor") ? "/board" : "/agent";
}

if (params.has("denied")) {
  error.textContent = "That page needs a supervisor sign-in.";
  clearSession();
} else {
  const session = currentSession();
  if (session) {
    location.replace(destination(session.roles));
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  if (!login.value.trim() || !password.value) {
    error.textContent = "Enter your login and password.";
    (login.value.trim() ? password : login).focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = "Signing in…";
  try {
    const response = await fetch("/api/auth/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ login: login.value.trim(), password: password.value }),
    });
    if (!response.ok) {
      throw new ApiError(
        response.status === 401 || response.status === 400
          ? "Wrong login or password."
          : response.status === 429
            ? "Too many sign-in attempts; wait a few minutes and try again."
            : `Sign-in failed (${response.status}).`,
        response.status,
      );
    }
    const view = (await response.json()) as SessionView;
    if (!view.login) {
      throw new Error("The server did not sign you in.");
    }
    const session = saveSession(view);
    location.assign(destination(session.roles));
  } catch (e) {
    error.textContent = e instanceof Error ? e.message : "Sign-in failed.";
    password.select();
  } finally {
    submit.disabled = false;
    submit.textContent = "Sign in";
  }
});

login.focus();
document.body.dataset.ready = "true";
