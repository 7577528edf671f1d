// The browser phone's signalling: a JsSIP user agent registered over SIP over WebSocket (RFC 7118) at /sip on this site,
// as the signed-in agent. The WebSocket upgrade carries the desktop's sign-in (the cc_token cookie), which the gateway
// accepts in place of a digest: no SIP password is typed or fetched. Media (WebRTC) and the phone panel come later; this
// module only registers and reports incoming calls.
import { UA, WebSocketInterface } from "jssip";
import type { RTCSession } from "jssip/lib/RTCSession";
import type { IncomingRTCSessionListener, RTCSessionEvent } from "jssip/lib/UA";

export interface BrowserPhoneOptions {
  /** The signed-in agent's login: the phone registers sip:<login>@<this host>. */
  login: string;
  /** The gateway's SIP WebSocket; default ws(s)://<this host>/sip. */
  server?: string;
}

export type PhoneState = "connecting" | "registered" | "unregistered" | "failed";

export interface IncomingCall {
  /** The caller's SIP user (the number the gateway presents). */
  caller: string;
  /** The caller's display name, if any. */
  name: string | null;
  session: RTCSession;
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
  ua.on("unregistered", () => set("unregistered"));
  const onSession = (e: RTCSessionEvent) => {
    if (e.originator !== "remote") {
      return;
    }
    const identity = e.session.remote_identity;
    const call: IncomingCall = { caller: identity.uri.user, name: identity.display_name || null, session: e.session };
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
