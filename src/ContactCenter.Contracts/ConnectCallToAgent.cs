namespace ContactCenter.Contracts;

/// <summary>Command to the gateway holding the call: ring the agent's phone and bridge on answer.</summary>
public sealed record ConnectCallToAgent
{
    /// <summary>The call to connect.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent (login) whose registered phone to ring.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue the call came from.</summary>
    public required string Queue { get; init; }
    /// <summary>How long to ring before giving up (then the gateway publishes AgentNoAnswer).</summary>
    public required TimeSpan RingTimeout { get; init; }
    /// <summary>Record the bridged call (queue setting).</summary>
    public bool Record { get; init; }
    /// <summary>When routing sent it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
