namespace ContactCenter.Contracts;

/// <summary>Event: the agent answered and the two legs are bridged.</summary>
public sealed record CallConnected
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent talking to the caller.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue the call came from.</summary>
    public required string Queue { get; init; }
    /// <summary>Inbound, an agent's outbound call, or a callback (for a callback: the agent answered and the customer is being dialled).</summary>
    public CallDirection Direction { get; init; }
    /// <summary>When the agent answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
