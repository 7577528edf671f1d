namespace ContactCenter.Contracts;

/// <summary>Command: an agent (or a supervisor for them) asks for a presence change.</summary>
public sealed record SetAgentState
{
    /// <summary>The agent whose state changes.</summary>
    public required string AgentId { get; init; }
    /// <summary>Requested state: Available, NotReady or LoggedOut.</summary>
    public required AgentState State { get; init; }
    /// <summary>Reason for NotReady (break, lunch, training...).</summary>
    public string? Reason { get; init; }
    /// <summary>Who asked (the agent or a supervisor's login).</summary>
    public required string RequestedBy { get; init; }
    /// <summary>When it was asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
