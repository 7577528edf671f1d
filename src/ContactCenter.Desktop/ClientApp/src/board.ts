// The supervisor's live queue board: per-queue figures and the agents grid, pushed over /hubs/board.
import type { HubConnection } from "@microsoft/signalr";
import {
  api,
  byTestId,
  connectHub,
  formatDuration,
  formatPercent,
  h,
  requireSession,
  secondsSince,
  stateLabel,
  wireSignOut,
} from "./common";
import type { AgentState, AgentStateView, CallbackGivenUp, MonitoringView, MonitorMode, QueueStatistics } from "./types";

const session = requireSession("supervisor");

let connection: HubConnection | null = null;
const queues = new Map<string, { stat: QueueStatistics; receivedAt: number }>();
const agents = new Map<string, AgentStateView>();
/** The latest step of a supervisor's session in each agent's call (issue 18). */
const monitoring = new Map<string, MonitoringView>();
/** The queues whose calls this supervisor may monitor, as the directory says (empty: every queue). */
let supervised = new Set<string>();

const queueBody = byTestId("queue-rows");
const agentBody = byTestId("agent-rows");
const givenUpBody = byTestId("given-up-rows");
const givenUp = new Map<string, CallbackGivenUp>();
const lastUpdate = byTestId("last-update");
const statusEl = byTestId("status-message");
const reasonSelect = byTestId<HTMLSelectElement>("board-reason");

// A telephony gateway refusing new calls for overload (GatewayOverloadView on the server).
interface GatewayOverload {
  gatewayId: string;
  overloaded: boolean;
  reason: string | null;
  refused: number;
  since: string;
  at: string;
}

// The surge banner: one line per gateway refusing calls now, above the queues; hidden when none is.
const surges = new Map<string, GatewayOverload>();
const surgeBanner = h("div", { testid: "surge-banner", class: "status error", role: "alert", hidden: true });
statusEl.after(surgeBanner);

const REASONS: Record<string, string> = {
  "sip-queue": "SIP requests queueing",
  "sip-queue-full": "SIP receive queue full",
  "calls-in-setup": "too many calls in set-up",
  "live-calls": "live-call ceiling reached",
  "setup-time": "call set-up slow",
  "thread-pool": "server busy",
  bus: "message bus slow",
  media: "media threads late",
  "fair-share": "one source over its share",
};

function renderSurges(): void {
  const on = [...surges.values()].filter((s) => s.overloaded).sort((a, b) => a.gatewayId.localeCompare(b.gatewayId));
  surgeBanner.hidden = on.length === 0;
  surgeBanner.replaceChildren(
    ...on.map((s) =>
      h(
        "div",
        { testid: `surge-${s.gatewayId}` },
        h("strong", {}, "Surge: "),
        `gateway ${s.gatewayId} is refusing new calls (busy signal) since ${new Date(s.since).toLocaleTimeString()} — `,
        h("span", { testid: "surge-refused", class: "num" }, s.refused),
        " refused",
        s.reason ? ` (${REASONS[s.reason] ?? s.reason})` : "",
        ". Calls already connected are not affected.",
      ),
    ),
  );
}

const STATE_ORDER: AgentState[] = ["onCall", "reserved", "wrapUp", "available", "notReady", "loggedOut"];
const SERVICE_LEVEL_TARGET = 0.8;

function say(message: string, kind: "info" | "error" = "info"): void {
  statusEl.textContent = message;
  statusEl.className = `status ${kind}`;
}

function touch(): void {
  lastUpdate.textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function longestWait(entry: { stat: QueueStatistics; receivedAt: number }): number {
  // The oldest caller keeps waiting between updates: count on locally.
  return entry.stat.waiting > 0 ? entry.stat.longestWaitSeconds + (Date.now() - entry.receivedAt) / 1000 : 0;
}

// Overall rows: "*" (all queues) and, when routing runs several partitions of queues, "*{partition}" for each (the
// desktop server merges those into "*").
const isTotal = (name: string): boolean => name.startsWith("*");
const rowId = (name: string): string => (name === "*" ? "all" : isTotal(name) ? `all-${name.slice(1)}` : name);
const rowLabel = (name: string): string => (name === "*" ? "All queues" : isTotal(name) ? `All queues (${name.slice(1)})` : name);

function renderQueues(): void {
  const names = [...queues.keys()].sort((a, b) => (isTotal(a) !== isTotal(b) ? (isTotal(a) ? 1 : -1) : a.localeCompare(b)));
  if (names.length === 0) {
    queueBody.replaceChildren(h("tr", {}, h("td", { colspan: 11, class: "muted" }, "No queue figures yet.")));
    return;
  }
  queueBody.replaceChildren(
    ...names.map((name) => {
      const entry = queues.get(name)!;
      const s = entry.stat;
      const by = s.agentsByState;
      return h(
        "tr",
        { testid: `queue-row-${rowId(name)}`, class: isTotal(name) ? "total" : undefined },
        h("th", { scope: "row" }, rowLabel(name)),
        h("td", { testid: "waiting", class: s.waiting > 0 ? "num hot" : "num" }, s.waiting),
        h("td", { testid: "longest-wait", class: "num mono" }, formatDuration(longestWait(entry))),
        h("td", { testid: "service-level", class: s.serviceLevel < SERVICE_LEVEL_TARGET && s.offered > 0 ? "num warn" : "num" }, formatPercent(s.serviceLevel)),
        h("td", { testid: "asa", class: "num mono" }, formatDuration(s.averageSpeedOfAnswerSeconds)),
        h("td", { testid: "abandonment", class: "num" }, formatPercent(s.abandonmentRate)),
        h("td", { testid: "offered", class: "num" }, `${s.answered}/${s.offered}`),
        h("td", { testid: "agents-available", class: "num" }, by.available ?? 0),
        h("td", { testid: "agents-busy", class: "num" }, (by.onCall ?? 0) + (by.reserved ?? 0)),
        h("td", { testid: "agents-wrap-up", class: "num" }, by.wrapUp ?? 0),
        h("td", { testid: "agents-not-ready", class: "num" }, by.notReady ?? 0),
      );
    }),
  );
}

function actionButton(agentId: string, state: "available" | "notReady" | "loggedOut", label: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "small", testid: `set-${state}`, title: `${label}: ${agentId}` }, label);
  button.addEventListener("click", async () => {
    if (!connection) {
      return;
    }
    button.disabled = true;
    const reason = state === "notReady" ? reasonSelect.value : null;
    try {
      await connection.invoke("SetAgentState", agentId, state, reason);
      say(`Asked routing to set ${agentId} ${stateLabel(state)}${reason ? ` (${reason})` : ""}.`);
    } catch (e) {
      say(`Could not set ${agentId}: ${e instanceof Error ? e.message : String(e)}`, "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const MONITOR_LABELS: Record<MonitorMode, string> = { listen: "Listen", whisper: "Whisper", barge: "Barge", takeOver: "Take over", leave: "Leave" };

function monitorButton(agentId: string, mode: MonitorMode, current?: MonitorMode): HTMLButtonElement {
  const label = MONITOR_LABELS[mode];
  const button = h(
    "button",
    { type: "button", class: mode === current ? "small active" : "small", testid: `monitor-${mode}`, title: `${label}: ${agentId}'s call`, "aria-pressed": mode === current ? "true" : "false" },
    label,
  );
  button.addEventListener("click", async () => {
    if (!connection) {
      return;
    }
    button.disabled = true;
    try {
      await connection.invoke("Monitor", agentId, mode);
      say(mode === "leave" ? `Leaving ${agentId}'s call.` : `${label}: ${agentId}'s call (your phone rings if you are not in it yet).`);
    } catch (e) {
      say(`Could not ${label.toLowerCase()} ${agentId}: ${e instanceof Error ? e.message : String(e)}`, "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Listen, Whisper, Barge, Take over (and Leave while this supervisor is in the call) for an agent on a call. */
function monitorControls(a: AgentStateView): HTMLElement | string {
  const m = monitoring.get(a.agentId);
  const live = m && (m.phase === "ringing" || m.phase === "started" || m.phase === "modeChanged") ? m : undefined;
  if (a.state !== "onCall" && !live) {
    return "";
  }
  const mine = live?.supervisorId === session?.login;
  const current = mine ? live?.mode : undefined;
  // A supervisor limited to some queues gets no buttons for calls of other queues (the hub refuses them too).
  const allowed = mine || supervised.size === 0 || (a.queue != null && supervised.has(a.queue.toLowerCase()));
  return h(
    "span",
    { class: "monitor", testid: "monitor-controls" },
    ...(allowed ? (["listen", "whisper", "barge", "takeOver"] as MonitorMode[]) : []).map((mode) => monitorButton(a.agentId, mode, current)),
    ...(mine ? [monitorButton(a.agentId, "leave")] : []),
    live
      ? h(
          "span",
          { class: "pill", testid: "monitor-status", "data-mode": live.mode, "data-phase": live.phase },
          `${live.supervisorId}: ${MONITOR_LABELS[live.mode].toLowerCase()}${live.phase === "ringing" ? " (ringing)" : ""}`,
        )
      : "",
  );
}

function onMonitoring(m: MonitoringView): void {
  if (m.phase === "refused") {
    if (m.supervisorId === session?.login) {
      say(`Not in ${m.agentId}'s call: ${m.reason ?? "refused"}`, "error");
    }
    return;
  }
  monitoring.set(m.agentId, m);
  if (m.phase === "ended" && m.supervisorId === session?.login) {
    say(`Out of ${m.agentId}'s call: ${m.reason ?? "ended"}.`);
  }
  renderAgents();
  touch();
}

function renderGivenUp(): void {
  const rows = [...givenUp.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 50);
  if (rows.length === 0) {
    givenUpBody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "None: every callback so far reached the customer or is still being tried.")));
    return;
  }
  givenUpBody.replaceChildren(
    ...rows.map((c) =>
      h(
        "tr",
        { testid: `given-up-${c.callId}`, title: c.reason },
        h("td", { class: "mono" }, new Date(c.at).toLocaleTimeString()),
        h("td", {}, c.queue ?? "—"),
        h("td", { class: "mono", testid: "given-up-number" }, c.number ?? "—"),
        h("td", { class: "num", testid: "given-up-attempts" }, c.attempts),
        h("td", { testid: "given-up-outcome" }, String(c.outcome).toLowerCase()),
        h("td", {}, c.agentId ?? ""),
      ),
    ),
  );
}

function renderAgents(): void {
  const rows = [...agents.values()].sort(
    (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.agentId.localeCompare(b.agentId),
  );
  if (rows.length === 0) {
    agentBody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No agents yet.")));
    return;
  }
  agentBody.replaceChildren(
    ...rows.map((a) =>
      h(
        "tr",
        { testid: `agent-row-${a.agentId}` },
        h(
          "th",
          { scope: "row" },
          h("span", { class: a.desktopConnected ? "dot on" : "dot", title: a.desktopConnected ? "Desktop online" : "Desktop offline" }),
          a.displayName ? `${a.displayName} ` : "",
          h("span", { class: "muted" }, a.agentId),
        ),
        h("td", {}, h("span", { class: `pill state-${a.state}`, testid: "agent-state", "data-state": a.state }, stateLabel(a.state))),
        h("td", { testid: "agent-reason" }, a.reason ?? ""),
        h("td", { testid: "time-in-state", class: "num mono", "data-since": a.since }, formatDuration(secondsSince(a.since))),
        h("td", { class: "mono muted" }, a.callId ? a.callId.slice(0, 8) : ""),
        h(
          "td",
          { class: "actions" },
          actionButton(a.agentId, "available", "Available"),
          actionButton(a.agentId, "notReady", "Not ready"),
          actionButton(a.agentId, "loggedOut", "Log out"),
          monitorControls(a),
        ),
      ),
    ),
  );
}

// SIP brute-force protection (issue 17): sources the gateway blocked for guessing phone passwords. Polled, since the
// gateway may run in another process; shown only when there is something to see.
interface SipSecurityView {
  gatewayId: string;
  blocksTotal: number;
  blockedSources: { address: string; until: string; failures: number; lastUser: string | null }[];
  targetedUsers: { user: string; failures: number; targeted: boolean }[];
}
const sipSecurity = h("p", { class: "status warn", testid: "sip-security", role: "status" });
sipSecurity.hidden = true;
statusEl.after(sipSecurity);

async function pollSipSecurity(): Promise<void> {
  try {
    const view = await api<SipSecurityView>("GET", "/api/telephony/sip-security");
    const blocked = view.blockedSources;
    sipSecurity.hidden = blocked.length === 0;
    sipSecurity.dataset.blocked = String(blocked.length);
    sipSecurity.textContent =
      blocked.length === 0
        ? ""
        : `SIP: ${blocked.length} address(es) blocked for guessing passwords: ` +
          blocked.map((b) => `${b.address} (${b.failures} tries, last user ${b.lastUser ?? "?"}, until ${new Date(b.until).toLocaleTimeString()})`).join("; ");
  } catch {
    // No gateway in this deployment's front door, or not running: nothing to show.
    sipSecurity.hidden = true;
  }
}

function tick(): void {
  for (const cell of document.querySelectorAll<HTMLElement>('[data-testid="time-in-state"]')) {
    cell.textContent = formatDuration(secondsSince(cell.dataset.since));
  }
  for (const [name, entry] of queues) {
    const cell = document.querySelector<HTMLElement>(`[data-testid="queue-row-${rowId(name)}"] [data-testid="longest-wait"]`);
    if (cell) {
      cell.textContent = formatDuration(longestWait(entry));
    }
  }
}

if (session) {
  byTestId("supervisor-name").textContent = `${session.name} (${session.login})`;
  wireSignOut(byTestId("sign-out"));
  renderQueues();
  renderAgents();
  renderGivenUp();
  connection = connectHub(
    "/hubs/board",
    (c) => {
      c.on("QueueStatistics", (s: QueueStatistics) => {
        queues.set(s.queue, { stat: s, receivedAt: Date.now() });
        renderQueues();
        touch();
      });
      c.on("AgentStates", (list: AgentStateView[]) => {
        for (const a of list) {
          agents.set(a.agentId, a);
        }
        renderAgents();
        touch();
      });
      c.on("GatewayOverload", (s: GatewayOverload) => {
        const held = surges.get(s.gatewayId);
        if (!held || Date.parse(held.at) <= Date.parse(s.at)) {
          surges.set(s.gatewayId, s);
        }
        renderSurges();
        touch();
      });
      c.on("MonitoringChanged", onMonitoring);
      c.on("Supervises", (list: string[]) => {
        supervised = new Set(list.map((q) => q.toLowerCase()));
        renderAgents();
      });
      c.on("CallbacksGivenUp", (list: CallbackGivenUp[]) => {
        for (const item of list) {
          givenUp.set(item.callId, item);
        }
        renderGivenUp();
        touch();
      });
    },
    byTestId("connection"),
  );
  document.body.dataset.ready = "true";
  window.setInterval(tick, 1000);
  void pollSipSecurity();
  window.setInterval(() => void pollSipSecurity(), 10_000);
}
