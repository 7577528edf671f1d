// Shared by the three pages: the session token, the REST helper, hub connections and DOM helpers.
import {
  HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from "@microsoft/signalr";

/** Who signed in (never the token: that is in the HttpOnly cc_token cookie, which scripts cannot read). */
const SESSION_KEY = "cc_session";

export interface Session {
  login: string;
  name: string;
  roles: string[];
  expiresAt: number;
}

/** What POST /api/auth/session and GET /api/auth/session answer. */
export interface SessionView {
  login: string;
  name: string;
  roles: string[];
  expiresAt: string;
}

/** Keeps who signed in for this tab; the server set the token cookie itself (HttpOnly, SameSite=Strict). */
export function saveSession(view: SessionView): Session {
  const session: Session = { login: view.login, name: view.name || view.login, roles: view.roles ?? [], expiresAt: Date.parse(view.expiresAt) };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

/** Forgets the session here and asks the server to drop the cookie (scripts cannot). */
export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
  void fetch("/api/auth/session", { method: "DELETE", keepalive: true }).catch(() => undefined);
}

/** The signed-in session, or null when there is none or it has expired. */
export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) {
    return null;
  }
  try {
    const session = JSON.parse(raw) as Session;
    if (typeof session.login !== "string" || !Array.isArray(session.roles) || !(session.expiresAt > Date.now())) {
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

/** The session for a page that needs one of the roles; otherwise back to sign-in. */
export function requireSession(...roles: string[]): Session | null {
  const session = currentSession();
  if (!session || (roles.length > 0 && !roles.some((r) => session.roles.includes(r)))) {
    const next = encodeURIComponent(location.pathname);
    location.replace(`/?next=${next}${session ? "&denied=1" : ""}`);
    return null;
  }
  return session;
}

export function signOut(): void {
  clearSession();
  location.replace("/");
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** JSON over fetch (the sign-in cookie rides along); errors carry the ProblemDetails title/detail. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const problem = (data ?? {}) as { title?: string; detail?: string; errors?: Record<string, string[]> };
    const details = problem.errors ? Object.values(problem.errors).flat().join(" ") : "";
    const message = [problem.title, problem.detail, details].filter(Boolean).join(" — ") || `${response.status} ${response.statusText}`;
    if (response.status === 401) {
      clearSession();
    }
    throw new ApiError(message, response.status);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * A hub connection that reconnects for ever (0.5 s doubling to 10 s) and reports its status.
 * `onConnected` runs after every (re)connect; the server resends the current state itself.
 */
export function connectHub(
  url: string,
  register: (connection: HubConnection) => void,
  status: HTMLElement,
): HubConnection {
  const connection = new HubConnectionBuilder()
    .withUrl(url)
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** Math.min(ctx.previousRetryCount, 5)),
    })
    .configureLogging(LogLevel.Warning)
    .build();
  register(connection);

  const show = (text: string, cls: string) => {
    status.textContent = text;
    status.className = `pill ${cls}`;
    status.dataset.state = cls;
  };
  connection.onreconnecting(() => {
    show("Reconnecting…", "warn");
    // The server closes a connection whose sign-in was revoked or expired: then back to sign-in, not reconnecting for ever.
    void signInRevoked().then(async (revoked) => {
      if (revoked) {
        signingOut = true;
        await connection.stop();
        signOut();
      }
    });
  });
  connection.onreconnected(() => show("Live", "ok"));
  let signingOut = false;
  connection.onclose(() => {
    show("Offline", "bad");
    if (!signingOut) {
      setTimeout(start, 2_000);
    }
  });

  const start = async () => {
    if (connection.state !== HubConnectionState.Disconnected) {
      return;
    }
    if (!currentSession()) {
      signOut();
      return;
    }
    show("Connecting…", "warn");
    try {
      await connection.start();
      show("Live", "ok");
    } catch {
      show("Offline", "bad");
      if (await signInRevoked()) {
        signOut();
        return;
      }
      setTimeout(start, 2_000);
    }
  };
  void start();
  return connection;
}

/** True when the server says the sign-in is no longer good (expired, or revoked: deactivated, demoted, new password). */
async function signInRevoked(): Promise<boolean> {
  try {
    const response = await fetch("/api/auth/session", { headers: { Accept: "application/json" } });
    return response.status === 401 || response.status === 403;
  } catch {
    return false;
  }
}

type Child = Node | string | number | null | undefined | false;

/** Creates an element; text is always set as text (never parsed as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (key === "testid") {
      el.dataset.testid = String(value);
    } else if (key === "class") {
      el.className = String(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) {
    throw new Error(`missing element ${id}`);
  }
  return el;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

export function formatPercent(ratio: number): string {
  return `${Math.round(Math.max(0, ratio) * 1000) / 10}%`;
}

export function secondsSince(iso: string | null | undefined, now = Date.now()): number {
  return iso ? Math.max(0, (now - Date.parse(iso)) / 1000) : 0;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Human label for a camelCase agent state. */
export function stateLabel(state: string): string {
  switch (state) {
    case "available":
      return "Available";
    case "notReady":
      return "Not ready";
    case "reserved":
      return "Ringing";
    case "onCall":
      return "On call";
    case "wrapUp":
      return "Wrap-up";
    case "loggedOut":
      return "Logged out";
    default:
      return state;
  }
}

export function wireSignOut(button: HTMLElement): void {
  button.addEventListener("click", signOut);
}
