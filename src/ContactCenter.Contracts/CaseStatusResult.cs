namespace ContactCenter.Contracts;

/// <summary>Response to <see cref="GetCaseStatus"/>: the case's number and status, or Found false.</summary>
public sealed record CaseStatusResult
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>False when no such case (or no case for the caller) exists.</summary>
    public required bool Found { get; init; }
    /// <summary>Human number, e.g. CS-000123.</summary>
    public string? CaseNumber { get; init; }
    /// <summary>open, pending, resolved or closed.</summary>
    public string? Status { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
