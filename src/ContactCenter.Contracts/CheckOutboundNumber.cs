namespace ContactCenter.Contracts;

/// <summary>
/// Request (desktop to the CRM, which owns customers, their phone numbers and the do-not-call flag): may an agent call this number
/// (for this customer)? Answered with <see cref="OutboundNumberChecked"/>.
/// </summary>
public sealed record CheckOutboundNumber
{
    /// <summary>The call the agent is about to place.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who dials.</summary>
    public required string AgentId { get; init; }
    /// <summary>The number to dial (digits with an optional leading +).</summary>
    public required string Number { get; init; }
    /// <summary>The customer the agent dials from, when any.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
