namespace ContactCenter.Contracts;

/// <summary>Event: the CRM assembled the screen pop for a reserved agent; the desktop pushes it to the agent's browser.</summary>
public sealed record ScreenPopReady
{
    /// <summary>The call.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent whose desktop pops.</summary>
    public required string AgentId { get; init; }
    /// <summary>Caller number, E.164 when known.</summary>
    public required string Caller { get; init; }
    /// <summary>The queue the call came from.</summary>
    public required string Queue { get; init; }
    /// <summary>The path the caller took through the IVR.</summary>
    public required string IvrPath { get; init; }
    /// <summary>True when the agent is reserved for a callback: their phone rings first, then the customer is dialled.</summary>
    public bool IsCallback { get; init; }
    /// <summary>What the agent is offered before anything rings (a voicemail, a preview callback), or <see cref="OfferKind.None"/>.</summary>
    public OfferKind Offer { get; init; }
    /// <summary>For an offer: when it is withdrawn if not accepted.</summary>
    public DateTimeOffset? OfferExpiresAt { get; init; }
    /// <summary>For a voicemail: the call whose interaction holds the message (its audio is at <c>/api/interactions/{id}/voicemail</c>).</summary>
    public Guid? VoicemailCallId { get; init; }
    /// <summary>For a voicemail: its length in seconds.</summary>
    public int? VoicemailSeconds { get; init; }
    /// <summary>How long the caller waited (for a callback: since the original call started waiting).</summary>
    public required TimeSpan Waited { get; init; }
    /// <summary>The customer, or null for an unknown caller ("new caller").</summary>
    public CustomerCard? Customer { get; init; }
    /// <summary>Most recent interactions, newest first.</summary>
    public required IReadOnlyList<InteractionSummary> RecentInteractions { get; init; }
    /// <summary>Total interactions on record for the customer.</summary>
    public int TotalInteractions { get; init; }
    /// <summary>All open cases.</summary>
    public required IReadOnlyList<CaseSummary> OpenCases { get; init; }
    /// <summary>When the pop was assembled.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>The customer card at the top of a screen pop.</summary>
public sealed record CustomerCard
{
    /// <summary>Customer id.</summary>
    public required Guid Id { get; init; }
    /// <summary>Display name.</summary>
    public required string Name { get; init; }
    /// <summary>Value tier.</summary>
    public required CustomerTier Tier { get; init; }
    /// <summary>Preferred language, if known.</summary>
    public string? Language { get; init; }
    /// <summary>True when the customer must not be called back or marketed to.</summary>
    public bool DoNotCall { get; init; }
    /// <summary>Standing notes on the customer.</summary>
    public string? Notes { get; init; }
}

/// <summary>One earlier contact, for the pop's history list.</summary>
public sealed record InteractionSummary
{
    /// <summary>The call's id.</summary>
    public required Guid CallId { get; init; }
    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>Queue, if any.</summary>
    public string? Queue { get; init; }
    /// <summary>Agent who handled it, if any.</summary>
    public string? AgentId { get; init; }
    /// <summary>How it ended, once known.</summary>
    public CallOutcome? Outcome { get; init; }
    /// <summary>The agent's disposition.</summary>
    public string? Disposition { get; init; }
    /// <summary>The agent's notes.</summary>
    public string? Notes { get; init; }
    /// <summary>True when the caller left a voicemail on this call (the CRM serves it at <c>/api/interactions/{callId}/voicemail</c>).</summary>
    public bool HasVoicemail { get; init; }
    /// <summary>Length of the voicemail in seconds, when one was left (or attempted).</summary>
    public int? VoicemailSeconds { get; init; }
    /// <summary>The voicemail's transcript, when one exists.</summary>
    public string? Transcript { get; init; }
}

/// <summary>An open service case, for the pop.</summary>
public sealed record CaseSummary
{
    /// <summary>Case id.</summary>
    public required Guid Id { get; init; }
    /// <summary>Human number, e.g. CS-000123.</summary>
    public required string Number { get; init; }
    /// <summary>Subject line.</summary>
    public required string Subject { get; init; }
    /// <summary>open, pending, resolved or closed.</summary>
    public required string Status { get; init; }
    /// <summary>low, normal, high or urgent.</summary>
    public required string Priority { get; init; }
    /// <summary>Owning agent, if any.</summary>
    public string? OwnerAgentId { get; init; }
    /// <summary>When the case was opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }
    /// <summary>SLA due time, if set.</summary>
    public DateTimeOffset? SlaDueAt { get; init; }
}
