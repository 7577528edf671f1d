namespace ContactCenter.Contracts;

/// <summary>Event: live figures for one queue, published on change (at most 4 per second per queue).</summary>
public sealed record QueueStatistics
{
    /// <summary>The queue; <c>*</c> for all queues together.</summary>
    public required string Queue { get; init; }
    /// <summary>Calls waiting now.</summary>
    public required int Waiting { get; init; }
    /// <summary>Wait of the oldest waiting call.</summary>
    public required TimeSpan LongestWait { get; init; }
    /// <summary>Calls offered since midnight (queue's time zone).</summary>
    public required int Offered { get; init; }
    /// <summary>Calls answered since midnight.</summary>
    public required int Answered { get; init; }
    /// <summary>Calls abandoned since midnight (short abandons excluded).</summary>
    public required int Abandoned { get; init; }
    /// <summary>Service level since midnight, 0..1 (answered within target / offered less short abandons).</summary>
    public required double ServiceLevel { get; init; }
    /// <summary>Average speed of answer since midnight.</summary>
    public required TimeSpan AverageSpeedOfAnswer { get; init; }
    /// <summary>Average handle time (talk + wrap-up) since midnight.</summary>
    public required TimeSpan AverageHandleTime { get; init; }
    /// <summary>Abandonment rate since midnight, 0..1.</summary>
    public required double AbandonmentRate { get; init; }
    /// <summary>Occupancy of the queue's agents over the rolling window, 0..1.</summary>
    public required double Occupancy { get; init; }
    /// <summary>Estimated wait for a call joining now.</summary>
    public required TimeSpan EstimatedWait { get; init; }
    /// <summary>The queue's agents counted by state.</summary>
    public required IReadOnlyDictionary<AgentState, int> AgentsByState { get; init; }
    /// <summary>When the figures were taken.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
