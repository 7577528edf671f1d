using System.Net;
using ContactCenter.Media.Dtmf;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// The media of one call leg: what the SIP user agent needs (as sipsorcery's IMediaSession).
/// Create one per leg with <see cref="IMediaEngine.CreateSession"/>, put <see cref="LocalPort"/>
/// in the SDP, call <see cref="Configure"/> with the negotiated values (again on every re-INVITE),
/// dispose it when the leg ends. Events are raised on I/O or timer threads: handlers must be quick
/// and must not block; exceptions they throw are logged and swallowed.
/// </summary>
public interface IMediaSession : IAsyncDisposable
{
    /// <summary>The call-leg id given at creation (used in logs).</summary>
    string Id { get; }

    /// <summary>Local RTP address and port (RTCP is on port + 1).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Local RTP port, for the m= line.</summary>
    int LocalPort { get; }

    /// <summary>Our RTP synchronisation source.</summary>
    uint Ssrc { get; }

    /// <summary>The negotiated remote media, null until <see cref="Configure"/>.</summary>
    RemoteMedia? Remote { get; }

    /// <summary>Our current direction.</summary>
    MediaDirection Direction { get; }

    /// <summary>Applies an offer/answer result; throws <see cref="ArgumentException"/> for invalid values.</summary>
    void Configure(RemoteMedia remote);

    /// <summary>Changes only our direction (hold/resume), keeping the rest.</summary>
    void SetDirection(MediaDirection direction);

    /// <summary>
    /// Plays the prompts one after another (8 kHz mono WAV: PCM16, µ-law or A-law), paced every 20 ms.
    /// Any playback already running is stopped (Outcome Stopped). Completes when the sequence ends,
    /// a digit barges in, or it is stopped; throws <see cref="Audio.MediaFormatException"/> (before
    /// anything is sent) for an unusable file, <see cref="FileNotFoundException"/> for a missing one,
    /// <see cref="InvalidOperationException"/> before <see cref="Configure"/>, and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    Task<PlaybackResult> PlayAsync(IReadOnlyList<string> promptPaths, PlaybackOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Stops the current playback, if any (its task completes with Outcome Stopped).</summary>
    void StopPlayback();

    /// <summary>True while a playback runs.</summary>
    bool IsPlaying { get; }

    /// <summary>
    /// Sends one digit: RFC 4733 events when a telephone-event payload type was negotiated,
    /// otherwise an in-band tone. Completes when the last packet is sent. Digits queue in order.
    /// </summary>
    Task SendDtmfAsync(char digit, TimeSpan duration = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports a digit that arrived by SIP INFO (parse the body with <see cref="DtmfRelayParser"/>);
    /// it goes through the same path as RTP digits (DtmfReceived, barge-in, bridge pass-through).
    /// </summary>
    void ReceiveSipInfoDtmf(char digit, TimeSpan duration);

    /// <summary>Current counters.</summary>
    MediaStatistics GetStatistics();

    /// <summary>True while <see cref="StartRecording"/> records this leg.</summary>
    bool IsRecording { get; }

    /// <summary>
    /// Starts recording what the peer sends on this leg (decoded to an 8 kHz PCM16 mono WAV; a voicemail).
    /// Throws the file system's IOException when the file cannot be created and
    /// <see cref="InvalidOperationException"/> when this leg is already recording.
    /// </summary>
    void StartRecording(string path, RecordingOptions? options = null);

    /// <summary>
    /// Stops recording, completes the WAV file and reports its length and how much of it is speech;
    /// null when nothing was recording. Disposing the session completes a running recording too.
    /// </summary>
    Task<RecordingResult?> StopRecordingAsync();

    /// <summary>One report per key press (RFC 4733, SIP INFO or in-band).</summary>
    event EventHandler<DtmfReceivedEventArgs>? DtmfReceived;

    /// <summary>A playback ended (also reported by the PlayAsync task).</summary>
    event EventHandler<PlaybackFinishedEventArgs>? PlaybackFinished;

    /// <summary>No RTP from the peer for MediaOptions.MediaTimeout while we expect some (raised once per silence).</summary>
    event EventHandler<MediaTimeoutEventArgs>? MediaTimeout;

    /// <summary>
    /// Our ICE credentials for the SDP (a=ice-ufrag, a=ice-pwd) on a leg opened with <see cref="MediaLegOptions.IceLite"/>;
    /// null on any other leg.
    /// </summary>
    IceParameters? LocalIce { get; }

    /// <summary>
    /// Raised once when the leg's media fails for good on a secure or ICE leg: the DTLS handshake failed or timed out, the
    /// peer's certificate is not the one its SDP names, the peer closed DTLS, or ICE consent was lost (no check for
    /// MediaOptions.IceConsentTimeout). The leg sends and receives nothing more: end the call with the reason.
    /// </summary>
    event EventHandler<MediaFailedEventArgs>? MediaFailed;

    /// <summary>
    /// Raised once, on the leg's receive thread, when the first SRTP packet from the peer was authenticated and decrypted
    /// (a secure leg only): the peer's audio has started. The gateway times a browser leg's set-up with it.
    /// </summary>
    event EventHandler<EventArgs>? SecureMediaStarted;
}

/// <summary>Two legs relayed to each other.</summary>
public interface IMediaBridge : IAsyncDisposable
{
    /// <summary>The customer's leg (left channel of recordings).</summary>
    IMediaSession Caller { get; }

    /// <summary>The agent's leg (right channel).</summary>
    IMediaSession Agent { get; }

    /// <summary>True while recording.</summary>
    bool IsRecording { get; }

    /// <summary>Starts recording to a stereo 8 kHz PCM16 WAV (caller left, agent right); throws the file system's IOException when it cannot be created.</summary>
    void StartRecording(string path);

    /// <summary>Stops recording and completes the WAV file.</summary>
    Task StopRecordingAsync();

    /// <summary>Whether the bridge mixes (a leg joined, or the agent's leg left while another stays).</summary>
    bool IsMixing { get; }

    /// <summary>
    /// Adds a third (or further) leg and sets who hears whom (<see cref="Mixing.MixMatrix"/>, naming every leg that should
    /// hear or be heard). From now on the bridge mixes: a listener hearing one source is relayed its packets, one hearing
    /// several gets their sum every 20 ms. Stops playback on the leg. The recording keeps the caller left and the agent
    /// right, and adds a joined leg to the right only while the caller hears it.
    /// </summary>
    void Join(IMediaSession leg, Mixing.MixMatrix matrix);

    /// <summary>Replaces the whole mix matrix at once (a mode switch); only while mixing.</summary>
    void SetMix(Mixing.MixMatrix matrix);

    /// <summary>
    /// A joined leg leaves (or the agent's leg, when another leg takes its place: <paramref name="matrix"/> then says who
    /// hears whom among those left; without it, the pairs not naming the leaving one stay). When only the caller's and the
    /// agent's legs are left, the bridge relays again, as before anything joined. Closing a joined leg leaves too.
    /// </summary>
    void Leave(IMediaSession leg, Mixing.MixMatrix? matrix = null);
}

/// <summary>The media engine: sessions on the configured port range, and bridges between them.</summary>
public interface IMediaEngine
{
    /// <summary>Opens RTP/RTCP sockets for one call leg; throws <see cref="InvalidOperationException"/> when the port range is exhausted.</summary>
    IMediaSession CreateSession(string id);

    /// <summary>Opens a leg with <paramref name="options"/> (a browser leg: <see cref="MediaLegOptions.IceLite"/>).</summary>
    IMediaSession CreateSession(string id, MediaLegOptions options);

    /// <summary>
    /// Our a=fingerprint for DTLS-SRTP legs ("sha-256 AB:CD:…"): one self-signed certificate per process, made on first
    /// use, its key only in memory.
    /// </summary>
    string DtlsFingerprint { get; }

    /// <summary>
    /// Relays the two legs both ways (transcoding PCMU⇄PCMA when they differ, DTMF passed through,
    /// directions respected) until the bridge is disposed. Stops playback on both legs; a playback
    /// started on a leg later (music on hold) takes the place of the relayed audio on that leg.
    /// </summary>
    IMediaBridge Bridge(IMediaSession caller, IMediaSession agent);
}
