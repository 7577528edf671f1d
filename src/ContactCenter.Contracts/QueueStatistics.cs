namespace ContactCenter.Contracts;

/// <summary>
/// Event: live figures for one queue, published on change (at most 4 per second per queue). The counters behind the rates
/// travel too, so that rows can be merged exactly (the board's "All queues" over several routing partitions).
/// </summary>
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
    /// <summary>Service level since midnight, 0..1: <see cref="ServiceLevelMet"/> / <see cref="ServiceLevelCounted"/> (<see cref="QueueFigures.ServiceLevel"/>).</summary>
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
    /// <summary>Calls answered within the service-level target since midnight (the service level's numerator).</summary>
    public int AnsweredWithinTarget { get; init; }
    /// <summary>Calls in the service level's numerator since midnight (answered within target, and abandons within it when the queue counts them as met).</summary>
    public int ServiceLevelMet { get; init; }
    /// <summary>Calls in the service level's denominator since midnight, as the queue's <see cref="ServiceLevelDenominator"/> says.</summary>
    public int ServiceLevelCounted { get; init; }
    /// <summary>Calls abandoned before the short-abandon threshold since midnight (left out of service level and abandonment).</summary>
    public int ShortAbandoned { get; init; }
    /// <summary>Calls that left the queue otherwise since midnight (overflow out, voicemail, loss).</summary>
    public int Diverted { get; init; }
    /// <summary>Calls whose handling (talk + wrap-up) completed since midnight (AHT's denominator).</summary>
    public int Handled { get; init; }
    /// <summary>Sum of the answered calls' waits since midnight (ASA's numerator).</summary>
    public TimeSpan TotalAnswerWait { get; init; }
    /// <summary>Sum of talk + wrap-up since midnight (AHT's numerator).</summary>
    public TimeSpan TotalHandleTime { get; init; }
    /// <summary>The agents' time on call or in wrap-up over the rolling window (occupancy's numerator).</summary>
    public TimeSpan BusyTime { get; init; }
    /// <summary>The agents' staffed time over the rolling window (occupancy's denominator).</summary>
    public TimeSpan StaffedTime { get; init; }
    /// <summary>When the figures were taken.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
