namespace ContactCenter.Contracts;

/// <summary>Request (to the CRM) from IVR self-service: the status of a keyed-in case number, or of the caller's latest case. Answered with <see cref="CaseStatusResult"/>.</summary>
public sealed record GetCaseStatus
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The identified customer, if any (for the latest case, and to check a keyed-in case belongs to them).</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>Caller number, E.164 when known (finds the customer when not identified).</summary>
    public required string Caller { get; init; }
    /// <summary>Digits the caller keyed in (e.g. <c>123</c> for CS-000123); null for the latest case.</summary>
    public string? CaseNumber { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
