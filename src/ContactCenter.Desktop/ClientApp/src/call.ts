// The customer's "call us" page (/call, no sign-in): the caller types their number (sent as the From user, so that the
// CRM identifies them), presses Call us and the browser dials the DID (default 1000, or ?did=<digits>) over /sip as a web
// caller; the keypad sends tones (RFC 4733) for the IVR; Hang up ends the call. A refused or missing microphone is
// a clear message and nothing is dialled.
import { byTestId, formatDuration, h } from "./common";
import { listMicrophones, MicrophoneError, normaliseNumber, type PhoneCall, startWebCaller, type WebCaller } from "./phone";

const NUMBER_KEY = "cc_caller_number";
const params = new URLSearchParams(location.search);
const did = /^[0-9]{1,20}$/.test(params.get("did") ?? "") ? params.get("did")! : "1000";

const form = byTestId<HTMLFormElement>("call-form");
const numberInput = byTestId<HTMLInputElement>("caller-number");
const micSelect = byTestId<HTMLSelectElement>("call-microphone");
const callButton = byTestId<HTMLButtonElement>("call-us");
const stateEl = byTestId("call-state");
const timerEl = byTestId("call-timer");
const message = byTestId("call-message");
const controls = byTestId("call-controls");
const keypad = byTestId("call-keypad");
const digits = byTestId("call-digits");
const hangup = byTestId<HTMLButtonElement>("call-hangup");
const audio = byTestId<HTMLAudioElement>("call-audio");

let caller: WebCaller | null = null;

numberInput.value = sessionStorage.getItem(NUMBER_KEY) ?? "";

function showMessage(text: string | null): void {
  message.textContent = text ?? "";
  message.hidden = !text;
}

function showState(phase: string, text: string): void {
  stateEl.textContent = text;
  stateEl.dataset.phase = phase;
}

function render(call: PhoneCall): void {
  const text: Record<string, string> = {
    calling: `Calling ${did}…`,
    connecting: "Connecting…",
    talking: "Connected",
    ended: `Call ended${call.endReason && call.endReason !== "Terminated" && call.endReason !== "BYE" ? ` (${call.endReason})` : ""}`,
  };
  showState(call.phase, text[call.phase] ?? call.phase);
  digits.textContent = call.digits;
  const live = call.phase !== "ended";
  controls.hidden = !live;
  callButton.disabled = live;
  numberInput.disabled = live;
  for (const k of keypad.querySelectorAll<HTMLButtonElement>("button")) {
    k.disabled = call.phase !== "talking";
  }
  if (!live) {
    caller?.stop();
    caller = null;
  }
  tick();
}

function tick(): void {
  const call = caller?.call;
  timerEl.textContent = call?.connectedAt && call.phase === "talking" ? formatDuration((Date.now() - call.connectedAt) / 1000) : "";
}

for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]) {
  const b = h("button", { type: "button", class: "key", testid: `dtmf-${key === "*" ? "star" : key === "#" ? "hash" : key}` }, key);
  b.addEventListener("click", () => caller?.call.sendDtmf(key));
  keypad.append(b);
}

document.addEventListener("keydown", (event) => {
  if (caller?.call.phase === "talking" && /^[0-9*#]$/.test(event.key) && event.target === document.body) {
    caller.call.sendDtmf(event.key);
  }
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showMessage(null);
  const number = normaliseNumber(numberInput.value);
  if (!number) {
    showMessage("Type your phone number: digits, optionally with a leading +.");
    numberInput.focus();
    return;
  }
  sessionStorage.setItem(NUMBER_KEY, number);
  callButton.disabled = true;
  showState("starting", "Opening the microphone…");
  try {
    caller = await startWebCaller({ number, did, microphone: micSelect.value || null, audio });
  } catch (e) {
    callButton.disabled = false;
    showState(e instanceof MicrophoneError ? "no-microphone" : "failed", "Not calling");
    showMessage(e instanceof Error ? e.message : String(e));
    return;
  }
  void fillMicrophones();
  caller.call.onChanged(render);
  render(caller.call);
});

hangup.addEventListener("click", () => caller?.call.hangUp());
window.addEventListener("pagehide", () => caller?.call.hangUp());

async function fillMicrophones(): Promise<void> {
  try {
    const chosen = micSelect.value;
    const mics = await listMicrophones();
    micSelect.replaceChildren(
      h("option", { value: "" }, "System default"),
      ...mics.filter((m) => m.deviceId && m.deviceId !== "default").map((m) => h("option", { value: m.deviceId }, m.label)),
    );
    micSelect.value = [...micSelect.options].some((o) => o.value === chosen) ? chosen : "";
  } catch {
    // No list: the system's microphone is used.
  }
}

void fillMicrophones();
window.setInterval(tick, 500);
document.body.dataset.ready = "true";
