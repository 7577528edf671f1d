namespace ContactCenter.Contracts;

/// <summary>
/// Command (desktop to routing): the agent accepts what they were offered (<see cref="AgentReserved.Offer"/>): a voicemail becomes
/// theirs to work on; a preview callback is placed (their phone rings, then the customer is dialled). Routing answers with
/// <see cref="OfferAccepted"/>, or, when the offer is no longer theirs (it timed out), changes nothing.
/// </summary>
public sealed record AcceptOffer
{
    /// <summary>The offered work item or callback.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who accepts (always the signed-in agent).</summary>
    public required string AgentId { get; init; }
    /// <summary>When the agent accepted.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
