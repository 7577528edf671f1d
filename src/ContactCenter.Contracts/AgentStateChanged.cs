namespace ContactCenter.Contracts;

/// <summary>Event: an agent's presence changed (published by routing, the owner of presence).</summary>
public sealed record AgentStateChanged
{
    /// <summary>The agent (login).</summary>
    public required string AgentId { get; init; }
    /// <summary>The new state.</summary>
    public required AgentState State { get; init; }
    /// <summary>The state before.</summary>
    public required AgentState Previous { get; init; }
    /// <summary>Not-ready reason, or why the change happened (missed, wrap-up timeout...).</summary>
    public string? Reason { get; init; }
    /// <summary>The call involved (Reserved, OnCall, WrapUp).</summary>
    public Guid? CallId { get; init; }
    /// <summary>When the change happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
