namespace ContactCenter.Media.Dtmf;

/// <summary>Where a received digit came from.</summary>
public enum DtmfSource
{
    /// <summary>RFC 4733 telephone-event RTP packets.</summary>
    Rfc4733,

    /// <summary>SIP INFO application/dtmf-relay (or application/dtmf) handed to the session.</summary>
    SipInfo,

    /// <summary>Tones in the audio, found by the Goertzel detector.</summary>
    InBand,
}

/// <summary>One key press, reported once.</summary>
public sealed class DtmfReceivedEventArgs : EventArgs
{
    /// <summary>0-9, *, #, A-D.</summary>
    public required char Digit { get; init; }

    /// <summary>How long the key was held (as reported by the sender; estimated for in-band).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>RFC 4733 volume (power level in -dBm0, 0-63); null when the source has none.</summary>
    public byte? Volume { get; init; }

    /// <summary>How the digit arrived.</summary>
    public required DtmfSource Source { get; init; }
}
