using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// The digits a leg receives, from three sources, each reported once per key press: RFC 4733 telephone-events
/// (<see cref="TelephoneEventReceiver"/>: start, updates, the end sent three times, a lost end timed out), in-band
/// tones in the audio (<see cref="GoertzelDtmfDetector"/>, only when the peer negotiated no telephone-event), and
/// SIP INFO (parsed by the user agent and handed in).
/// </summary>
internal sealed class DtmfInput
{
    private readonly TelephoneEventReceiver events;
    private readonly Action<DtmfReceivedEventArgs> onDigit;
    private readonly short[] decodeBuffer = new short[LegTransport.ReceiveBufferSize];
    private GoertzelDtmfDetector? inBand;

    public DtmfInput(TimeProvider time, Action<DtmfReceivedEventArgs> onDigit)
    {
        this.onDigit = onDigit;
        events = new TelephoneEventReceiver(time, onDigit);
    }

    /// <summary>Whether in-band tones are listened for (no telephone-event negotiated).</summary>
    public bool ListensInBand => inBand is not null;

    /// <summary>After an offer/answer: in-band detection runs only when the peer has no telephone-event payload type.</summary>
    public void Configure(bool telephoneEvents) => inBand = telephoneEvents ? null : inBand ?? new GoertzelDtmfDetector(onDigit);

    /// <summary>An RFC 4733 event packet of the peer's stream.</summary>
    public void OnEvent(uint timestamp, in TelephoneEvent value)
    {
        lock (events)
        {
            events.Process(timestamp, value);
        }
    }

    /// <summary>An audio payload of the peer's stream: looked at for tones when listening in band.</summary>
    public void OnAudio(AudioCodec codec, ReadOnlySpan<byte> payload)
    {
        if (inBand is { } detector)
        {
            Span<short> samples = decodeBuffer.AsSpan(0, payload.Length);
            G711.Decode(codec, payload, samples);
            detector.Process(samples);
        }
    }

    /// <summary>A digit that came by SIP INFO.</summary>
    public void OnSipInfo(char digit, TimeSpan duration) => onDigit(new DtmfReceivedEventArgs
    {
        Digit = char.ToUpperInvariant(digit),
        Duration = duration,
        Source = DtmfSource.SipInfo,
    });

    /// <summary>Ends an event whose end packets were all lost (the engine's housekeeping calls this).</summary>
    public void Poll()
    {
        lock (events)
        {
            events.Poll();
        }
    }
}
