namespace ContactCenter.Contracts;

/// <summary>Event: the CRM looked up the caller by number (or by what the caller keyed in).</summary>
public sealed record CallerIdentified
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The customer, or null when the number is unknown.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>The customer's display name, or null when unknown.</summary>
    public string? CustomerName { get; init; }
    /// <summary>The customer's value tier (Standard when unknown).</summary>
    public CustomerTier Tier { get; init; }
    /// <summary>The customer's preferred language tag, if known (e.g. <c>en</c>).</summary>
    public string? Language { get; init; }
    /// <summary>Owner of the customer's most urgent open case: routing tries this agent first.</summary>
    public string? PreferredAgentId { get; init; }
    /// <summary>When the lookup finished.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
