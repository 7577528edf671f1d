// The browser phone: a JsSIP user agent over SIP over WebSocket (RFC 7118) at /sip on this site, and its calls (WebRTC).
// - startBrowserPhone: the agent desktop's phone, registered as the signed-in agent. The WebSocket upgrade carries the
//   desktop's sign-in (the cc_token cookie), which the gateway accepts in place of a digest: no SIP password is typed.
// - startWebCaller: the customer page's phone (/call), not registered; it dials a DID as a web caller, the number the
//   customer typed in the From user so that the CRM can identify them.
// - checkMicrophone: asks for the microphone before anything registers, so that a refused permission or a missing
//   microphone is a clear message, never a phone registered half-way that cannot answer.
// Calls are wrapped in PhoneCall: answer, decline, hang up, hold/resume, mute, blind transfer (REFER), DTMF (RFC 4733).
import { UA, WebSocketInterface } from "jssip";
import type { RTCSession } from "jssip/lib/RTCSession";
import type { IncomingRTCSessionListener, RTCSessionEvent } from "jssip/lib/UA";

export interface BrowserPhoneOptions {
  /** The signed-in agent's login: the phone registers sip:<login>@<this host>. */
  login: string;
  /** The gateway's SIP WebSocket; default ws(s)://<this host>/sip. */
  server?: string;
  /** The microphone to answer with (a deviceId from listMicrophones); read at each answer. Default: the system's. */
  microphone?: () => string | null;
  /** Where the other party is heard; without it calls are silent. */
  audio?: HTMLAudioElement;
}

export type PhoneState = "connecting" | "registered" | "unregistered" | "failed";

export interface IncomingCall {
  /** The caller's SIP user (the number the gateway presents). */
  caller: string;
  /** The caller's display name, if any. */
  name: string | null;
  session: RTCSession;
  /** The call's controls. */
  call: PhoneCall;
}

export interface BrowserPhone {
  readonly state: PhoneState;
  /** Resolves once registered; rejects with the reason when registration fails. */
  readonly registered: Promise<void>;
  onIncoming(handler: (call: IncomingCall) => void): void;
  onStateChanged(handler: (state: PhoneState, reason?: string) => void): void;
  /** Unregisters and closes the WebSocket. */
  stop(): void;
}

export function defaultServer(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/sip`;
}

// ---- the microphone ----

/** Why the microphone cannot be used, in words for the user. */
export class MicrophoneError extends Error {
  constructor(
    message: string,
    /** "denied", "missing", "busy" or "unsupported". */
    readonly kind: "denied" | "missing" | "busy" | "unsupported",
  ) {
    super(message);
    this.name = "MicrophoneError";
  }
}

function constraints(deviceId: string | null | undefined): MediaStreamConstraints {
  return { audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false };
}

/** Opens the microphone (the chosen one, or the system's), with a MicrophoneError when it cannot be. */
export async function openMicrophone(deviceId?: string | null): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new MicrophoneError(
      "This browser gives this page no microphone (it needs a secure origin: https, or http://localhost).",
      "unsupported",
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia(constraints(deviceId));
  } catch (e) {
    const name = e instanceof DOMException ? e.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") {
      throw new MicrophoneError(
        "Microphone permission was refused. Allow the microphone for this site (the icon in the address bar), then try again.",
        "denied",
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      throw new MicrophoneError(
        deviceId ? "The chosen microphone is not connected any more: choose another one." : "No microphone was found: connect one, then try again.",
        "missing",
      );
    }
    if (name === "NotReadableError" || name === "AbortError") {
      throw new MicrophoneError("The microphone is in use by another program or could not be started.", "busy");
    }
    throw new MicrophoneError(`The microphone could not be opened: ${e instanceof Error ? e.message : String(e)}`, "unsupported");
  }
}

export interface Microphone {
  deviceId: string;
  label: string;
}

/**
 * Checks that a microphone can be opened (asking for permission once), closes it again and lists the microphones
 * (their names are readable once permission is given). Throws MicrophoneError when there is none or it is refused.
 */
export async function checkMicrophone(deviceId?: string | null): Promise<Microphone[]> {
  const stream = await openMicrophone(deviceId);
  stream.getTracks().forEach((t) => t.stop());
  return listMicrophones();
}

export async function listMicrophones(): Promise<Microphone[]> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices
    .filter((d) => d.kind === "audioinput")
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
}

// ---- a call ----

export type CallPhase = "ringing" | "calling" | "connecting" | "talking" | "ended";

/** A call of the browser phone (incoming or placed), with its controls. */
export class PhoneCall {
  private phaseValue: CallPhase;
  private readonly changed: ((call: PhoneCall) => void)[] = [];
  private held = false;
  private mutedValue = false;
  private microphone: MediaStream | null = null;
  /** When the call was answered (talking), for the timer. */
  connectedAt: number | null = null;
  /** Why the call ended (cause or response), once ended. */
  endReason: string | null = null;
  /** Who ended it: "local", "remote" or "system". */
  endedBy: string | null = null;
  /** The digits sent so far. */
  digits = "";

  constructor(
    readonly session: RTCSession,
    private readonly audio: HTMLAudioElement | undefined,
  ) {
    this.phaseValue = session.direction === "incoming" ? "ringing" : "calling";
    session.on("peerconnection", (e) => this.watch(e.peerconnection as RTCPeerConnection));
    // A placed call's peer connection exists before this wrapper does (JsSIP creates it inside ua.call).
    if (session.connection) {
      this.watch(session.connection as RTCPeerConnection);
    }
    session.on("accepted", () => this.set("connecting"));
    session.on("confirmed", () => {
      this.connectedAt ??= Date.now();
      this.attachRemote(session.connection as RTCPeerConnection | undefined);
      this.set("talking");
    });
    session.on("hold", () => {
      this.held = true;
      this.set(this.phaseValue);
    });
    session.on("unhold", () => {
      this.held = false;
      this.set(this.phaseValue);
    });
    session.on("muted", () => {
      this.mutedValue = true;
      this.set(this.phaseValue);
    });
    session.on("unmuted", () => {
      this.mutedValue = false;
      this.set(this.phaseValue);
    });
    const end = (e: { originator: string; cause?: string; message?: unknown }) => {
      const response = e.message as { status_code?: number; reason_phrase?: string } | null | undefined;
      this.endedBy = e.originator;
      this.endReason = response?.status_code && response.status_code >= 300 ? `${response.status_code} ${response.reason_phrase ?? ""}`.trim() : (e.cause ?? null);
      this.release();
      this.set("ended");
    };
    session.on("ended", end);
    session.on("failed", end);
  }

  get phase(): CallPhase {
    return this.phaseValue;
  }
  get onHold(): boolean {
    return this.held;
  }
  get muted(): boolean {
    return this.mutedValue;
  }
  get incoming(): boolean {
    return this.session.direction === "incoming";
  }
  /** The peer connection once media is being set up (for getStats). */
  get connection(): RTCPeerConnection | null {
    return (this.session.connection as RTCPeerConnection | undefined) ?? null;
  }

  onChanged(handler: (call: PhoneCall) => void): void {
    this.changed.push(handler);
  }

  /** Answers with the microphone (opened here; a MicrophoneError leaves the call ringing). */
  async answer(deviceId?: string | null): Promise<void> {
    if (this.phaseValue !== "ringing") {
      return;
    }
    const stream = await openMicrophone(deviceId);
    if (this.phaseValue !== "ringing") {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.microphone = stream;
    this.set("connecting");
    this.session.answer({ mediaStream: stream, pcConfig: { iceServers: [] } });
  }

  /** Declines a ringing call (486 Busy Here): the gateway offers it to the next agent. */
  decline(): void {
    if (this.phaseValue === "ringing") {
      this.session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
    }
  }

  /** Hangs up (BYE), or cancels a call still being placed. */
  hangUp(): void {
    if (this.phaseValue !== "ended" && !this.session.isEnded()) {
      this.session.terminate();
    }
  }

  /** Puts the other party on hold (re-INVITE sendonly) or takes them off it. */
  toggleHold(): void {
    if (this.phaseValue !== "talking") {
      return;
    }
    if (this.held) {
      this.session.unhold();
    } else {
      this.session.hold();
    }
  }

  toggleMute(): void {
    if (this.phaseValue !== "talking") {
      return;
    }
    if (this.mutedValue) {
      this.session.unmute({ audio: true });
    } else {
      this.session.mute({ audio: true });
    }
  }

  /**
   * Sends DTMF in the media (RFC 4733 telephone-event through the RTCDTMFSender). A tone keyed before the media is up
   * (the DTLS handshake still running just after the answer) waits for it, in order.
   */
  sendDtmf(tone: string): void {
    if (this.phaseValue !== "talking" || !/^[0-9*#A-D]$/i.test(tone)) {
      return;
    }
    this.digits += tone;
    this.pendingTones += tone;
    this.flushTones();
    this.set(this.phaseValue);
  }

  private pendingTones = "";

  private flushTones(attempt = 0): void {
    const pc = this.connection;
    if (!this.pendingTones || !pc || this.phaseValue !== "talking") {
      return;
    }
    if (pc.connectionState !== "connected") {
      // DTLS not done yet: an RFC 4733 packet sent now could not be protected and would be lost. Wait for it.
      pc.addEventListener("connectionstatechange", () => this.flushTones(), { once: true });
      return;
    }
    const sender = pc.getSenders().find((s) => s.track?.kind === "audio");
    if (!sender?.dtmf?.canInsertDTMF) {
      // Connected but the sender cannot send tones yet (a renegotiation in progress): a few more tries, then give up.
      if (attempt < 50) {
        window.setTimeout(() => this.flushTones(attempt + 1), 100);
      } else {
        this.pendingTones = "";
      }
      return;
    }
    const tones = this.pendingTones;
    this.pendingTones = "";
    this.session.sendDTMF(tones, { transportType: "RFC2833" as never, duration: 160, interToneGap: 70 });
  }

  /**
   * Blind transfer (REFER, RFC 3515): the gateway reads the Refer-To user as a queue or an agent's login. Resolves when
   * the gateway accepted it (202), rejects with its answer otherwise (the call stays).
   */
  transfer(target: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.phaseValue !== "talking") {
        reject(new Error("there is no call to transfer"));
        return;
      }
      const host = this.session.remote_identity.uri.host || location.hostname;
      this.session.refer(`sip:${encodeURIComponent(target)}@${host}`, {
        eventHandlers: {
          accepted: () => resolve(),
          failed: (e: { response?: { status_code?: number; reason_phrase?: string } }) =>
            reject(new Error(e.response ? `${e.response.status_code} ${e.response.reason_phrase}` : "the transfer failed")),
          requestFailed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
            reject(new Error(e.response ? `${e.response.status_code} ${e.response.reason_phrase}` : (e.cause ?? "the transfer failed"))),
        },
      });
    });
  }

  private set(phase: CallPhase): void {
    this.phaseValue = phase;
    this.changed.forEach((h) => h(this));
  }

  private watch(pc: RTCPeerConnection): void {
    pc.addEventListener("track", (e) => {
      if (this.audio && e.track.kind === "audio") {
        this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        this.audio.play().catch(() => undefined);
      }
    });
  }

  private attachRemote(pc: RTCPeerConnection | undefined): void {
    if (!pc || !this.audio || this.audio.srcObject) {
      return;
    }
    const tracks = pc.getReceivers().map((r) => r.track).filter((t) => t.kind === "audio");
    if (tracks.length > 0) {
      this.audio.srcObject = new MediaStream(tracks);
      this.audio.play().catch(() => undefined);
    }
  }

  private release(): void {
    this.microphone?.getTracks().forEach((t) => t.stop());
    this.microphone = null;
    if (this.audio) {
      this.audio.srcObject = null;
    }
  }
}

// ---- the agent's phone ----

export function startBrowserPhone(options: BrowserPhoneOptions): BrowserPhone {
  const ua = new UA({
    sockets: [new WebSocketInterface(options.server ?? defaultServer())],
    uri: `sip:${options.login}@${location.hostname}`,
    register: true,
    session_timers: false,
    user_agent: "ContactCenter desktop (JsSIP)",
  });
  let state: PhoneState = "connecting";
  const incoming: ((call: IncomingCall) => void)[] = [];
  const changed: ((state: PhoneState, reason?: string) => void)[] = [];
  const set = (next: PhoneState, reason?: string) => {
    state = next;
    changed.forEach((h) => h(next, reason));
  };
  const registered = new Promise<void>((resolve, reject) => {
    ua.on("registered", () => {
      set("registered");
      resolve();
    });
    ua.on("registrationFailed", (e) => {
      const reason = e.response ? `${e.response.status_code} ${e.response.reason_phrase}` : String(e.cause);
      set("failed", reason);
      reject(new Error(`registration failed: ${reason}`));
    });
  });
  // A promise nobody awaits must not report an unhandled rejection: the state handlers carry the failure.
  registered.catch(() => undefined);
  ua.on("unregistered", () => set("unregistered"));
  ua.on("disconnected", () => {
    if (state === "registered" || state === "connecting") {
      set("connecting", "connection to /sip lost; reconnecting");
    }
  });
  const onSession = (e: RTCSessionEvent) => {
    if (e.originator !== "remote") {
      return;
    }
    const identity = e.session.remote_identity;
    const call: IncomingCall = {
      caller: identity.uri.user,
      name: identity.display_name || null,
      session: e.session,
      call: new PhoneCall(e.session, options.audio),
    };
    incoming.forEach((h) => h(call));
  };
  ua.on("newRTCSession", onSession as IncomingRTCSessionListener);
  ua.start();
  return {
    get state() {
      return state;
    },
    registered,
    onIncoming: (h) => incoming.push(h),
    onStateChanged: (h) => changed.push(h),
    stop: () => ua.stop(),
  };
}

// ---- the customer's phone (/call) ----

export interface WebCallerOptions {
  /** The caller's own number, sent as the From user so that the CRM can identify them. */
  number: string;
  /** The DID dialled (the demo: 1000). */
  did: string;
  server?: string;
  microphone?: string | null;
  audio?: HTMLAudioElement;
}

export interface WebCaller {
  readonly call: PhoneCall;
  /** Closes the WebSocket (after the call ended). */
  stop(): void;
}

/** A normalised caller number: digits with an optional leading +, or null when it is not one. */
export function normaliseNumber(text: string): string | null {
  const compact = text.replace(/[\s().-]/g, "");
  return /^\+?[0-9]{3,20}$/.test(compact) ? compact : null;
}

/**
 * Places a call to a DID from a web page: the microphone first (a MicrophoneError before anything is sent), then a user
 * agent that does not register and calls sip:<did>@<this host> from sip:<number>@<this host>.
 */
export async function startWebCaller(options: WebCallerOptions): Promise<WebCaller> {
  const number = normaliseNumber(options.number);
  if (!number) {
    throw new Error("Type your phone number: digits, optionally with a leading +.");
  }
  const stream = await openMicrophone(options.microphone);
  const ua = new UA({
    sockets: [new WebSocketInterface(options.server ?? defaultServer())],
    uri: `sip:${number}@${location.hostname}`,
    register: false,
    session_timers: false,
    user_agent: "ContactCenter web caller (JsSIP)",
  });
  const connected = new Promise<void>((resolve, reject) => {
    ua.on("connected", () => resolve());
    ua.on("disconnected", () => reject(new Error("could not reach the call service (/sip)")));
  });
  ua.start();
  try {
    await connected;
  } catch (e) {
    ua.stop();
    stream.getTracks().forEach((t) => t.stop());
    throw e;
  }
  const session = ua.call(`sip:${options.did}@${location.hostname}`, {
    mediaStream: stream,
    pcConfig: { iceServers: [] },
    fromUserName: number,
    fromDisplayName: number,
    eventHandlers: {
      ended: () => stream.getTracks().forEach((t) => t.stop()),
      failed: () => stream.getTracks().forEach((t) => t.stop()),
    },
  });
  return { call: new PhoneCall(session, options.audio), stop: () => ua.stop() };
}
