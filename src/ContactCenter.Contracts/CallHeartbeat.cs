namespace ContactCenter.Contracts;

/// <summary>Event: a gateway's periodic report of the calls it holds; routing ends calls a gateway no longer reports.</summary>
public sealed record CallHeartbeat
{
    /// <summary>The gateway instance reporting.</summary>
    public required string GatewayId { get; init; }
    /// <summary>Every call the gateway holds right now.</summary>
    public required IReadOnlyList<Guid> LiveCalls { get; init; }
    /// <summary>How often heartbeats come; routing waits a few of these before acting.</summary>
    public required TimeSpan Interval { get; init; }
    /// <summary>When the report was made.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
