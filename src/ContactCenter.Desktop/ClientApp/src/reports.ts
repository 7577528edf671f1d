// The supervisor's reports page: queue and agent reports from /api/reports (the same figures as the live board),
// charts with Apache ECharts, every figure a link to the calls behind it, CSV exactly as shown, staffing (Erlang C).
import * as echarts from "echarts/core";
import { BarChart, CustomChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { ApiError, api, byTestId, formatDuration, formatPercent, h, requireSession, wireSignOut } from "./common";

echarts.use([BarChart, LineChart, CustomChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

interface QueueRow {
  row: string;
  queue: string;
  start: string;
  end: string;
  offered: number;
  answered: number;
  answeredWithinTarget: number;
  abandoned: number;
  shortAbandoned: number;
  diverted: number;
  serviceLevel: number;
  serviceLevelMet: number;
  serviceLevelCounted: number;
  serviceLevelTarget: number;
  asa: number;
  aht: number;
  handled: number;
  transfersOut: number;
  callbacksRequested: number;
  callbackAttempts: number;
  callbacksReached: number;
}

interface AgentRow {
  row: string;
  agent: string;
  start: string;
  end: string;
  rung: number;
  missed: number;
  answered: number;
  handled: number;
  aht: number;
  transfersOut: number;
  outboundCalls: number;
  available: number;
  ringing: number;
  onCall: number;
  wrapUp: number;
  notReady: number;
  occupancy: number;
}

interface Report<T> {
  from: string;
  to: string;
  interval: string;
  timeZone: string;
  rows: T[];
  totals: T[];
}

interface CallRow {
  callId: string;
  queue: string | null;
  agent: string | null;
  caller: string | null;
  at: string;
  exit: string | null;
  waited: number | null;
  position: number | null;
  serviceLevel: string | null;
  talk: number | null;
  wrapUp: number | null;
  detail: string | null;
  history: string;
  decisions: string;
}

interface CallHistory {
  callId: string;
  caller: string | null;
  direction: string | null;
  outcome: string | null;
  events: { at: string; event: string; queue: string | null; agent: string | null; detail: string }[];
  decisions: string;
}

interface StateRow {
  agent: string;
  state: string;
  reason: string | null;
  start: string;
  end: string | null;
  seconds: number;
}

interface QueueSettings {
  queue: string;
  timeZone: string;
  serviceLevelTarget: number;
  serviceLevelThreshold: number;
  denominator: string;
}

interface StaffingReport {
  caveat: string;
  serviceLevelTarget: number;
  rows: {
    start: string;
    end: string;
    forecastCalls: number;
    forecastAht: number;
    erlangs: number;
    agentsNeeded: number;
    expectedServiceLevel: number;
    actualCalls: number | null;
    agentsStaffed: number | null;
  }[];
}

const session = requireSession("supervisor");
const statusEl = byTestId("status-message");
const form = byTestId<HTMLFormElement>("report-form");
const rangeSelect = byTestId<HTMLSelectElement>("range");
const fromInput = byTestId<HTMLInputElement>("from");
const toInput = byTestId<HTMLInputElement>("to");
const intervalSelect = byTestId<HTMLSelectElement>("interval");
const queueSelect = byTestId<HTMLSelectElement>("queue");
const queueBody = byTestId("queue-report-rows");
const queueTotals = byTestId("queue-report-totals");
const agentBody = byTestId("agent-rows");
const drilldown = byTestId("drilldown");
const drilldownTitle = byTestId("drilldown-title");
const drilldownRows = byTestId("drilldown-rows");
const historyPanel = byTestId("call-history");
const volumeChart = echarts.init(byTestId("chart-volume"));
const serviceChart = echarts.init(byTestId("chart-service"));
const statesChart = echarts.init(byTestId("chart-states"));
const staffingChart = echarts.init(byTestId("chart-staffing"));

let settings: QueueSettings[] = [];

const QUEUE_FIGURES: Record<string, string> = {
  offered: "offered",
  answered: "answered",
  answeredWithinTarget: "answered within target",
  abandoned: "abandoned",
  shortAbandoned: "short abandons",
  diverted: "diverted",
  serviceLevelMissed: "missed the service level",
  handled: "handled",
  transfersOut: "transferred out",
};
const AGENT_FIGURES: Record<string, string> = {
  rung: "rung",
  missed: "missed",
  answered: "answered",
  handled: "handled",
  transfersOut: "transferred out",
  outbound: "outbound",
};

function say(message: string, kind: "info" | "error" = "info"): void {
  statusEl.textContent = message;
  statusEl.className = `status ${kind}`;
}

/** Today's date (yyyy-mm-dd) in the centre's time zone (the first queue's, else the browser's). */
function todayIn(zone: string | undefined): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return parts;
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function applyRange(): void {
  const today = todayIn(settings[0]?.timeZone);
  const choice = rangeSelect.value;
  const custom = choice === "custom";
  fromInput.disabled = toInput.disabled = !custom;
  if (custom) {
    return;
  }
  if (choice === "today") {
    fromInput.value = toInput.value = today;
  } else if (choice === "yesterday") {
    fromInput.value = toInput.value = addDays(today, -1);
  } else {
    fromInput.value = addDays(today, 1 - Number(choice));
    toInput.value = today;
  }
}

/** The query the page shows: days are the queue's local days (the API resolves them per queue). */
function query(): string {
  const params = new URLSearchParams({ from: fromInput.value, to: addDays(toInput.value, 1), interval: intervalSelect.value });
  if (queueSelect.value) {
    params.set("queue", queueSelect.value);
  }
  return params.toString();
}

const localTime = (iso: string, withDate = true): string =>
  // The API's times carry the queue's offset: show that wall clock, not the browser's.
  withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);

const seconds = (s: number): string => formatDuration(Math.round(s));

function figureButton(kind: "queue" | "agent", who: string, figure: string, value: number, start: string, end: string): HTMLElement {
  const button = h("button", { type: "button", class: "figure", testid: `figure-${figure}`, "data-figure": figure }, value);
  if (value === 0) {
    button.setAttribute("disabled", "");
  }
  button.addEventListener("click", () => void showCalls(kind, who, figure, start, end));
  return button;
}

function queueRow(r: QueueRow, cell: "td" | "th" = "td"): HTMLTableRowElement {
  const f = (figure: string, value: number) => h("td", { class: "num" }, figureButton("queue", r.queue, figure, value, r.start, r.end));
  const missed = r.serviceLevelCounted - r.serviceLevelMet;
  const tr = h(
    "tr",
    { testid: r.row === "total" ? "queue-total-row" : "queue-row", "data-queue": r.queue, "data-start": r.start },
    h(cell, {}, r.queue === "*" ? "All queues" : r.queue),
    h("td", {}, r.row === "total" ? `${localTime(r.start)} – ${localTime(r.end)}` : localTime(r.start)),
    f("offered", r.offered),
    f("answered", r.answered),
    f("answeredWithinTarget", r.answeredWithinTarget),
    f("abandoned", r.abandoned),
    f("shortAbandoned", r.shortAbandoned),
    f("diverted", r.diverted),
    h(
      "td",
      { class: r.serviceLevelCounted > 0 && r.serviceLevel < r.serviceLevelTarget ? "num miss" : "num", testid: "service-level", title: `${r.serviceLevelMet} / ${r.serviceLevelCounted}` },
      formatPercent(r.serviceLevel),
      missed > 0 ? h("span", { class: "muted small" }, " (", figureButton("queue", r.queue, "serviceLevelMissed", missed, r.start, r.end), " missed)") : null,
    ),
    h("td", { class: "num", testid: "asa" }, seconds(r.asa)),
    h("td", { class: "num", testid: "aht" }, seconds(r.aht)),
    f("handled", r.handled),
    f("transfersOut", r.transfersOut),
    h("td", { class: "num" }, `${r.callbacksRequested} / ${r.callbackAttempts} / ${r.callbacksReached}`),
  );
  return tr;
}

function renderQueues(report: Report<QueueRow>): void {
  byTestId("report-range").textContent = `${localTime(report.from)} – ${localTime(report.to)} by ${report.interval} (${report.timeZone})`;
  queueBody.replaceChildren(...report.rows.map((r) => queueRow(r)));
  queueTotals.replaceChildren(...report.totals.filter((t) => t.queue !== "*" || report.totals.length > 2).map((t) => queueRow(t, "th")));
  byTestId("queue-row-count").textContent = `${report.rows.length} rows`;

  // Volume: offered, answered and abandoned per period, all shown queues together (plain sums of counts).
  const starts = [...new Set(report.rows.map((r) => r.start))];
  const sum = (field: keyof QueueRow) => starts.map((s) => report.rows.filter((r) => r.start === s).reduce((a, r) => a + (r[field] as number), 0));
  const labels = starts.map((s) => localTime(s, report.interval === "15m" || report.interval === "1h"));
  volumeChart.setOption(
    {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "Offered", type: "bar", data: sum("offered") },
        { name: "Answered", type: "bar", data: sum("answered") },
        { name: "Abandoned", type: "bar", data: sum("abandoned"), itemStyle: { color: "#b3261e" } },
      ],
    },
    true,
  );
  // Service level per queue as the report computes it (never re-derived here), against each queue's target; ASA on the right.
  const queues = [...new Set(report.rows.map((r) => r.queue))];
  const slSeries = queues.map((q) => ({
    name: `SL ${q}`,
    type: "line",
    connectNulls: true,
    data: starts.map((s) => {
      const row = report.rows.find((r) => r.queue === q && r.start === s);
      return row && row.serviceLevelCounted > 0 ? Math.round(row.serviceLevel * 1000) / 10 : null;
    }),
    markLine: {
      symbol: "none",
      label: { formatter: `${q} target {c}%` },
      data: [{ yAxis: Math.round((report.rows.find((r) => r.queue === q)?.serviceLevelTarget ?? 0.8) * 100) }],
    },
  }));
  const asaSeries = queues.map((q) => ({
    name: `ASA ${q}`,
    type: "bar",
    yAxisIndex: 1,
    barGap: "10%",
    data: starts.map((s) => report.rows.find((r) => r.queue === q && r.start === s)?.asa ?? 0),
  }));
  serviceChart.setOption(
    {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 44, right: 44, top: 32, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: [
        { type: "value", min: 0, max: 100, name: "SL %" },
        { type: "value", name: "ASA s", splitLine: { show: false } },
      ],
      series: [...slSeries, ...asaSeries],
    },
    true,
  );
}

function renderAgents(report: Report<AgentRow>): void {
  const rows = report.totals.filter((t) => t.agent !== "*");
  if (rows.length === 0) {
    agentBody.replaceChildren(h("tr", {}, h("td", { colspan: 13, class: "muted" }, "No agent activity in this range.")));
    return;
  }
  agentBody.replaceChildren(
    ...[...rows, ...report.totals.filter((t) => t.agent === "*")].map((r) => {
      const f = (figure: string, value: number) => h("td", { class: "num" }, figureButton("agent", r.agent, figure, value, r.start, r.end));
      return h(
        "tr",
        { testid: "agent-row", "data-agent": r.agent },
        h("td", {}, r.agent === "*" ? "Everyone" : r.agent),
        r.agent === "*" ? h("td", { class: "num" }, r.rung) : f("rung", r.rung),
        r.agent === "*" ? h("td", { class: "num" }, r.missed) : f("missed", r.missed),
        r.agent === "*" ? h("td", { class: "num" }, r.answered) : f("answered", r.answered),
        r.agent === "*" ? h("td", { class: "num" }, r.handled) : f("handled", r.handled),
        h("td", { class: "num" }, seconds(r.aht)),
        r.agent === "*" ? h("td", { class: "num" }, r.transfersOut) : f("transfersOut", r.transfersOut),
        r.agent === "*" ? h("td", { class: "num" }, r.outboundCalls) : f("outbound", r.outboundCalls),
        h("td", { class: "num" }, seconds(r.available)),
        h("td", { class: "num" }, seconds(r.onCall)),
        h("td", { class: "num" }, seconds(r.wrapUp)),
        h("td", { class: "num" }, seconds(r.notReady)),
        h("td", { class: "num" }, formatPercent(r.occupancy)),
      );
    }),
  );
}

const STATE_COLOURS: Record<string, string> = {
  available: "#17803d",
  reserved: "#e0a100",
  onCall: "#1f5fbf",
  wrapUp: "#7a4fc2",
  notReady: "#9aa5b1",
};

function renderStates(states: StateRow[], from: string, to: string): void {
  const agents = [...new Set(states.map((s) => s.agent))].sort();
  const data = states
    .filter((s) => s.state !== "loggedOut" && s.seconds > 0)
    .map((s) => {
      const start = Math.max(Date.parse(s.start), Date.parse(from));
      return {
        value: [agents.indexOf(s.agent), start, start + s.seconds * 1000, s.state, s.reason ?? ""],
        itemStyle: { color: STATE_COLOURS[s.state] ?? "#ccc" },
      };
    });
  statesChart.setOption(
    {
      animation: false,
      tooltip: {
        formatter: (p: { value: [number, number, number, string, string] }) =>
          `${agents[p.value[0]]}: ${p.value[3]}${p.value[4] ? ` (${p.value[4]})` : ""}, ${formatDuration((p.value[2] - p.value[1]) / 1000)}`,
      },
      grid: { left: 80, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "time", min: Date.parse(from), max: Date.parse(to) },
      yAxis: { type: "category", data: agents },
      series: [
        {
          type: "custom",
          encode: { x: [1, 2], y: 0 },
          data,
          renderItem: (params: unknown, api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[]; style: () => object }) => {
            const y = api.value(0);
            const a = api.coord([api.value(1), y]);
            const b = api.coord([api.value(2), y]);
            const height = api.size([0, 1])[1] * 0.6;
            void params;
            return { type: "rect", shape: { x: a[0], y: a[1] - height / 2, width: Math.max(1, b[0] - a[0]), height }, style: api.style() };
          },
        },
      ],
    },
    true,
  );
}

async function load(): Promise<void> {
  say("Loading…");
  try {
    const q = query();
    const [queues, agents] = await Promise.all([
      api<Report<QueueRow>>("GET", `/api/reports/queues?${q}`),
      api<Report<AgentRow>>("GET", `/api/reports/agents?${new URLSearchParams({ from: fromInput.value, to: addDays(toInput.value, 1), interval: intervalSelect.value })}`),
    ]);
    renderQueues(queues);
    renderAgents(agents);
    const states = await api<StateRow[]>("GET", `/api/reports/agents/states?${new URLSearchParams({ from: fromInput.value, to: addDays(toInput.value, 1) })}`);
    renderStates(states, agents.from, agents.to);
    say(`Report for ${fromInput.value} to ${toInput.value}.`);
    document.body.dataset.ready = "true";
  } catch (e) {
    say(e instanceof ApiError ? e.message : "The report could not be loaded.", "error");
  }
}

async function showCalls(kind: "queue" | "agent", who: string, figure: string, start: string, end: string): Promise<void> {
  const params = new URLSearchParams({ [kind]: who, figure, from: start, to: end });
  const label = (kind === "queue" ? QUEUE_FIGURES : AGENT_FIGURES)[figure] ?? figure;
  try {
    const calls = await api<CallRow[]>("GET", `/api/reports/${kind}s/calls?${params}`);
    drilldown.hidden = false;
    historyPanel.hidden = true;
    drilldownTitle.textContent = `${calls.length} ${calls.length === 1 ? "call" : "calls"} ${label}: ${who === "*" ? "all queues" : who}, ${localTime(start)} – ${localTime(end)}`;
    drilldownRows.replaceChildren(
      ...calls.map((c) => {
        const history = h("button", { type: "button", class: "small", testid: "show-history" }, "History");
        history.addEventListener("click", () => void showHistory(c.history));
        return h(
          "tr",
          { testid: "drilldown-row", "data-call-id": c.callId },
          h("td", { class: "mono", title: c.callId }, c.callId.slice(0, 8)),
          h("td", {}, c.queue ?? ""),
          h("td", {}, c.caller ?? ""),
          h("td", {}, localTime(c.at)),
          h("td", {}, c.exit ?? c.detail ?? ""),
          h("td", { class: "num" }, c.waited === null ? "" : seconds(c.waited)),
          h("td", { class: "num" }, c.position ? c.position : ""),
          h("td", {}, c.agent ?? ""),
          h("td", {}, c.serviceLevel ?? ""),
          h("td", { class: "num" }, c.talk === null ? "" : seconds(c.talk)),
          h("td", { class: "num" }, c.wrapUp === null ? "" : seconds(c.wrapUp)),
          h("td", {}, history, " ", h("a", { class: "link small", href: c.decisions, target: "_blank", rel: "noopener" }, "routing decision")),
        );
      }),
    );
    drilldown.scrollIntoView({ block: "nearest" });
  } catch (e) {
    say(e instanceof ApiError ? e.message : "The calls could not be listed.", "error");
  }
}

async function showHistory(url: string): Promise<void> {
  try {
    const call = await api<CallHistory>("GET", url);
    historyPanel.hidden = false;
    historyPanel.replaceChildren(
      h("h3", {}, `Call ${call.callId.slice(0, 8)} · ${call.caller ?? "unknown caller"} · ${call.direction ?? ""} · ${call.outcome ?? "in progress"}`),
      h("ol", { testid: "history-events" }, ...call.events.map((e) => h("li", {}, `${localTime(e.at)} ${e.event}: ${e.detail}`))),
      h("a", { class: "link", href: call.decisions, target: "_blank", rel: "noopener" }, "Routing's decisions for this call"),
    );
  } catch (e) {
    say(e instanceof ApiError ? e.message : "The call's history could not be loaded.", "error");
  }
}

/** Downloads the report as CSV (Accept: text/csv), exactly the rows the API shows as JSON. */
async function download(kind: "queues" | "agents"): Promise<void> {
  const url = kind === "queues" ? `/api/reports/queues?${query()}` : `/api/reports/agents?${new URLSearchParams({ from: fromInput.value, to: addDays(toInput.value, 1), interval: intervalSelect.value })}`;
  const response = await fetch(url, { headers: { Accept: "text/csv" } });
  if (!response.ok) {
    say(`The CSV could not be made (${response.status}).`, "error");
    return;
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${kind}.csv`;
  const blob = await response.blob();
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

async function loadStaffing(): Promise<void> {
  const queue = byTestId<HTMLSelectElement>("staffing-queue").value;
  const date = byTestId<HTMLInputElement>("staffing-date").value;
  const weeks = byTestId<HTMLInputElement>("staffing-weeks").value;
  try {
    const report = await api<StaffingReport>("GET", `/api/reports/staffing?${new URLSearchParams({ queue, date, weeks, interval: "1h" })}`);
    byTestId("staffing-caveat").textContent = report.caveat;
    byTestId("staffing-rows").replaceChildren(
      ...report.rows.map((r) =>
        h(
          "tr",
          { testid: "staffing-row" },
          h("td", {}, localTime(r.start, false)),
          h("td", { class: "num" }, r.forecastCalls.toFixed(1)),
          h("td", { class: "num" }, seconds(r.forecastAht)),
          h("td", { class: "num" }, r.erlangs.toFixed(2)),
          h("td", { class: "num", testid: "agents-needed" }, r.agentsNeeded),
          h("td", { class: "num" }, r.agentsNeeded > 0 ? formatPercent(r.expectedServiceLevel) : ""),
          h("td", { class: "num" }, r.actualCalls ?? ""),
          h("td", { class: "num" }, r.agentsStaffed === null ? "" : r.agentsStaffed.toFixed(1)),
        ),
      ),
    );
    staffingChart.setOption(
      {
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 32, bottom: 40 },
        xAxis: { type: "category", data: report.rows.map((r) => localTime(r.start, false)) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "Agents needed (Erlang C)", type: "bar", data: report.rows.map((r) => r.agentsNeeded) },
          { name: "Agents staffed", type: "line", data: report.rows.map((r) => r.agentsStaffed) },
        ],
      },
      true,
    );
  } catch (e) {
    say(e instanceof ApiError ? e.message : "The staffing forecast could not be made.", "error");
  }
}

async function start(): Promise<void> {
  if (!session) {
    return;
  }
  byTestId("supervisor-name").textContent = session.name;
  wireSignOut(byTestId("sign-out"));
  try {
    settings = await api<QueueSettings[]>("GET", "/api/reports/settings");
  } catch (e) {
    say(e instanceof ApiError ? e.message : "The reports are not available.", "error");
    return;
  }
  for (const s of settings) {
    queueSelect.append(h("option", { value: s.queue }, s.queue));
    byTestId<HTMLSelectElement>("staffing-queue").append(h("option", { value: s.queue }, s.queue));
  }
  byTestId<HTMLInputElement>("staffing-date").value = todayIn(settings[0]?.timeZone);
  applyRange();
  rangeSelect.addEventListener("change", () => {
    applyRange();
    if (rangeSelect.value !== "custom") {
      void load();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  byTestId("download-csv").addEventListener("click", () => void download("queues"));
  byTestId("download-agents-csv").addEventListener("click", () => void download("agents"));
  byTestId("drilldown-close").addEventListener("click", () => (drilldown.hidden = true));
  byTestId<HTMLFormElement>("staffing-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void loadStaffing();
  });
  window.addEventListener("resize", () => [volumeChart, serviceChart, statesChart, staffingChart].forEach((c) => c.resize()));
  await load();
}

void start();
