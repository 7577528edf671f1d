using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Mixing;
using ContactCenter.Media.Rtp;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// Relays two legs to each other from their receive loops (no queue, no thread): audio is
/// transcoded when the codecs differ, RFC 4733 events are forwarded with the target's payload
/// type, digits that cannot be forwarded as packets (SIP INFO, or a target without
/// telephone-event) are regenerated on the other leg, and each leg's direction is respected.
/// <para>
/// When a third leg joins (<see cref="Join"/>), the bridge hands its audio to a <see cref="BridgeMixer"/> (a per-leg mix
/// matrix) until the extra legs have left, then relays as before; while only the two legs are there, the relay path is
/// the one above plus one null check.
/// </para>
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
    private BridgeMixer? mixer;
    private MixLeg[] mixLegs = [];
    private bool agentLeft;
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

    /// <summary>Whether more than the two legs are on the bridge (or the agent's leg left it): the mix matrix is in force.</summary>
    public bool IsMixing => Volatile.Read(ref mixer) is not null;

    /// <summary>The mixer while mixing (tests read its counters).</summary>
    internal BridgeMixer? Mixer => Volatile.Read(ref mixer);

    public void Join(IMediaSession leg, MixMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (leg is not MediaSession session)
        {
            throw new ArgumentException("The leg must be a session of this engine.", nameof(leg));
        }

        lock (gate)
        {
            if (mixLegs.Length >= BridgeMixer.MaxLegs)
            {
                throw new InvalidOperationException($"A bridge takes at most {BridgeMixer.MaxLegs} legs.");
            }

            MixLeg[] legs = mixLegs.Length == 0 ? [new MixLeg(caller), new MixLeg(agent), new MixLeg(session)] : [.. mixLegs, new MixLeg(session)];
            MixPlan plan = MixPlan.Build(legs, matrix, caller, agentLeft ? null : agent);
            engine.Attach(session, this);
            session.StopPlayback();
            mixLegs = legs;
            if (mixer is null)
            {
                Volatile.Write(ref mixer, new BridgeMixer(engine.NextClock(), plan));
            }
            else
            {
                mixer.Apply(plan);
            }
        }
    }

    public void SetMix(MixMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        lock (gate)
        {
            if (mixer is null)
            {
                throw new InvalidOperationException("The bridge has only its two legs: Join a leg first.");
            }

            mixer.Apply(MixPlan.Build(mixLegs, matrix, caller, agentLeft ? null : agent));
        }
    }

    public void Leave(IMediaSession leg, MixMatrix? matrix = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (leg is not MediaSession session || session == caller)
        {
            throw new ArgumentException("Only the agent's leg or a joined leg can leave the bridge; the caller's leg ends it.", nameof(leg));
        }

        lock (gate)
        {
            int index = Array.FindIndex(mixLegs, l => l.Session == session);
            if (mixer is null || index < 0)
            {
                throw new InvalidOperationException($"Leg {session.Id} has not joined this bridge (or the bridge has only its two legs).");
            }

            MixLeg[] legs = [.. mixLegs[..index], .. mixLegs[(index + 1)..]];
            bool backToRelay = !agentLeft && session != agent && legs.Length == 2;
            if (session == agent)
            {
                agentLeft = true;
            }

            if (backToRelay)
            {
                mixer.Stop();
                Volatile.Write(ref mixer, null);
                mixLegs = [];
            }
            else
            {
                var rest = matrix ?? new MixMatrix();
                if (matrix is null)
                {
                    // Without a new matrix, who heard whom among the legs that stay, stays.
                    foreach ((IMediaSession listener, IMediaSession source) in PairsOf(mixer.Plan))
                    {
                        if (listener != session && source != session)
                        {
                            rest.Hear(listener, source);
                        }
                    }
                }

                mixer.Apply(MixPlan.Build(legs, rest, caller, agentLeft ? null : agent));
                mixLegs = legs;
            }

            engine.Detach(session, this);
        }
    }

    /// <summary>The legs on the bridge now (the engine detaches them all when it ends).</summary>
    internal MediaSession[] MemberLegs()
    {
        lock (gate)
        {
            if (mixLegs.Length == 0)
            {
                return [caller, agent];
            }

            var legs = new MediaSession[mixLegs.Length];
            for (int i = 0; i < legs.Length; i++)
            {
                legs[i] = mixLegs[i].Session;
            }

            return legs;
        }
    }

    /// <summary>A leg closed: a joined leg leaves the mix; the caller's, or the agent's while it is on the bridge, ends the bridge (as before mixing).</summary>
    internal ValueTask OnLegClosedAsync(MediaSession leg)
    {
        bool agentOnBridge = leg == agent && !Volatile.Read(ref agentLeft);
        if (leg != caller && !agentOnBridge && Volatile.Read(ref disposed) == 0 && IsMixing)
        {
            try
            {
                Leave(leg);
                return ValueTask.CompletedTask;
            }
            catch (InvalidOperationException)
            {
                // Not a member any more: fall through to ending the bridge only if it was one of the two.
            }
        }

        return leg == caller || leg == agent ? DisposeAsync() : ValueTask.CompletedTask;
    }

    private static IEnumerable<(IMediaSession Listener, IMediaSession Source)> PairsOf(MixPlan plan)
    {
        for (int l = 0; l < plan.Legs.Length; l++)
        {
            for (int s = 0; s < plan.Legs.Length; s++)
            {
                if ((plan.Hears[l] & (1 << s)) != 0)
                {
                    yield return (plan.Legs[l].Session, plan.Legs[s].Session);
                }
            }
        }
    }

    /// <summary>An audio packet from <paramref name="from"/> (on its receive thread): into the recording, and onto the other leg's stream.</summary>
    internal void RelayAudio(MediaSession from, AudioCodec fromCodec, in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        if (Volatile.Read(ref mixer) is { } mixing)
        {
            mixing.OnAudio(from, fromCodec, header, payload, Volatile.Read(ref recorder));
            return;
        }

        bool fromCaller = from == caller;
        Volatile.Read(ref recorder)?.Write(fromCaller ? 0 : 1, payload, fromCodec);
        (fromCaller ? toAgent : toCaller).RelayAudio(header, payload, fromCodec);
    }

    /// <summary>An RFC 4733 event from <paramref name="from"/>: onto the other leg's stream (when it has telephone-event).</summary>
    /// <remarks>While mixing, digits pass only between the caller and the agent (a joined leg's digits are its own: a supervisor's 4/5/6).</remarks>
    internal void RelayEvent(MediaSession from, in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        if (DigitTarget(from) is { } to)
        {
            to.Stream.RelayEvent(header, payload);
        }
    }

    internal void OnDigit(MediaSession from, DtmfReceivedEventArgs digit)
    {
        if (DigitTarget(from) is not { } to)
        {
            return;
        }

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

        lock (gate)
        {
            Volatile.Read(ref mixer)?.Stop();
        }

        engine.Unbridge(this);
        await StopRecordingAsync().ConfigureAwait(false);
    }

    private MediaSession? DigitTarget(MediaSession from)
    {
        if (Volatile.Read(ref mixer) is null)
        {
            return from == caller ? agent : caller;
        }

        if (Volatile.Read(ref agentLeft))
        {
            return null;
        }

        return from == caller ? agent : from == agent ? caller : null;
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
