namespace ContactCenter.Contracts;

/// <summary>
/// Event (routing, when a partition becomes active): gateways, report your live calls now. Each gateway answers with a
/// <see cref="CallHeartbeat"/> at once instead of at its next interval, so a routing instance that just started or took over
/// knows the gateways (agents' outbound calls go through one) and their calls without waiting.
/// </summary>
public sealed record ReportLiveCalls
{
    /// <summary>The gateway asked, or null for every gateway.</summary>
    public string? GatewayId { get; init; }
    /// <summary>The routing partition that asks (for logs).</summary>
    public required string Partition { get; init; }
    /// <summary>When routing asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
