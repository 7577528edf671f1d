namespace ContactCenter.Contracts;

/// <summary>
/// Event: a caller left (or tried to leave) a voicemail. A kept message is queued as a work item carrying the
/// message (<see cref="CallQueued.VoicemailPath"/>); a discarded one (silent, too short) says why.
/// </summary>
public sealed record VoicemailRecorded
{
    /// <summary>The call on which the message was left.</summary>
    public required Guid CallId { get; init; }
    /// <summary>Caller number, E.164 when known.</summary>
    public required string Caller { get; init; }
    /// <summary>The queue the caller was waiting in (or the IVR node's queue).</summary>
    public required string Queue { get; init; }
    /// <summary>The message's file name in the gateway's voicemail folder; null when discarded.</summary>
    public string? Path { get; init; }
    /// <summary>Length of the message.</summary>
    public required TimeSpan Duration { get; init; }
    /// <summary>Why the message was not kept (silent, shorter than the minimum); null when kept.</summary>
    public string? DiscardedReason { get; init; }
    /// <summary>When the recording ended.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
