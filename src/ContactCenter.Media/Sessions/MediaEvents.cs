namespace ContactCenter.Media.Sessions;

/// <summary>How a playback ended.</summary>
public enum PlaybackOutcome
{
    /// <summary>Every prompt was played to the end.</summary>
    Completed,

    /// <summary>A key press stopped it (barge-in); the digit is in the result.</summary>
    Interrupted,

    /// <summary>StopPlayback, a newer PlayAsync, a bridge, or the session ending stopped it.</summary>
    Stopped,
}

/// <summary>Result of one PlayAsync.</summary>
public sealed record PlaybackResult(PlaybackOutcome Outcome, char? Digit);

/// <summary>Options of one PlayAsync.</summary>
public sealed record PlaybackOptions
{
    /// <summary>Repeat the sequence until stopped (music on hold, comfort noise while queued).</summary>
    public bool Loop { get; init; }

    /// <summary>A received digit stops the playback (the digit is still reported by DtmfReceived).</summary>
    public bool BargeIn { get; init; } = true;
}

/// <summary>Raised when a playback ends, whatever the reason.</summary>
public sealed class PlaybackFinishedEventArgs : EventArgs
{
    /// <summary>How it ended.</summary>
    public required PlaybackResult Result { get; init; }
}

/// <summary>Raised once when no RTP came from the peer for the configured time.</summary>
public sealed class MediaTimeoutEventArgs : EventArgs
{
    /// <summary>How long nothing came.</summary>
    public required TimeSpan Silence { get; init; }

    /// <summary>A one-line reason for the call's end (e.g. for CallEnded).</summary>
    public required string Reason { get; init; }
}

/// <summary>Counters of one session (RFC 3550 statistics).</summary>
public sealed record MediaStatistics
{
    /// <summary>RTP packets sent.</summary>
    public long PacketsSent { get; init; }

    /// <summary>RTP payload octets sent.</summary>
    public long OctetsSent { get; init; }

    /// <summary>Valid RTP packets received from the peer.</summary>
    public long PacketsReceived { get; init; }

    /// <summary>Packets lost from the peer (RFC 3550 A.3 cumulative).</summary>
    public long PacketsLost { get; init; }

    /// <summary>Interarrival jitter of the peer's stream.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>RTCP compound packets received.</summary>
    public long RtcpReceived { get; init; }

    /// <summary>RTCP compound packets sent.</summary>
    public long RtcpSent { get; init; }

    /// <summary>The peer's last report about our stream (fraction lost is /256), if any.</summary>
    public ContactCenter.Media.Rtp.RtcpReportBlock? RemoteReport { get; init; }

    /// <summary>Where RTP is sent now (after symmetric latching).</summary>
    public System.Net.IPEndPoint? RemoteRtpEndPoint { get; init; }
}
