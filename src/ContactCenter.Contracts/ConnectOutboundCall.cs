namespace ContactCenter.Contracts;

/// <summary>
/// Command (routing to the gateway, <c>telephony-{GatewayId}</c>): place an agent's outbound call. The gateway rings the agent's
/// phone first, then dials <see cref="Number"/> through the outbound trunk that may dial it and bridges on answer; no retries.
/// It ends with <see cref="CallEnded"/> (<see cref="CallDirection.Outbound"/>), whatever happened.
/// </summary>
public sealed record ConnectOutboundCall
{
    /// <summary>The call to place (the id the desktop chose).</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent (login) whose registered phone rings first.</summary>
    public required string AgentId { get; init; }
    /// <summary>The number to dial (digits with an optional leading +).</summary>
    public required string Number { get; init; }
    /// <summary>The customer being called, when known.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>How long the agent's phone rings before the call is given up.</summary>
    public required TimeSpan RingTimeout { get; init; }
    /// <summary>When routing sent it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
