// The agent desktop: presence, the screen pop while the phone rings, the live call, wrap-up, offers and work items (voicemails,
// preview callbacks) and customer search.
import type { HubConnection } from "@microsoft/signalr";
import {
  api,
  byTestId,
  connectHub,
  formatDuration,
  formatTime,
  h,
  requireSession,
  secondsSince,
  stateLabel,
  wireSignOut,
} from "./common";
import { startPhonePanel } from "./phonePanel";
import type { AgentStateView, CallState, CustomerCard, CustomerListItem, DialResult, MonitoringView, OutboundRefused, ScreenPop, WorkItem } from "./types";

const session = requireSession("agent", "supervisor");

let connection: HubConnection | null = null;
let agentState: AgentStateView | null = null;
let call: CallState | null = null;
let pop: ScreenPop | null = null;
/** The pop of the last call, kept once it is over so that the agent can call the customer back from it. */
let lastPop: ScreenPop | null = null;
let createdCustomer: CustomerCard | null = null;
let pendingState: string | null = null;

const stateEl = byTestId("agent-state");
const statusEl = byTestId("status-message");
const callPanel = byTestId("call-panel");
const workPanel = byTestId("work-panel");
const wrapUpForm = byTestId<HTMLFormElement>("wrap-up-form");
const disposition = byTestId<HTMLSelectElement>("disposition");
const notes = byTestId<HTMLTextAreaElement>("notes");
const caseLink = byTestId<HTMLSelectElement>("case-link");
const newCase = byTestId("new-case");
const newCaseSubject = byTestId<HTMLInputElement>("new-case-subject");
const customer360 = byTestId("customer-360");
const NEW_CASE = "new";
const completeButton = byTestId<HTMLButtonElement>("complete-wrap-up");
const reasonSelect = byTestId<HTMLSelectElement>("not-ready-reason");
const availableButton = byTestId<HTMLButtonElement>("go-available");
const notReadyButton = byTestId<HTMLButtonElement>("go-not-ready");
const searchInput = byTestId<HTMLInputElement>("customer-search");
const searchResults = byTestId("search-results");
const dialForm = byTestId<HTMLFormElement>("dial-form");
const dialNumber = byTestId<HTMLInputElement>("dial-number");
const dialButton = byTestId<HTMLButtonElement>("dial-button");
const dialRefusal = byTestId("dial-refusal");
const keypad = byTestId("keypad");

function say(message: string, kind: "info" | "error" = "info"): void {
  statusEl.textContent = message;
  statusEl.className = `status ${kind}`;
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^.*HubException: /, "");
}

// ---- presence ----

async function setState(state: "available" | "notReady"): Promise<void> {
  if (!connection) {
    return;
  }
  const reason = state === "notReady" ? reasonSelect.value : null;
  pendingState = state;
  renderState();
  try {
    await connection.invoke("SetState", state, reason);
    say(state === "available" ? "Asked to go Available." : `Asked to go Not ready (${reason}).`);
  } catch (e) {
    pendingState = null;
    renderState();
    say(`Could not change state: ${errorText(e)}`, "error");
  }
}

function renderState(): void {
  const state = agentState?.state ?? "loggedOut";
  // Reserved or on call for a work item (a voicemail): no phone rings, the agent is offered it or works on it.
  const item = agentState?.callId ? work.get(agentState.callId)?.item : undefined;
  const label = item && state === "reserved" ? "Offered" : item && state === "onCall" ? "Working" : stateLabel(state);
  stateEl.textContent = label + (state === "notReady" && agentState?.reason ? ` · ${agentState.reason}` : "");
  stateEl.className = `pill state-${state}`;
  stateEl.dataset.state = state;
  stateEl.title = agentState ? `Since ${formatTime(agentState.since)}` : "No presence from routing yet";
  availableButton.setAttribute("aria-pressed", String(state === "available"));
  notReadyButton.setAttribute("aria-pressed", String(state === "notReady"));
  const pending = byTestId("state-pending");
  pending.textContent = pendingState && pendingState !== state ? `requested: ${stateLabel(pendingState)}…` : "";
}

// ---- dialling out ----

function showRefusal(reason: string | null): void {
  dialRefusal.textContent = reason ? `Not called: ${reason}` : "";
  dialRefusal.hidden = !reason;
}

/** Dials a number as this agent; the server checks the number, the agent's state and the CRM's do-not-call. */
async function dial(number: string, customerId: string | null = null): Promise<void> {
  const text = number.trim();
  if (!connection || !text) {
    dialNumber.focus();
    return;
  }
  showRefusal(null);
  dialButton.disabled = true;
  try {
    const result = await connection.invoke<DialResult>("Dial", text, customerId);
    if (result.accepted) {
      say(`Calling ${result.customerName ? `${result.customerName} on ` : ""}${result.number}: your phone rings first.`);
      dialNumber.value = "";
    } else {
      showRefusal(result.reason ?? "refused");
      say(`Not called: ${result.reason ?? "refused"}`, "error");
    }
  } catch (e) {
    showRefusal(errorText(e));
    say(`Could not dial: ${errorText(e)}`, "error");
  } finally {
    dialButton.disabled = false;
  }
}

function callButton(number: string, customerId: string | null): HTMLButtonElement {
  const button = h("button", { type: "button", class: "small", testid: "call-customer", "data-number": number, title: `Call ${number}` }, "Call");
  button.addEventListener("click", () => void dial(number, customerId));
  return button;
}

for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "0", "⌫"]) {
  const button = h("button", { type: "button", class: "key", testid: `key-${key === "⌫" ? "back" : key}` }, key);
  button.addEventListener("click", () => {
    dialNumber.value = key === "⌫" ? dialNumber.value.slice(0, -1) : dialNumber.value + key;
    dialNumber.focus();
  });
  keypad.append(button);
}

dialForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void dial(dialNumber.value);
});

// ---- the call and the pop ----

/** Whether the agent has a call that is not over (ringing, talking or in wrap-up): no other call may be placed meanwhile. */
function callLive(): boolean {
  return call !== null && call.phase !== "ended";
}

/**
 * The customer card of a pop: the live call's, the last caller's once the call is over, or a work item's 360. With
 * <c>callable</c> its Call button calls the number that reached us back through click to dial (it waits while a call is live).
 */
function customerCard(p: ScreenPop | null = pop, forCall = true, callable = true): HTMLElement {
  const customer = p?.customer ?? (forCall ? createdCustomer : null);
  const number = p?.caller ?? (forCall ? call?.caller : null);
  const callBack = number && callable ? callButton(number, customer?.id ?? null) : null;
  if (callBack) {
    callBack.disabled = callLive();
    callBack.title = callLive() ? "Available once this call is over and wrapped up" : `Call ${number}`;
  }
  if (!forCall && !customer) {
    return h(
      "section",
      { class: "card customer unknown", testid: "customer-card" },
      h("div", { class: "customer-head" }, h("h2", {}, "New caller"), callBack),
      h("p", { class: "muted" }, `No customer has the number ${number ?? "—"}.`),
    );
  }
  if (customer) {
    return h(
      "section",
      { class: "card customer", testid: "customer-card", "aria-label": "Customer" },
      h(
        "div",
        { class: "customer-head" },
        h("h2", { testid: "customer-name" }, customer.name),
        h("span", { class: `badge tier-${customer.tier.toLowerCase()}`, testid: "customer-tier" }, customer.tier),
        customer.doNotCall && h("span", { class: "badge danger", testid: "do-not-call" }, "Do not call"),
        customer.language && h("span", { class: "badge" }, customer.language),
        callBack,
      ),
      customer.notes && h("p", { class: "customer-notes", testid: "customer-notes" }, customer.notes),
      p && p.totalInteractions > 0 && h("p", { class: "muted" }, `${p.totalInteractions} contacts on record`),
    );
  }

  const nameInput = h("input", {
    type: "text",
    testid: "new-customer-name",
    placeholder: "Customer name",
    "aria-label": "New customer's name",
    maxlength: 200,
    required: true,
  });
  const button = h("button", { type: "submit", class: "primary", testid: "create-customer" }, "Create customer");
  const form = h(
    "form",
    { class: "inline-form", testid: "create-customer-form" },
    nameInput,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) {
      nameInput.focus();
      return;
    }
    button.disabled = true;
    try {
      const number = pop?.caller ?? call?.caller;
      const created = await api<CustomerCard & Record<string, unknown>>("POST", "/api/customers", {
        name,
        phones: number ? [number] : [],
      });
      createdCustomer = {
        id: String(created.id),
        name: String(created.name ?? name),
        tier: String(created.tier ?? "standard"),
        doNotCall: Boolean(created.doNotCall),
      };
      say(`Customer ${createdCustomer.name} created.`);
      renderCall();
    } catch (e) {
      say(`Could not create the customer: ${errorText(e)}`, "error");
      button.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card customer unknown", testid: "unknown-caller", "aria-label": "Unknown caller" },
    h("h2", {}, "New caller"),
    h("p", { class: "muted" }, `No customer has the number ${pop?.caller ?? call?.caller ?? "—"}.`),
    form,
  );
}

function casesTable(p: ScreenPop | null = pop): HTMLElement {
  const cases = p?.openCases ?? [];
  if (cases.length === 0) {
    return h("section", { class: "card", testid: "open-cases" }, h("h3", {}, "Open cases"), h("p", { class: "muted" }, "None."));
  }
  const rows = cases.map((c) =>
    h(
      "tr",
      { testid: "case-row", "data-case-id": c.id, class: c.slaBreached ? "breached" : undefined },
      h("td", { class: "mono" }, c.number),
      h("td", {}, c.subject),
      h("td", {}, h("span", { class: "badge" }, c.status)),
      h("td", {}, h("span", { class: `badge priority-${c.priority}` }, c.priority)),
      h("td", { testid: "case-age" }, c.age),
      h(
        "td",
        { testid: "case-sla" },
        c.slaDueAt ? (c.slaBreached ? h("span", { class: "badge danger" }, "SLA breached") : `due ${formatTime(c.slaDueAt)}`) : "—",
      ),
    ),
  );
  return h(
    "section",
    { class: "card", testid: "open-cases" },
    h("h3", {}, `Open cases (${cases.length})`),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...["Case", "Subject", "Status", "Priority", "Age", "SLA"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows),
    ),
  );
}

function interactionsList(p: ScreenPop | null = pop): HTMLElement {
  const items = p?.recentInteractions ?? [];
  return h(
    "section",
    { class: "card", testid: "recent-interactions" },
    h("h3", {}, "Recent contacts"),
    items.length === 0
      ? h("p", { class: "muted" }, "None.")
      : h(
          "ul",
          { class: "history" },
          ...items.map((i) =>
            h(
              "li",
              {},
              h("span", { class: "when" }, formatTime(i.startedAt)),
              " ",
              h("span", {}, [i.queue, i.agentId, i.outcome, i.disposition].filter(Boolean).join(" · ")),
              i.notes && h("div", { class: "muted" }, i.notes),
              i.hasVoicemail && voicemailView(i.callId, i.voicemailSeconds, i.transcript),
            ),
          ),
        ),
  );
}

/**
 * A voicemail: its length, a player that streams it from the CRM (the cc_token cookie the sign-in set authenticates
 * the request, and range requests let it seek; preload="none" fetches nothing until the agent presses play), and the
 * transcript when there is one.
 */
function voicemailView(callId: string, seconds: number | null | undefined, transcript: string | null | undefined): HTMLElement {
  return h(
    "div",
    { class: "voicemail", testid: "voicemail" },
    h("span", { class: "badge" }, "Voicemail"),
    " ",
    h("span", { class: "muted", testid: "voicemail-length" }, seconds == null ? "" : formatDuration(seconds)),
    h("audio", {
      controls: true,
      preload: "none",
      src: `/api/interactions/${encodeURIComponent(callId)}/voicemail`,
      testid: "voicemail-player",
    }),
    transcript && h("blockquote", { class: "transcript", testid: "voicemail-transcript" }, transcript),
  );
}

const baseTitle = document.title;

function renderCall(): void {
  callPanel.replaceChildren();
  refreshWorkButtons();
  document.title = call?.phase === "ringing" ? `☎ Ringing: ${pop?.customer?.name ?? call.caller ?? "call"} · ${baseTitle}` : baseTitle;
  const outbound = call?.direction === "outbound";
  if (!call) {
    callPanel.append(h("div", { class: "idle", testid: "no-call" }, "No call. Calls pop here the moment your phone rings."));
    if (lastPop) {
      // The last caller stays at hand, to call them back.
      callPanel.append(h("section", { class: "last-caller", testid: "last-caller" }, h("h3", {}, "Last caller"), customerCard(lastPop, false, true)));
    }
    wrapUpForm.hidden = true;
    return;
  }
  const phaseText: Record<string, string> = { ringing: "Ringing", connected: "Connected", wrapUp: "Wrap-up", ended: "Ended" };
  callPanel.append(
    h(
      "section",
      { class: `card call phase-${call.phase}`, testid: "call-card", "data-call-id": call.callId },
      h(
        "div",
        { class: "call-head" },
        h("span", { class: `pill phase-${call.phase}`, testid: "call-phase", "data-phase": call.phase }, phaseText[call.phase] ?? call.phase),
        pop?.isCallback ? h("span", { class: "pill callback", testid: "callback-badge" }, "Callback") : null,
        outbound ? h("span", { class: "pill callback", testid: "outbound-badge" }, "Outbound") : null,
        h("span", { class: "caller mono", testid: "caller" }, pop?.caller ?? call.caller ?? "unknown number"),
        h("span", { class: "timer mono", testid: "call-timer", "aria-label": "Call timer" }, ""),
      ),
      h(
        "dl",
        { class: "facts" },
        ...(outbound
          ? [h("dt", {}, "Customer"), h("dd", { testid: "outbound-customer" }, call.customerName ?? "—")]
          : [
              h("dt", {}, "Queue"),
              h("dd", { testid: "queue" }, pop?.queue ?? call.queue ?? "—"),
              h("dt", {}, "IVR path"),
              h("dd", { testid: "ivr-path", class: "mono" }, pop?.ivrPath ?? call.ivrPath ?? "—"),
              h("dt", {}, "Waited"),
              h("dd", { testid: "waited" }, formatDuration(pop?.waitedSeconds ?? call.waitedSeconds ?? 0)),
            ]),
        ...(pop?.isCallback
          ? [
              h("dt", {}, "Requested"),
              h("dd", { testid: "callback-requested" }, new Date(Date.parse(pop.occurredAt) - pop.waitedSeconds * 1000).toLocaleTimeString()),
              h("dt", {}, "Dialling"),
              h("dd", { testid: "callback-number", class: "mono" }, pop.caller),
            ]
          : []),
      ),
    ),
    ...(outbound ? [] : [customerCard(), casesTable(), interactionsList()]),
  );

  const showWrapUp = call.phase === "connected" || call.phase === "wrapUp";
  if (showWrapUp && wrapUpForm.hidden) {
    wrapUpForm.reset();
  }
  wrapUpForm.hidden = !showWrapUp;
  completeButton.disabled = call.phase !== "wrapUp";
  completeButton.title = call.phase === "wrapUp" ? "Alt+Enter" : "Available once the call has ended";
  const selected = caseLink.value;
  const customer = pop?.customer ?? createdCustomer;
  caseLink.replaceChildren(
    h("option", { value: "" }, "No case"),
    ...(pop?.openCases ?? []).map((c) => h("option", { value: c.id }, `${c.number} — ${c.subject}`)),
    ...(customer ? [h("option", { value: NEW_CASE }, "New case…")] : []),
  );
  caseLink.value = [...caseLink.options].some((o) => o.value === selected) ? selected : "";
  newCase.hidden = caseLink.value !== NEW_CASE;
  refreshWorkButtons();
  tick();
}

function tick(): void {
  for (const countdown of workPanel.querySelectorAll<HTMLElement>('[data-testid="offer-countdown"]')) {
    const expires = countdown.dataset.expires;
    countdown.textContent = expires ? `accept within ${formatDuration(Math.max(0, (Date.parse(expires) - Date.now()) / 1000))}` : "";
  }
  const timer = document.querySelector<HTMLElement>('[data-testid="call-timer"]');
  if (!timer || !call) {
    return;
  }
  if (call.phase === "ringing" && call.direction === "outbound") {
    timer.textContent = `calling ${formatDuration(secondsSince(call.ringingAt))}`;
  } else if (call.phase === "ringing") {
    timer.textContent = `ringing ${formatDuration(secondsSince(call.ringingAt ?? pop?.occurredAt))}`;
  } else if (call.phase === "connected") {
    timer.textContent = `talking ${formatDuration(secondsSince(call.connectedAt))}`;
  } else if (call.phase === "wrapUp") {
    const talk = call.connectedAt && call.endedAt ? (Date.parse(call.endedAt) - Date.parse(call.connectedAt)) / 1000 : 0;
    timer.textContent = `talked ${formatDuration(talk)} · wrap-up ${formatDuration(secondsSince(call.endedAt))}`;
  }
}

function onPop(p: ScreenPop): void {
  if (!call || call.callId !== p.callId) {
    call = {
      callId: p.callId,
      agentId: p.agentId,
      phase: "ringing",
      caller: p.caller,
      queue: p.queue,
      ivrPath: p.ivrPath,
      waitedSeconds: p.waitedSeconds,
      ringingAt: p.occurredAt,
    };
  }
  if (!pop || pop.callId !== p.callId) {
    createdCustomer = null;
  }
  pop = p;
  say(`Incoming call from ${p.customer?.name ?? p.caller} (${p.queue}).`);
  renderCall();
}

function onCallState(c: CallState): void {
  if (c.phase === "ended") {
    if (call?.callId === c.callId) {
      const why = c.wrapUpCompletedAt ? "Wrap-up completed." : `Call ended${c.endReason ? `: ${c.endReason}` : ""}.`;
      lastPop = pop ?? lastPop;
      call = null;
      pop = null;
      createdCustomer = null;
      say(why);
      renderCall();
    }
    return;
  }
  if (pop && pop.callId !== c.callId) {
    pop = null;
    createdCustomer = null;
  }
  if (call?.phase !== c.phase) {
    if (c.phase === "ringing" && c.direction === "outbound") {
      say(`Calling ${c.customerName ?? c.caller ?? "the number"}: answer your phone.`);
    } else if (c.phase === "connected" && c.direction === "outbound") {
      say(`Your phone answered: dialling ${c.customerName ?? c.caller ?? "the number"}…`);
    } else if (c.phase === "connected") {
      say(`Connected to ${pop?.customer?.name ?? c.caller ?? "the caller"}.`);
    } else if (c.phase === "wrapUp") {
      say(`Call ended${c.endedBy ? ` by the ${c.endedBy}` : ""}: choose a disposition and complete wrap-up (Alt+W).`);
    }
  }
  call = c;
  renderCall();
}

// ---- offers and work items (voicemails, preview callbacks) ----

interface WorkCard {
  item: WorkItem;
  card: HTMLElement;
  /** Built once per voicemail and moved into each new rendering, so playback and the wrap-up being typed survive updates. */
  player?: HTMLAudioElement;
  form?: HTMLFormElement;
}

const work = new Map<string, WorkCard>();

function onWorkItem(item: WorkItem): void {
  const known = work.get(item.callId);
  if (item.phase === "ended") {
    if (known) {
      known.player?.pause();
      known.card.remove();
      work.delete(item.callId);
      const name = item.pop?.customer?.name ?? item.caller ?? "the caller";
      say(item.kind === "previewCallback" && item.acceptedAt
        ? `Callback to ${name} accepted: answer your phone, then the customer is dialled.`
        : `${item.kind === "voicemail" ? "Voicemail" : "Callback"} from ${name}: ${item.endReason ?? "done"}.`);
    }
    renderWorkIdle();
    renderState();
    return;
  }
  if (!known) {
    const name = item.pop?.customer?.name ?? item.caller ?? "a caller";
    say(item.kind === "voicemail" ? `Voicemail from ${name} offered: accept it to listen.` : `Callback to ${name} offered: accept to call.`);
  }
  const entry: WorkCard = known ?? { item, card: h("section") };
  entry.item = item;
  const card = workCard(entry);
  if (known) {
    known.card.replaceWith(card);
  } else {
    workPanel.append(card);
  }
  entry.card = card;
  work.set(item.callId, entry);
  renderWorkIdle();
  renderState();
  tick();
}

function renderWorkIdle(): void {
  workPanel.hidden = work.size === 0;
}

function workCard(entry: WorkCard): HTMLElement {
  const w = entry.item;
  const p = w.pop ?? null;
  const voicemail = w.kind === "voicemail";
  const offered = w.phase === "offered";
  const name = p?.customer?.name ?? "New caller";
  const requested = w.waitedSeconds != null ? new Date(Date.parse(w.offeredAt) - w.waitedSeconds * 1000) : null;
  const card = h(
    "section",
    { class: `card work phase-${w.phase}`, testid: "work-item", "data-call-id": w.callId, "data-kind": w.kind, "data-phase": w.phase },
    h(
      "div",
      { class: "call-head" },
      h("span", { class: `pill ${voicemail ? "voicemail" : "callback"}`, testid: "work-kind" }, voicemail ? "Voicemail" : "Callback (preview)"),
      h("span", { class: `pill phase-${offered ? "ringing" : "connected"}`, testid: "work-phase" }, offered ? "Offered" : "Working"),
      h("span", { class: "caller", testid: "work-customer" }, name),
      h("span", { class: "timer mono", testid: "offer-countdown", "data-expires": offered ? (w.expiresAt ?? "") : "" }, ""),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, voicemail ? "From" : "Dialling"),
      h("dd", { class: "mono", testid: "work-number" }, w.caller ?? "—"),
      h("dt", {}, "Queue"),
      h("dd", { testid: "work-queue" }, w.queue ?? "—"),
      h("dt", {}, voicemail ? "Left at" : "Requested"),
      h("dd", { testid: "work-requested" }, requested ? requested.toLocaleTimeString() : "—"),
      h("dt", {}, "Waited"),
      h("dd", { testid: "work-waited" }, formatDuration(w.waitedSeconds ?? 0)),
      ...(voicemail
        ? [h("dt", {}, "Message"), h("dd", { testid: "work-voicemail-length" }, w.voicemailSeconds == null ? "—" : formatDuration(w.voicemailSeconds))]
        : []),
    ),
  );
  if (offered) {
    const accept = h("button", { type: "button", class: "primary", testid: "accept-offer" }, "Accept");
    const skip = h("button", { type: "button", testid: "skip-offer" }, "Skip");
    accept.addEventListener("click", () => void answerOffer(w, true, accept, skip));
    skip.addEventListener("click", () => void answerOffer(w, false, accept, skip));
    card.append(h("div", { class: "offer-actions" }, accept, skip));
  } else if (voicemail) {
    card.append(workingVoicemail(entry));
  }
  if (p) {
    card.append(customerCard(p, false, false), casesTable(p), interactionsList(p));
  }
  return card;
}

async function answerOffer(w: WorkItem, accept: boolean, ...buttons: HTMLButtonElement[]): Promise<void> {
  if (!connection) {
    return;
  }
  buttons.forEach((b) => (b.disabled = true));
  try {
    await connection.invoke(accept ? "AcceptOffer" : "SkipOffer", w.callId);
    say(accept ? "Accepted." : "Skipped: it goes to the next agent.");
  } catch (e) {
    say(`Could not ${accept ? "accept" : "skip"}: ${errorText(e)}`, "error");
    buttons.forEach((b) => (b.disabled = false));
  }
}

/** A voicemail being worked on: the message (streamed from the CRM), Call back, and its wrap-up, which completes it. */
function workingVoicemail(entry: WorkCard): HTMLElement {
  const w = entry.item;
  const player = (entry.player ??= h("audio", {
    controls: true,
    preload: "auto",
    src: `/api/interactions/${encodeURIComponent(w.voicemailCallId ?? w.callId)}/voicemail`,
    testid: "work-voicemail-player",
  }));
  const play = h("button", { type: "button", testid: "play-voicemail" }, "▶ Play");
  play.addEventListener("click", () => {
    player.currentTime = player.ended ? 0 : player.currentTime;
    player.play().catch((e: unknown) => say(`Could not play the voicemail: ${errorText(e)}`, "error"));
  });
  const callBack = h("button", { type: "button", class: "primary", testid: "call-back", "data-number": w.caller ?? "" }, `Call back ${w.caller ?? ""}`);
  callBack.disabled = callLive();
  callBack.addEventListener("click", () => void callBackFrom(w, callBack));
  const form = (entry.form ??= workWrapUpForm(w));
  return h(
    "div",
    { class: "work-body" },
    h("div", { class: "voicemail" }, play, player),
    h("div", { class: "offer-actions" }, callBack, w.callBackId ? h("span", { class: "muted", testid: "called-back" }, "Called back") : null),
    form,
  );
}

function workWrapUpForm(w: WorkItem): HTMLFormElement {
  const choice = h(
    "select",
    { testid: "work-disposition", "aria-label": "Disposition", required: true },
    h("option", { value: "" }, "Choose…"),
    ...[["resolved", "Resolved"], ["called-back", "Called back"], ["follow-up", "Follow-up needed"], ["no-action", "No action needed"], ["wrong-number", "Wrong number"]]
      .map(([value, text]) => h("option", { value }, text)),
  );
  const text = h("textarea", { testid: "work-notes", rows: 3, maxlength: 4000, "aria-label": "Notes" });
  const complete = h("button", { type: "submit", class: "primary", testid: "complete-work" }, "Complete");
  const form = h("form", { class: "wrap-up", testid: "work-wrap-up" }, h("label", {}, "Disposition"), choice, h("label", {}, "Notes"), text, complete);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!connection) {
      return;
    }
    if (!choice.value) {
      say("Choose a disposition.", "error");
      choice.focus();
      return;
    }
    if (callLive() && call?.workItemId === w.callId) {
      say("Finish the call back first.", "error");
      return;
    }
    complete.disabled = true;
    try {
      await connection.invoke("CompleteWrapUp", w.callId, choice.value, text.value.trim() || null);
      say("Voicemail completed.");
    } catch (e) {
      say(`Could not complete: ${errorText(e)}`, "error");
      complete.disabled = false;
    }
  });
  return form;
}

async function callBackFrom(w: WorkItem, button: HTMLButtonElement): Promise<void> {
  if (!connection) {
    return;
  }
  showRefusal(null);
  button.disabled = true;
  try {
    const result = await connection.invoke<DialResult>("CallBack", w.callId);
    if (result.accepted) {
      say(`Calling ${result.customerName ? `${result.customerName} on ` : ""}${result.number}: your phone rings first.`);
    } else {
      showRefusal(result.reason ?? "refused");
      say(`Not called: ${result.reason ?? "refused"}`, "error");
      button.disabled = false;
    }
  } catch (e) {
    say(`Could not call back: ${errorText(e)}`, "error");
    button.disabled = false;
  }
}

/** Call back buttons wait while a call is live. */
function refreshWorkButtons(): void {
  for (const b of workPanel.querySelectorAll<HTMLButtonElement>('[data-testid="call-back"], [data-testid="call-customer"]')) {
    b.disabled = callLive();
  }
}

wrapUpForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!connection || !call || call.phase !== "wrapUp") {
    return;
  }
  if (!disposition.value) {
    say("Choose a disposition.", "error");
    disposition.focus();
    return;
  }
  const customer = pop?.customer ?? createdCustomer;
  if (caseLink.value === NEW_CASE && (!newCaseSubject.value.trim() || !customer)) {
    say("Give the new case a subject.", "error");
    newCaseSubject.focus();
    return;
  }
  completeButton.disabled = true;
  try {
    const text = notes.value.trim() || null;
    let caseId = caseLink.value;
    if (caseId === NEW_CASE && customer) {
      const created = await api<{ case: { id: string; number: string } }>("POST", "/api/cases", {
        customerId: customer.id,
        subject: newCaseSubject.value.trim(),
        description: text,
        ownerAgentId: session?.login,
      });
      caseId = created.case.id;
      say(`Case ${created.case.number} opened.`);
    }
    if (caseId) {
      await connection.invoke("CompleteWrapUpWithCase", call.callId, disposition.value, text, caseId);
    } else {
      await connection.invoke("CompleteWrapUp", call.callId, disposition.value, text);
    }
    // The server confirms with CallStateChanged(ended); clear here too in case it no longer knew the call.
    onCallState({ ...call, phase: "ended", wrapUpCompletedAt: new Date().toISOString() });
  } catch (e) {
    say(`Could not complete wrap-up: ${errorText(e)}`, "error");
    completeButton.disabled = false;
  }
});

caseLink.addEventListener("change", () => {
  newCase.hidden = caseLink.value !== NEW_CASE;
  if (!newCase.hidden) {
    newCaseSubject.focus();
  }
});

// ---- customer search ----

interface Customer360 {
  customer: CustomerCard & { phones?: string[]; email?: string | null };
  openCases: { id: string; number: string; subject: string; status: string; priority: string; slaBreached?: boolean }[];
  recentInteractions: {
    callId: string;
    startedAt: string;
    queue?: string | null;
    agentId?: string | null;
    outcome?: string | null;
    disposition?: string | null;
    voicemailPath?: string | null;
    voicemailSeconds?: number | null;
    transcript?: string | null;
    direction?: string | null;
    endReason?: string | null;
  }[];
  totals?: { interactions?: number };
}

async function showCustomer(id: string): Promise<void> {
  try {
    const c = await api<Customer360>("GET", `/api/customers/${encodeURIComponent(id)}`);
    customer360.replaceChildren(
      h(
        "div",
        { class: "customer-head" },
        h("h2", { testid: "customer-360-name" }, c.customer.name),
        h("span", { class: `badge tier-${String(c.customer.tier).toLowerCase()}` }, c.customer.tier),
        c.customer.doNotCall && h("span", { class: "badge danger" }, "Do not call"),
      ),
      h(
        "ul",
        { class: "phones", testid: "customer-360-phones" },
        ...(c.customer.phones ?? []).map((p) =>
          h("li", {}, h("span", { class: "muted mono" }, p), " ", callButton(p, c.customer.id)),
        ),
      ),
      h("h3", {}, `Open cases (${c.openCases.length})`),
      h(
        "ul",
        { class: "history" },
        ...c.openCases.map((k) => h("li", { testid: "customer-360-case" }, h("span", { class: "mono" }, k.number), " ", k.subject, " ",
          h("span", { class: `badge priority-${k.priority}` }, k.priority), k.slaBreached && h("span", { class: "badge danger" }, "SLA breached"))),
      ),
      h("h3", {}, "Recent contacts"),
      h(
        "ul",
        { class: "history" },
        ...c.recentInteractions.map((i) => h("li", {}, h("span", { class: "when" }, formatTime(i.startedAt)), " ",
          [i.direction === "outbound" ? "outbound" : null, i.queue, i.agentId, i.outcome, i.disposition].filter(Boolean).join(" · "),
          i.outcome === "failed" && i.endReason && h("div", { class: "muted", testid: "customer-360-reason" }, i.endReason),
          i.voicemailPath && voicemailView(i.callId, i.voicemailSeconds, i.transcript))),
      ),
    );
    customer360.hidden = false;
  } catch (e) {
    say(`Could not open the customer: ${errorText(e)}`, "error");
  }
}

let searchTimer: number | undefined;
let searchSeq = 0;

async function search(): Promise<void> {
  const q = searchInput.value.trim();
  const seq = ++searchSeq;
  if (q.length < 2) {
    searchResults.replaceChildren();
    return;
  }
  try {
    const data = await api<CustomerListItem[] | { items?: CustomerListItem[] }>(
      "GET",
      `/api/customers?q=${encodeURIComponent(q)}&pageSize=10`,
    );
    if (seq !== searchSeq) {
      return;
    }
    const items = Array.isArray(data) ? data : (data?.items ?? []);
    searchResults.replaceChildren(
      ...(items.length === 0
        ? [h("li", { class: "muted" }, "No customer found.")]
        : items.map((c) =>
            h(
              "li",
              { testid: "search-result", "data-customer-id": c.id },
              searchResultButton(c),
              c.tier && h("span", { class: `badge tier-${c.tier.toLowerCase()}` }, c.tier),
              c.doNotCall && h("span", { class: "badge danger" }, "Do not call"),
              h("span", { class: "muted mono" }, phoneText(c)),
            ),
          )),
    );
  } catch (e) {
    if (seq === searchSeq) {
      searchResults.replaceChildren(h("li", { class: "error" }, `Search failed: ${errorText(e)}`));
    }
  }
}

function searchResultButton(c: CustomerListItem): HTMLButtonElement {
  const button = h("button", { type: "button", class: "link strong", title: "Open the customer" }, c.name);
  button.addEventListener("click", () => void showCustomer(c.id));
  return button;
}

function phoneText(c: CustomerListItem): string {
  const phones = c.phones ?? c.phoneNumbers ?? c.phone;
  if (Array.isArray(phones)) {
    return phones.map((p) => (typeof p === "string" ? p : String((p as { number?: string; e164?: string }).e164 ?? (p as { number?: string }).number ?? ""))).join(", ");
  }
  return typeof phones === "string" ? phones : "";
}

searchInput.addEventListener("input", () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void search(), 250);
});
byTestId<HTMLFormElement>("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  window.clearTimeout(searchTimer);
  void search();
});

// ---- keyboard ----

document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const key = event.key.toLowerCase();
  if (key === "a") {
    event.preventDefault();
    void setState("available");
  } else if (key === "n") {
    event.preventDefault();
    void setState("notReady");
  } else if (key === "d") {
    event.preventDefault();
    dialNumber.focus();
  } else if (key === "s") {
    event.preventDefault();
    searchInput.focus();
  } else if (key === "w" && !wrapUpForm.hidden) {
    event.preventDefault();
    disposition.focus();
  } else if (key === "enter" && !wrapUpForm.hidden && !completeButton.disabled) {
    event.preventDefault();
    wrapUpForm.requestSubmit();
  }
});

// ---- start ----

if (session) {
  byTestId("agent-name").textContent = `${session.name} (${session.login})`;
  wireSignOut(byTestId("sign-out"));
  availableButton.addEventListener("click", () => void setState("available"));
  notReadyButton.addEventListener("click", () => void setState("notReady"));
  renderState();
  renderCall();
  renderWorkIdle();
  startPhonePanel(session.login, say);
  connection = connectHub(
    "/hubs/agent",
    (c) => {
      c.on("ScreenPop", onPop);
      c.on("CallStateChanged", onCallState);
      c.on("WorkItemChanged", onWorkItem);
      c.on("MonitoringChanged", onMonitoring);
      c.on("OutboundCallRefused", (r: OutboundRefused) => {
        showRefusal(r.reason);
        say(`Not called: ${r.reason}`, "error");
      });
      c.on("AgentStateChanged", (s: AgentStateView) => {
        agentState = s;
        pendingState = null;
        if (call?.phase === "wrapUp" && ["available", "notReady", "loggedOut"].includes(s.state)) {
          onCallState({ ...call, phase: "ended", endReason: s.reason ?? "wrap-up ended" });
        }
        renderState();
      });
    },
    byTestId("connection"),
  );
  document.body.dataset.ready = "true";
  window.setInterval(tick, 500);
}

/**
 * "Being monitored" (issue 18): shown only when the server's Desktop:Monitoring:AgentSeesMonitoring setting sends these
 * events; names the supervisor and the mode while they are in the call, gone when they leave.
 */
function onMonitoring(m: MonitoringView): void {
  let banner = document.querySelector<HTMLElement>('[data-testid="monitored-banner"]');
  const inCall = m.phase === "started" || m.phase === "modeChanged";
  if (!inCall) {
    banner?.remove();
    return;
  }
  if (!banner) {
    banner = h("p", { class: "status info", role: "status", testid: "monitored-banner" });
    statusEl.before(banner);
  }
  const how: Record<string, string> = { listen: "listening", whisper: "whispering to you", barge: "in the call", takeOver: "taking the call over", leave: "leaving" };
  banner.dataset.mode = m.mode;
  banner.textContent = `Being monitored: ${m.supervisorId} is ${how[m.mode] ?? m.mode}.`;
}
