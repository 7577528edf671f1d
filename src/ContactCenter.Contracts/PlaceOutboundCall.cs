namespace ContactCenter.Contracts;

/// <summary>
/// Command (desktop to routing): the agent dials a number (click to dial). Routing accepts it only when the agent is Available
/// or NotReady with no call, keeps the agent busy for the whole call and asks a gateway to place it
/// (<see cref="ConnectOutboundCall"/>); a refusal comes back as <see cref="OutboundCallRefused"/>.
/// </summary>
public sealed record PlaceOutboundCall
{
    /// <summary>The new call's id, chosen by the desktop.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who dials (always the signed-in agent).</summary>
    public required string AgentId { get; init; }
    /// <summary>The number to dial, normalised: digits with an optional leading +.</summary>
    public required string Number { get; init; }
    /// <summary>The customer being called, when the agent dialled from the customer's record.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>
    /// The work item (a voicemail) the agent is calling back from: routing keeps the agent on it (no wrap-up of its own for this
    /// call: the work item's covers it), and the CRM links the call to it in the history.
    /// </summary>
    public Guid? WorkItemId { get; init; }
    /// <summary>When the agent dialled.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
