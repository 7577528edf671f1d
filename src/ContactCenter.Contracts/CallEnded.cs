namespace ContactCenter.Contracts;

/// <summary>Event: the call is over (both legs released), whatever stage it reached.</summary>
public sealed record CallEnded
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who had the call, if it was connected.</summary>
    public string? AgentId { get; init; }
    /// <summary>The queue the call was in, if it reached one.</summary>
    public string? Queue { get; init; }
    /// <summary>The path through the IVR.</summary>
    public string? IvrPath { get; init; }
    /// <summary>How the call ended for the customer.</summary>
    public required CallOutcome Outcome { get; init; }
    /// <summary>Which side hung up.</summary>
    public required CallParty EndedBy { get; init; }
    /// <summary>Why, in words (BYE, CANCEL, media timeout, max wait...).</summary>
    public required string Reason { get; init; }
    /// <summary>Recording file, when the call was recorded.</summary>
    public string? RecordingPath { get; init; }
    /// <summary>Inbound, an agent's outbound call, or a callback.</summary>
    public CallDirection Direction { get; init; }
    /// <summary>The number dialled, for an outbound call or callback.</summary>
    public string? Dialled { get; init; }
    /// <summary>For a callback: the attempt (1 for the first).</summary>
    public int Attempt { get; init; }
    /// <summary>For a callback that did not reach the customer: when the next attempt is due, or null when none will be made.</summary>
    public DateTimeOffset? RetryAt { get; init; }
    /// <summary>When the last leg was released.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
