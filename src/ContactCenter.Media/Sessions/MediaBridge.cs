using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// Relays two legs to each other from their receive loops (no queue, no thread): audio is
/// transcoded when the codecs differ, RFC 4733 events are forwarded with the target's payload
/// type, digits that cannot be forwarded as packets (SIP INFO, or a target without
/// telephone-event) are regenerated on the other leg, and each leg's direction is respected.
/// </summary>
internal sealed class MediaBridge : IMediaBridge
{
    private readonly MediaEngine engine;
    private readonly MediaSession caller;
    private readonly MediaSession agent;
    private readonly RtpStream toCaller;
    private readonly RtpStream toAgent;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private CallRecorder? recorder;
    private int disposed;

    public MediaBridge(MediaEngine engine, MediaSession caller, MediaSession agent, ILogger logger)
    {
        this.engine = engine;
        this.caller = caller;
        this.agent = agent;
        toCaller = caller.Stream;
        toAgent = agent.Stream;
        this.logger = logger;
    }

    public IMediaSession Caller => caller;

    public IMediaSession Agent => agent;

    public bool IsRecording => Volatile.Read(ref recorder) is not null;

    public void StartRecording(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        lock (gate)
        {
            if (recorder is not null)
            {
                throw new InvalidOperationException("This bridge is already recording.");
            }

            Volatile.Write(ref recorder, new CallRecorder(path, engine.Clock, logger));
        }
    }

    public async Task StopRecordingAsync()
    {
        CallRecorder? stopping;
        lock (gate)
        {
            stopping = recorder;
            Volatile.Write(ref recorder, null);
        }

        if (stopping is not null)
        {
            await stopping.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An audio packet from <paramref name="from"/> (on its receive thread): into the recording, and onto the other leg's stream.</summary>
    internal void RelayAudio(MediaSession from, AudioCodec fromCodec, in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        bool fromCaller = from == caller;
        Volatile.Read(ref recorder)?.Write(fromCaller ? 0 : 1, payload, fromCodec);
        (fromCaller ? toAgent : toCaller).RelayAudio(header, payload, fromCodec);
    }

    /// <summary>An RFC 4733 event from <paramref name="from"/>: onto the other leg's stream (when it has telephone-event).</summary>
    internal void RelayEvent(MediaSession from, in RtpHeader header, ReadOnlySpan<byte> payload) =>
        (from == caller ? toAgent : toCaller).RelayEvent(header, payload);

    internal void OnDigit(MediaSession from, DtmfReceivedEventArgs digit)
    {
        MediaSession to = from == caller ? agent : caller;
        bool regenerate = digit.Source == DtmfSource.SipInfo
            || (digit.Source == DtmfSource.Rfc4733 && to.Remote?.TelephoneEventPayloadType is null);
        if (!regenerate || to.Remote is null)
        {
            return;
        }

        _ = RegenerateAsync(to, digit);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        engine.Unbridge(this);
        await StopRecordingAsync().ConfigureAwait(false);
    }

    private async Task RegenerateAsync(MediaSession to, DtmfReceivedEventArgs digit)
    {
        try
        {
            await to.SendDtmfAsync(digit.Digit, digit.Duration).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Bridge: digit {Digit} not passed to {Leg}.", digit.Digit, to.Id);
        }
    }
}
