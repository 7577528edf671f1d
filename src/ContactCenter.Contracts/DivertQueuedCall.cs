namespace ContactCenter.Contracts;

/// <summary>Command to the gateway holding a queued call: take it out of the queue (voicemail, callback offer, queue full, no agents).</summary>
public sealed record DivertQueuedCall
{
    /// <summary>The call to divert.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The queue the call was in.</summary>
    public required string Queue { get; init; }
    /// <summary>What to do: an enum, so that an action the gateway cannot carry out cannot be sent.</summary>
    public required DivertAction Action { get; init; }
    /// <summary>Why, in words (max wait 300 s reached, queue at its maximum length 50...).</summary>
    public required string Reason { get; init; }
    /// <summary>When routing decided it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
