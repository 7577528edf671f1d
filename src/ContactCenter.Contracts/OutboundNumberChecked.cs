namespace ContactCenter.Contracts;

/// <summary>Response (from the CRM) to <see cref="CheckOutboundNumber"/>.</summary>
public sealed record OutboundNumberChecked
{
    /// <summary>The call asked about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>True when the number may be called.</summary>
    public required bool Allowed { get; init; }
    /// <summary>Why not (the customer asked not to be called, unknown customer...), when refused.</summary>
    public string? Reason { get; init; }
    /// <summary>The customer the number (or the given id) belongs to, when known.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>The customer's name, when known.</summary>
    public string? CustomerName { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
