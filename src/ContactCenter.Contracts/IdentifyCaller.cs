namespace ContactCenter.Contracts;

/// <summary>Request (to the CRM): who is this caller, by the account number keyed in the IVR (or by number)? Answered with <see cref="CallerIdentified"/>.</summary>
public sealed record IdentifyCaller
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>Caller number to look up, when identifying by number.</summary>
    public string? Caller { get; init; }
    /// <summary>Account (customer) number the caller keyed in, when identifying by keypad.</summary>
    public string? AccountNumber { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
