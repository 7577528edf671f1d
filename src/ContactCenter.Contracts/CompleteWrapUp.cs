namespace ContactCenter.Contracts;

/// <summary>Command: the agent finished after-call work; routing frees the agent, the CRM stores the outcome.</summary>
public sealed record CompleteWrapUp
{
    /// <summary>The call wrapped up.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who wrapped up.</summary>
    public required string AgentId { get; init; }
    /// <summary>Disposition code (resolved, follow-up, escalated...).</summary>
    public required string Disposition { get; init; }
    /// <summary>Free-text notes.</summary>
    public string? Notes { get; init; }
    /// <summary>Service case linked to the call, if any.</summary>
    public Guid? CaseId { get; init; }
    /// <summary>When the agent completed it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
