namespace ContactCenter.Contracts;

/// <summary>
/// Event: a supervisor took an agent's call over. The agent's leg was released (routing puts the agent in wrap-up, as
/// when a call ends); the caller stays connected, now with <see cref="SupervisorId"/>, who is the call's agent from now
/// on (the call's <see cref="CallEnded"/> names them). The history keeps both.
/// </summary>
public sealed record CallTakenOver
{
    /// <summary>The call.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent whose part of the call is over.</summary>
    public required string AgentId { get; init; }
    /// <summary>The supervisor who has the call now.</summary>
    public required string SupervisorId { get; init; }
    /// <summary>When.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
