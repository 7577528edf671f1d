// Test-only browser phone for the WebRTC end-to-end tests: JsSIP (from the desktop's node_modules) bundled by esbuild at
// test time and evaluated in a page of the host's origin. It registers (an agent, signed in by the page's cookie) or only
// calls (the web caller), answers, sends RFC 4733 digits, holds, and measures what the far end sends: getStats (DTLS
// state, SRTP cipher, inbound audio energy) and the loudest frequency of the remote audio, played in an <audio> element.
import { UA, WebSocketInterface } from "jssip";

const state = { ua: null, session: null, pc: null, events: [], remote: null, analyser: null, mangleFingerprint: false, autoAnswer: false };

function log(what) {
  state.events.push(what);
}

function watchSession(session) {
  state.session = session;
  session.on("sdp", (e) => {
    if (e.originator === "local" && state.mangleFingerprint) {
      // A fingerprint that is not our certificate's: the gateway's DTLS must refuse the handshake.
      e.sdp = e.sdp.replace(/a=fingerprint:sha-256 [0-9A-Fa-f:]+/g, "a=fingerprint:sha-256 " + Array(32).fill("AB").join(":"));
    }
    if (e.originator === "remote") {
      state.remoteSdp = e.sdp;
    }
  });
  const attach = (pc) => {
    state.pc = pc;
    pc.addEventListener("track", (ev) => {
      const stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = stream;
      audio.dataset.testid = "remote-audio";
      document.body.appendChild(audio);
      audio.play().catch((err) => log("play failed: " + err));
      state.remote = stream;
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(stream);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      analyser.smoothingTimeConstant = 0;
      source.connect(analyser);
      state.analyser = analyser;
      state.audioContext = ctx;
    });
  };
  if (session.connection) {
    attach(session.connection);
  }
  session.on("peerconnection", (e) => attach(e.peerconnection));
  for (const name of ["progress", "accepted", "confirmed", "ended", "failed", "hold", "unhold"]) {
    session.on(name, (e) => log(name + (e && e.cause ? ":" + e.cause : "")));
  }
}

const options = () => ({
  mediaConstraints: { audio: true, video: false },
  pcConfig: { iceServers: [] },
  rtcOfferConstraints: { offerToReceiveAudio: true },
});

window.ccHarness = {
  state,
  start({ user, register }) {
    const ua = new UA({
      sockets: [new WebSocketInterface(`ws://${location.host}/sip`)],
      uri: `sip:${user}@${location.hostname}`,
      register,
      session_timers: false,
      user_agent: "ContactCenter WebRTC test harness (JsSIP)",
    });
    state.ua = ua;
    ua.on("newRTCSession", (e) => {
      if (e.originator === "remote") {
        log("incoming");
        watchSession(e.session);
        if (state.autoAnswer) {
          e.session.answer(options());
        }
      }
    });
    return new Promise((resolve, reject) => {
      if (register) {
        ua.on("registered", () => resolve("registered"));
        ua.on("registrationFailed", (e) => reject(new Error("registration failed: " + e.cause)));
      } else {
        ua.on("connected", () => resolve("connected"));
      }
      ua.start();
    });
  },
  call(target) {
    const session = state.ua.call(`sip:${target}@${location.hostname}`, options());
    watchSession(session);
  },
  answer() {
    state.session.answer(options());
  },
  dtmf(digits) {
    // RFC 4733 through the peer connection's RTCDTMFSender, not SIP INFO.
    state.session.sendDTMF(digits, { transportType: "RFC2833", duration: 200, interToneGap: 200 });
  },
  // JsSIP sends one re-INVITE at a time and refuses another while one is pending: each resolves once its 200 came back
  // ("held" / "unheld" in the events).
  hold() {
    return new Promise((resolve, reject) => {
      if (!state.session.hold({}, () => { log("held"); resolve(); })) {
        reject(new Error("JsSIP refused to hold now"));
      }
    });
  },
  unhold() {
    return new Promise((resolve, reject) => {
      if (!state.session.unhold({}, () => { log("unheld"); resolve(); })) {
        reject(new Error("JsSIP refused to resume now"));
      }
    });
  },
  hangUp() {
    state.session.terminate();
  },
  async stats() {
    const result = { dtlsState: null, srtpCipher: null, energy: 0, packetsReceived: 0, packetsSent: 0, codec: null, ice: null };
    if (!state.pc) {
      return result;
    }
    const report = await state.pc.getStats();
    const codecs = {};
    report.forEach((s) => {
      if (s.type === "codec") {
        codecs[s.id] = s.mimeType;
      }
    });
    report.forEach((s) => {
      if (s.type === "transport") {
        result.dtlsState = s.dtlsState;
        result.srtpCipher = s.srtpCipher || null;
        result.ice = s.iceState || null;
      } else if (s.type === "inbound-rtp" && s.kind === "audio") {
        result.energy = s.totalAudioEnergy || 0;
        result.packetsReceived = s.packetsReceived || 0;
        result.codec = codecs[s.codecId] || null;
      } else if (s.type === "outbound-rtp" && s.kind === "audio") {
        result.packetsSent = s.packetsSent || 0;
      }
    });
    return result;
  },
  // The loudest frequency (Hz) between 100 and 3400 Hz of the remote audio now, and its level over the band's mean (dB).
  peak() {
    const a = state.analyser;
    if (!a) {
      return { frequency: 0, prominence: 0 };
    }
    const bins = new Float32Array(a.frequencyBinCount);
    a.getFloatFrequencyData(bins);
    const hz = a.context.sampleRate / a.fftSize;
    let best = -1, bestDb = -Infinity, sum = 0, n = 0;
    for (let i = Math.ceil(100 / hz); i < Math.floor(3400 / hz); i++) {
      const db = bins[i];
      if (!isFinite(db)) continue;
      sum += db;
      n++;
      if (db > bestDb) {
        bestDb = db;
        best = i;
      }
    }
    // Silence (every bin -Infinity) has no finite level: JSON cannot carry -Infinity back to the test.
    return { frequency: best * hz, prominence: n > 0 && isFinite(bestDb) ? bestDb - sum / n : 0, level: isFinite(bestDb) ? bestDb : -1000 };
  },
  // Forgets the last call (events, session, its audio element and AudioContext) before the next one: for long runs of calls.
  reset() {
    state.events = [];
    state.session = null;
    state.pc = null;
    state.remote = null;
    state.analyser = null;
    if (state.audioContext) {
      state.audioContext.close();
      state.audioContext = null;
    }
    document.querySelectorAll("audio[data-testid=remote-audio]").forEach((a) => a.remove());
  },
  events: () => state.events.slice(),
  status: () => (state.session ? state.session.status : -1),
};
