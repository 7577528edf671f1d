namespace ContactCenter.Contracts;

/// <summary>
/// Event: routing chose an agent for a call; the agent's phone is about to ring. With <see cref="Offer"/> the agent is offered it on
/// the desktop first (a voicemail work item, a preview callback) and nothing rings until they accept (<see cref="AcceptOffer"/>).
/// </summary>
public sealed record AgentReserved
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent chosen (login).</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue the call was waiting in.</summary>
    public required string Queue { get; init; }
    /// <summary>Caller number.</summary>
    public required string Caller { get; init; }
    /// <summary>IVR path of the call.</summary>
    public required string IvrPath { get; init; }
    /// <summary>How long the call had waited when matched.</summary>
    public required TimeSpan Waited { get; init; }
    /// <summary>One-line explanation of the decision; the full breakdown is at /api/routing/decisions.</summary>
    public required string Reason { get; init; }
    /// <summary>True when the reservation is for a callback: the agent's phone rings first, then the customer is dialled.</summary>
    public bool IsCallback { get; init; }
    /// <summary>What the agent is offered on the desktop before anything rings; <see cref="OfferKind.None"/> for a call that rings at once.</summary>
    public OfferKind Offer { get; init; }
    /// <summary>For an offer: when it is withdrawn if the agent has not accepted it.</summary>
    public DateTimeOffset? OfferExpiresAt { get; init; }
    /// <summary>When the reservation was made.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
