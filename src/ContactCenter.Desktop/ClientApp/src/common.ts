// Shared by the three pages: the session token, the REST helper, hub connections and DOM helpers.
import {
  HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from "@microsoft/signalr";

const TOKEN_KEY = "cc_token";

export interface Session {
  token: string;
  login: string;
  name: string;
  roles: string[];
  expiresAt: number;
}

/** Keeps the token for this tab (sessionStorage) and as the cc_token cookie the host's JWT handler reads. */
export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  document.cookie = `${TOKEN_KEY}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  document.cookie = `${TOKEN_KEY}=; path=/; SameSite=Strict; max-age=0`;
}

/** The signed-in session, or null when there is no unexpired token. */
export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    return null;
  }
  const claims = decodeClaims(token);
  if (!claims) {
    return null;
  }
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Number.MAX_SAFE_INTEGER;
  if (exp <= Date.now()) {
    return null;
  }
  const role = claims.role;
  const roles = Array.isArray(role) ? role.map(String) : role ? [String(role)] : [];
  const login = String(claims.sub ?? "");
  return { token, login, name: String(claims.name ?? login), roles, expiresAt: exp };
}

export function decodeClaims(token: string): Record<string, unknown> | null {
  const parts = token.split(".");
  if (parts.length !== 3) {
    return null;
  }
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    return JSON.parse(json) as Record<string, unknown>;
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
  clearToken();
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

/** JSON over fetch with the bearer token; errors carry the ProblemDetails title/detail. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
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
      clearToken();
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
    .withUrl(url, { accessTokenFactory: () => sessionStorage.getItem(TOKEN_KEY) ?? "" })
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
  connection.onreconnecting(() => show("Reconnecting…", "warn"));
  connection.onreconnected(() => show("Live", "ok"));
  connection.onclose(() => {
    show("Offline", "bad");
    setTimeout(start, 2_000);
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
      setTimeout(start, 2_000);
    }
  };
  void start();
  return connection;
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
