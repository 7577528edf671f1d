namespace ContactCenter.Media.Dtmf;

/// <summary>
/// Turns the RFC 4733 packet stream into one report per key press: all packets of one event
/// share its RTP timestamp; the digit is reported at the first end packet (retransmitted end
/// packets are ignored), or — when every end packet was lost — when the next event starts or
/// after <see cref="LostEndTimeout"/> without packets.
/// </summary>
internal sealed class TelephoneEventReceiver
{
    /// <summary>How long after the last packet of an event with no end packet it is reported anyway.</summary>
    public static readonly TimeSpan LostEndTimeout = TimeSpan.FromMilliseconds(300);

    private readonly TimeProvider timeProvider;
    private readonly Action<DtmfReceivedEventArgs> report;
    private bool active;
    private bool reported;
    private uint currentTimestamp;
    private byte currentEvent;
    private byte volume;
    private ushort duration;
    private long lastPacketAt;
    private uint previousTimestamp;
    private bool hasPrevious;

    public TelephoneEventReceiver(TimeProvider timeProvider, Action<DtmfReceivedEventArgs> report)
    {
        this.timeProvider = timeProvider;
        this.report = report;
    }

    /// <summary>Accounts one telephone-event packet.</summary>
    public void Process(uint rtpTimestamp, TelephoneEvent value)
    {
        if (DtmfDigits.FromEventCode(value.Event) is null)
        {
            return;
        }

        if (active && rtpTimestamp == currentTimestamp)
        {
            lastPacketAt = timeProvider.GetTimestamp();
            if (value.Duration > duration)
            {
                duration = value.Duration;
            }

            if (value.End && !reported)
            {
                Report();
            }

            return;
        }

        if (hasPrevious && rtpTimestamp == previousTimestamp)
        {
            // A late retransmission of the event before the current one.
            return;
        }

        if (active && !reported)
        {
            Report();
        }

        if (active)
        {
            previousTimestamp = currentTimestamp;
            hasPrevious = true;
        }

        active = true;
        reported = false;
        currentTimestamp = rtpTimestamp;
        currentEvent = value.Event;
        volume = value.Volume;
        duration = value.Duration;
        lastPacketAt = timeProvider.GetTimestamp();
        if (value.End)
        {
            Report();
        }
    }

    /// <summary>Reports an event whose end packets never came; call periodically.</summary>
    public void Poll()
    {
        if (active && !reported && timeProvider.GetElapsedTime(lastPacketAt) >= LostEndTimeout)
        {
            Report();
        }
    }

    private void Report()
    {
        reported = true;
        report(new DtmfReceivedEventArgs
        {
            Digit = DtmfDigits.FromEventCode(currentEvent)!.Value,
            Duration = TimeSpan.FromMilliseconds(duration / 8.0),
            Volume = volume,
            Source = DtmfSource.Rfc4733,
        });
    }
}
