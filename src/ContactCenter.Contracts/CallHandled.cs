namespace ContactCenter.Contracts;

/// <summary>
/// Event (routing): an agent's handling of a call is over: the after-call work ended (<see cref="CompleteWrapUp"/>, the queue's
/// wrap-up time, or the agent changing state). Talk and wrap-up are measured on routing's clock, as the board's AHT is.
/// </summary>
public sealed record CallHandled
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who handled it.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue the call came from; null for the agent's own outbound call (handled by no queue).</summary>
    public string? Queue { get; init; }
    /// <summary>From the agent answering to the call ending (any hold is inside it: the bus carries no hold events).</summary>
    public required TimeSpan TalkTime { get; init; }
    /// <summary>From the call ending to the end of after-call work.</summary>
    public required TimeSpan WrapUpTime { get; init; }
    /// <summary>When the after-call work ended.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
