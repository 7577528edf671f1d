// The agent desktop's phone panel: this browser as the agent's phone (phone.ts), or a SIP phone instead.
// - "This browser": the microphone is checked first (permission, a device); only then does the phone register over /sip
//   with the sign-in. No microphone or a refused permission: a clear message, nothing registered.
// - "A SIP phone": nothing registers from the browser; the agent's desk phone or softphone rings as before.
// The choice and the microphone are remembered in this browser (localStorage, per login).
// While a call is on the browser phone: Answer / Decline while it rings (with the screen pop beside it), then Hang up,
// Hold/Resume, Mute, blind transfer to a queue or an agent picked from a list (REFER), a DTMF keypad and a call timer.
import { api, byTestId, formatDuration, h } from "./common";
import {
  type BrowserPhone,
  checkMicrophone,
  type IncomingCall,
  listMicrophones,
  MicrophoneError,
  type PhoneCall,
  type PhoneState,
  startBrowserPhone,
} from "./phone";

export type PhoneKind = "browser" | "sip";

interface QueueBoardJson {
  queue: { queue: string; agentsAvailable?: number };
}

interface AgentJson {
  agentId: string;
  displayName?: string;
  state: string | number;
  /** The directory's phone kind: which of the agent's phones the gateway rings ("both" when absent). */
  phone?: string | number;
}

/** The directory's phone kind from routing's agent list (enum as a name or its number: Both 0, Browser 1, Sip 2). */
function directoryKind(phone: string | number | undefined): "both" | "browser" | "sip" {
  const text = String(phone ?? "both").toLowerCase();
  return text === "sip" || text === "2" ? "sip" : text === "browser" || text === "1" ? "browser" : "both";
}

export interface PhonePanel {
  /** The call on the browser phone, if any. */
  readonly call: PhoneCall | null;
}

export function startPhonePanel(login: string, say: (message: string, kind?: "info" | "error") => void): PhonePanel {
  const kindKey = `cc_phone_kind:${login}`;
  const micKey = `cc_phone_mic:${login}`;
  const panel = byTestId("phone-panel");
  const stateEl = byTestId("phone-state");
  const message = byTestId("phone-message");
  const kindSelect = byTestId<HTMLSelectElement>("phone-kind");
  const micSelect = byTestId<HTMLSelectElement>("phone-microphone");
  const retry = byTestId<HTMLButtonElement>("phone-retry");
  const audio = byTestId<HTMLAudioElement>("phone-audio");
  const callArea = byTestId("phone-call");

  let phone: BrowserPhone | null = null;
  let call: PhoneCall | null = null;
  let caller: IncomingCall | null = null;
  let ring: { stop(): void } | null = null;
  let transferTargets: { value: string; label: string }[] = [];

  const stored = localStorage.getItem(kindKey);
  kindSelect.value = stored === "sip" ? "sip" : "browser";

  function showState(state: PhoneState | "sip" | "no-microphone" | "off", text: string): void {
    stateEl.textContent = text;
    stateEl.dataset.state = state;
    stateEl.className = `pill phone-${state === "registered" ? "ok" : state === "sip" || state === "connecting" ? "neutral" : "bad"}`;
  }

  function showMessage(text: string | null, kind: "info" | "error" = "error"): void {
    message.textContent = text ?? "";
    message.className = kind;
    message.hidden = !text;
  }

  function stopPhone(): void {
    phone?.stop();
    phone = null;
  }

  async function fillMicrophones(list?: Awaited<ReturnType<typeof listMicrophones>>): Promise<void> {
    const mics = list ?? (await listMicrophones());
    const chosen = micSelect.value || localStorage.getItem(micKey) || "";
    micSelect.replaceChildren(
      h("option", { value: "" }, "System default"),
      ...mics.filter((m) => m.deviceId && m.deviceId !== "default").map((m) => h("option", { value: m.deviceId }, m.label)),
    );
    micSelect.value = [...micSelect.options].some((o) => o.value === chosen) ? chosen : "";
    micSelect.disabled = false;
  }

  /** The directory's phone kind for this agent ("both" when routing cannot say). */
  let directory: "both" | "browser" | "sip" = "both";

  async function readDirectory(): Promise<void> {
    try {
      const agents = await api<AgentJson[]>("GET", "/api/routing/agents");
      directory = directoryKind(agents.find((a) => a.agentId === login)?.phone);
    } catch {
      directory = "both";
    }
    panel.dataset.directory = directory;
    const browserOption = kindSelect.querySelector<HTMLOptionElement>('option[value="browser"]');
    if (browserOption) {
      browserOption.disabled = directory === "sip";
    }
  }

  /** The chosen kind: the SIP phone (nothing registers), or this browser after the microphone was checked. */
  async function apply(): Promise<void> {
    stopPhone();
    showMessage(null);
    retry.hidden = true;
    // The directory says only SIP phones ring for this agent: the browser is not registered (it would never ring).
    const kind: PhoneKind = directory === "sip" ? "sip" : (kindSelect.value as PhoneKind);
    kindSelect.value = kind;
    if (directory !== "sip") {
      localStorage.setItem(kindKey, kind);
    }
    panel.dataset.kind = kind;
    if (kind === "sip") {
      micSelect.disabled = true;
      showState("sip", "Using your SIP phone");
      showMessage(
        directory === "sip"
          ? "Your phone in the directory is a SIP phone: calls ring it (desk phone or softphone registered as you), not this browser. A supervisor can change it."
          : "Calls ring your SIP phone (desk phone or softphone registered as you). This browser is not registered.",
        "info",
      );
      return;
    }
    showState("connecting", "Checking the microphone…");
    let mics;
    try {
      mics = await checkMicrophone(localStorage.getItem(micKey) || null);
    } catch (e) {
      if (e instanceof MicrophoneError && e.kind === "missing" && localStorage.getItem(micKey)) {
        // The remembered microphone is gone: fall back to the system's once.
        localStorage.removeItem(micKey);
        return apply();
      }
      const text = e instanceof Error ? e.message : String(e);
      showState("no-microphone", "Not registered");
      showMessage(`${text} The browser phone is not registered: calls cannot reach you here.`);
      retry.hidden = false;
      micSelect.disabled = true;
      return;
    }
    if ((kindSelect.value as PhoneKind) !== "browser") {
      return;
    }
    await fillMicrophones(mics);
    showState("connecting", "Registering…");
    const started = startBrowserPhone({ login, audio, microphone: () => micSelect.value || null });
    phone = started;
    started.onStateChanged((state, reason) => {
      if (phone !== started) {
        return;
      }
      const text: Record<PhoneState, string> = {
        connecting: "Connecting…",
        registered: "Registered",
        unregistered: "Not registered",
        failed: "Not registered",
      };
      showState(state, text[state]);
      if (state === "failed") {
        showMessage(`Registration failed: ${reason ?? "no reason given"}.`);
        retry.hidden = false;
      } else if (state === "registered") {
        showMessage(directory === "both" ? "Calls ring this browser and any SIP phone registered as you; the first to answer takes the call." : null, "info");
      } else if (reason) {
        showMessage(reason, "info");
      }
    });
    started.onIncoming((incoming) => onIncoming(incoming));
  }

  function onIncoming(incoming: IncomingCall): void {
    if (call && call.phase !== "ended") {
      // One call at a time: a second INVITE is turned away (the gateway re-queues it).
      incoming.call.decline();
      return;
    }
    caller = incoming;
    call = incoming.call;
    call.onChanged(render);
    startRing();
    void loadTransferTargets();
    render();
  }

  function startRing(): void {
    ring?.stop();
    try {
      const context = new AudioContext();
      const gain = context.createGain();
      gain.gain.value = 0;
      gain.connect(context.destination);
      const tone = context.createOscillator();
      tone.frequency.value = 440;
      tone.connect(gain);
      tone.start();
      // UK-style double ring: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
      const pattern = () => {
        const t = context.currentTime;
        for (const [on, off] of [[0, 0.4], [0.6, 1.0]]) {
          gain.gain.setValueAtTime(0.05, t + on);
          gain.gain.setValueAtTime(0, t + off);
        }
      };
      pattern();
      const timer = window.setInterval(pattern, 3000);
      ring = {
        stop: () => {
          window.clearInterval(timer);
          tone.stop();
          void context.close();
        },
      };
    } catch {
      ring = null;
    }
  }

  async function loadTransferTargets(): Promise<void> {
    const targets: { value: string; label: string }[] = [];
    try {
      const queues = await api<QueueBoardJson[]>("GET", "/api/routing/queues");
      for (const q of queues) {
        targets.push({ value: q.queue.queue, label: `Queue ${q.queue.queue}` });
      }
    } catch {
      // Without the list, the picker offers what it has.
    }
    try {
      const agents = await api<AgentJson[]>("GET", "/api/routing/agents");
      for (const a of agents) {
        const state = String(a.state).toLowerCase();
        if (a.agentId !== login && state !== "loggedout" && state !== "0") {
          targets.push({ value: a.agentId, label: `${a.displayName || a.agentId} (${a.agentId}, ${String(a.state)})` });
        }
      }
    } catch {
      // As above.
    }
    transferTargets = targets;
    render();
  }

  function button(testid: string, text: string, action: () => void, primary = false): HTMLButtonElement {
    const b = h("button", { type: "button", testid, class: primary ? "primary" : undefined }, text);
    b.addEventListener("click", action);
    return b;
  }

  function render(): void {
    if (!call || !caller) {
      callArea.replaceChildren();
      callArea.hidden = true;
      return;
    }
    const c = call;
    if (c.phase !== "ringing") {
      ring?.stop();
      ring = null;
    }
    callArea.hidden = false;
    const phaseText: Record<string, string> = {
      ringing: "Ringing",
      calling: "Calling",
      connecting: "Connecting…",
      talking: c.onHold ? "On hold" : "Talking",
      ended: `Ended${c.endReason ? ` (${c.endReason})` : ""}`,
    };
    const who = caller.name && caller.name !== caller.caller ? `${caller.name} · ${caller.caller}` : caller.caller;
    const controls: HTMLElement[] = [];
    if (c.phase === "ringing") {
      controls.push(
        button("phone-answer", "Answer", () => void answer(c), true),
        button("phone-decline", "Decline", () => {
          c.decline();
          say("Declined: the call goes to the next agent.");
        }),
      );
    } else if (c.phase === "talking" || c.phase === "connecting" || c.phase === "calling") {
      controls.push(button("phone-hangup", "Hang up", () => c.hangUp(), true));
    }
    const talking = c.phase === "talking";
    const children: (HTMLElement | null)[] = [
      h(
        "div",
        { class: "call-head" },
        h("span", { class: `pill phase-${c.phase === "talking" ? "connected" : c.phase}`, testid: "phone-call-state", "data-phase": c.phase, "data-held": String(c.onHold), "data-muted": String(c.muted) }, phaseText[c.phase] ?? c.phase),
        h("span", { class: "caller mono", testid: "phone-caller" }, who),
        h("span", { class: "timer mono", testid: "phone-timer" }, ""),
      ),
      h("div", { class: "offer-actions" }, ...controls),
    ];
    if (talking) {
      const hold = button("phone-hold", c.onHold ? "Resume" : "Hold", () => c.toggleHold());
      hold.setAttribute("aria-pressed", String(c.onHold));
      const mute = button("phone-mute", c.muted ? "Unmute" : "Mute", () => c.toggleMute());
      mute.setAttribute("aria-pressed", String(c.muted));
      const picker = h(
        "select",
        { testid: "phone-transfer-target", "aria-label": "Transfer to" },
        h("option", { value: "" }, transferTargets.length ? "Transfer to…" : "Loading…"),
        ...transferTargets.map((t) => h("option", { value: t.value }, t.label)),
      );
      const go = button("phone-transfer", "Transfer", () => void transfer(c, picker.value, go));
      children.push(
        h("div", { class: "offer-actions" }, hold, mute),
        h("div", { class: "inline-form" }, picker, go),
        keypad(c),
      );
    }
    callArea.replaceChildren(...children.filter((x): x is HTMLElement => x !== null));
    tick();
  }

  function keypad(c: PhoneCall): HTMLElement {
    const pad = h("div", { class: "keypad", testid: "phone-keypad", "aria-label": "Keypad (tones)" });
    for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
      const k = button(`dtmf-${key === "*" ? "star" : key === "#" ? "hash" : key}`, key, () => c.sendDtmf(key));
      k.className = "key";
      pad.append(k);
    }
    return h("div", {}, pad, h("div", { class: "mono muted", testid: "phone-digits" }, c.digits));
  }

  async function answer(c: PhoneCall): Promise<void> {
    try {
      await c.answer(micSelect.value || null);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      showMessage(text);
      say(`Could not answer: ${text}`, "error");
    }
  }

  async function transfer(c: PhoneCall, target: string, go: HTMLButtonElement): Promise<void> {
    if (!target) {
      say("Choose a queue or an agent to transfer to.", "error");
      return;
    }
    go.disabled = true;
    try {
      await c.transfer(target);
      say(`Transferred to ${target}.`);
    } catch (e) {
      say(`Not transferred: ${e instanceof Error ? e.message : String(e)}`, "error");
      go.disabled = false;
    }
  }

  function tick(): void {
    const timer = callArea.querySelector<HTMLElement>('[data-testid="phone-timer"]');
    if (timer && call) {
      timer.textContent = call.connectedAt && call.phase !== "ended" ? formatDuration((Date.now() - call.connectedAt) / 1000) : "";
    }
  }

  kindSelect.addEventListener("change", () => void apply());
  retry.addEventListener("click", () => void apply());
  micSelect.addEventListener("change", () => {
    if (micSelect.value) {
      localStorage.setItem(micKey, micSelect.value);
    } else {
      localStorage.removeItem(micKey);
    }
  });
  navigator.mediaDevices?.addEventListener?.("devicechange", () => {
    if (phone) {
      void fillMicrophones();
    }
  });
  window.addEventListener("pagehide", () => stopPhone());
  window.setInterval(tick, 500);
  void readDirectory().then(apply);

  return {
    get call() {
      return call;
    },
  };
}
