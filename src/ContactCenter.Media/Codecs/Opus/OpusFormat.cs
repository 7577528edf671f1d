namespace ContactCenter.Media.Codecs.Opus;

/// <summary>
/// Opus over RTP as RFC 7587 describes it: a dynamic payload type (the offer's number is used both
/// ways), a 48 kHz RTP clock whatever the audio's bandwidth, "opus/48000/2" in a=rtpmap even for
/// mono, and the fmtp parameters we send. Frames here are 20 ms.
/// </summary>
internal sealed record OpusFormat
{
    /// <summary>The RTP clock rate (RFC 7587 §4.1).</summary>
    public const int ClockRate = 48000;

    /// <summary>Milliseconds of audio per packet.</summary>
    public const int FrameMilliseconds = 20;

    /// <summary>RTP timestamp advance per 20 ms packet.</summary>
    public const int TimestampIncrement = ClockRate / 1000 * FrameMilliseconds;

    /// <summary>Creates the format for a dynamic payload type (96-127); Chromium offers 111.</summary>
    public OpusFormat(int payloadType = 111)
    {
        if (payloadType is < 96 or > 127)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadType), payloadType, "Opus uses a dynamic RTP payload type (96-127).");
        }

        PayloadType = (byte)payloadType;
    }

    /// <summary>The negotiated payload type.</summary>
    public byte PayloadType { get; }

    /// <summary>a=rtpmap value (RFC 7587 §7: always two channels in the SDP).</summary>
    public string RtpMap => $"{PayloadType} opus/48000/2";

    /// <summary>a=fmtp value: mono voice, in-band FEC accepted, 10 ms minimum packetisation.</summary>
    public string Fmtp => $"{PayloadType} minptime=10;useinbandfec=1";
}
