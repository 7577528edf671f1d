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
    /// <summary>Which of the agent's registered phones to ring (the directory's phone kind; both by default).</summary>
    public PhoneKind Phone { get; init; } = PhoneKind.Both;
    /// <summary>Record the bridged call (queue setting).</summary>
    public bool Record { get; init; }
    /// <summary>True for a callback (a virtual call with no caller's leg): the gateway rings the agent, then dials the customer.</summary>
    public bool IsCallback { get; init; }
    /// <summary>The number to dial back (the caller's number) for a callback.</summary>
    public string? Caller { get; init; }
    /// <summary>When the call started waiting (a callback keeps the original call's wait).</summary>
    public DateTimeOffset? QueuedAt { get; init; }
    /// <summary>The IVR path of the call (for the callback's history).</summary>
    public string? IvrPath { get; init; }
    /// <summary>When routing sent it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
