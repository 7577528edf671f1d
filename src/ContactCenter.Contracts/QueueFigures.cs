namespace ContactCenter.Contracts;

/// <summary>How a call left a queue (<see cref="CallLeftQueue.Reason"/>).</summary>
public enum QueueExitReason
{
    /// <summary>An agent answered.</summary>
    Answered,
    /// <summary>The caller hung up while waiting or while an agent's phone rang.</summary>
    Abandoned,
    /// <summary>The queue's maximum wait moved the call to another queue (<see cref="CallLeftQueue.ToQueue"/>).</summary>
    Overflowed,
    /// <summary>The queue's maximum wait sent the caller to voicemail.</summary>
    Voicemail,
    /// <summary>Refused on arrival: the queue was at its maximum length.</summary>
    QueueFull,
    /// <summary>Refused on arrival: no agent of the queue was logged in (or no such queue).</summary>
    NoAgents,
    /// <summary>The call ended otherwise while waiting: the gateway ended it, or routing lost its gateway (heartbeat).</summary>
    Ended,
}

/// <summary>
/// Which calls a queue's service level counts (<c>serviceLevel.denominator</c> in queues.yaml). There is no single formula in
/// the trade (Asterisk's app_queue has two, RingCentral and Amazon Connect others): each queue says which it uses. Short
/// abandons are never counted.
/// </summary>
public enum ServiceLevelDenominator
{
    /// <summary><c>left-queue</c> (default): answered within threshold / (answered + abandoned + diverted).</summary>
    LeftQueue,
    /// <summary><c>answered-and-abandoned</c>: answered within threshold / (answered + abandoned); diverted calls left out.</summary>
    AnsweredAndAbandoned,
    /// <summary><c>answered</c>: answered within threshold / answered (Asterisk's <c>ServicelevelPerf</c>).</summary>
    Answered,
    /// <summary>
    /// <c>abandoned-within-threshold-met</c>: (answered + abandoned within threshold) / (answered + abandoned): a caller who gave up
    /// before the threshold counts as met (Asterisk's <c>ServicelevelPerf2</c>, close to Amazon Connect's "removed from queue within X").
    /// </summary>
    AbandonedWithinThresholdMet,
}

/// <summary>A queue's service-level settings: what the figures of <see cref="QueueFigures"/> are measured against.</summary>
/// <param name="Threshold">Answered within this wait counts as met (<c>serviceLevel.seconds</c>).</param>
/// <param name="ShortAbandon">Abandons shorter than this are short abandons, left out of abandonment and service level.</param>
/// <param name="Denominator">Which calls the service level counts.</param>
public readonly record struct ServiceLevelPolicy(TimeSpan Threshold, TimeSpan ShortAbandon, ServiceLevelDenominator Denominator);

/// <summary>What one call leaving a queue adds to the queue's counters (each flag adds one to its counter).</summary>
/// <param name="Answered">An agent answered.</param>
/// <param name="AnsweredWithinTarget">Answered within the threshold.</param>
/// <param name="Abandoned">Abandoned after the short-abandon threshold.</param>
/// <param name="ShortAbandoned">Abandoned before the short-abandon threshold.</param>
/// <param name="Diverted">Left otherwise (overflow, voicemail, refused, ended).</param>
/// <param name="ServiceLevelCounted">In the service level's denominator (per the queue's <see cref="ServiceLevelDenominator"/>).</param>
/// <param name="ServiceLevelMet">In the service level's numerator.</param>
public readonly record struct QueueExitFigures(
    bool Answered,
    bool AnsweredWithinTarget,
    bool Abandoned,
    bool ShortAbandoned,
    bool Diverted,
    bool ServiceLevelCounted,
    bool ServiceLevelMet);

/// <summary>
/// The one definition of the queue figures (docs/reporting.md), used by routing's live board and by the reports: how a call
/// leaving a queue is counted, and each rate from the counters behind it. Rates are never averaged: any period's figure is
/// computed from the sums of its counters, so a day, an hour, several queues or partitions all use these same formulas.
/// </summary>
public static class QueueFigures
{
    /// <summary>How a call that left a queue after <paramref name="waited"/> counts, under the queue's <paramref name="policy"/>.</summary>
    public static QueueExitFigures Classify(QueueExitReason reason, TimeSpan waited, in ServiceLevelPolicy policy)
    {
        switch (reason)
        {
            case QueueExitReason.Answered:
                {
                    var within = waited <= policy.Threshold;
                    return new QueueExitFigures(true, within, false, false, false, true, within);
                }
            case QueueExitReason.Abandoned:
                {
                    if (waited < policy.ShortAbandon)
                    {
                        return new QueueExitFigures(false, false, false, true, false, false, false);
                    }
                    var counted = policy.Denominator != ServiceLevelDenominator.Answered;
                    var met = policy.Denominator == ServiceLevelDenominator.AbandonedWithinThresholdMet && waited <= policy.Threshold;
                    return new QueueExitFigures(false, false, true, false, false, counted, met);
                }
            case QueueExitReason.Overflowed or QueueExitReason.Voicemail or QueueExitReason.QueueFull or QueueExitReason.NoAgents or QueueExitReason.Ended:
                return new QueueExitFigures(false, false, false, false, true, policy.Denominator == ServiceLevelDenominator.LeftQueue, false);
            default:
                throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown queue exit");
        }
    }

    /// <summary>Service level, 0..1: met / counted; 1.0 when no call has been counted yet (nothing missed the target).</summary>
    public static double ServiceLevel(long met, long counted) => counted <= 0 ? 1.0 : (double)met / counted;

    /// <summary>
    /// The service level's counters carried by a <see cref="QueueStatistics"/>; from a routing that predates them (no
    /// <see cref="QueueStatistics.ServiceLevelCounted"/> although calls were answered) they are what every queue counted then:
    /// answered within target / (answered + abandoned + diverted).
    /// </summary>
    public static (long Met, long Counted) ServiceLevelCounters(QueueStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return statistics.ServiceLevelCounted == 0 && statistics.ServiceLevelMet == 0 && statistics.Answered > 0
            ? (statistics.AnsweredWithinTarget, statistics.Answered + statistics.Abandoned + statistics.Diverted)
            : (statistics.ServiceLevelMet, statistics.ServiceLevelCounted);
    }

    /// <summary>Abandonment rate, 0..1: abandoned / (offered − short abandons).</summary>
    public static double AbandonmentRate(long abandoned, long offered, long shortAbandoned)
    {
        var denominator = offered - shortAbandoned;
        return denominator <= 0 ? 0 : (double)abandoned / denominator;
    }

    /// <summary>An average of durations: total / count, in whole ticks (zero when there is nothing to average).</summary>
    public static TimeSpan Average(long totalTicks, long count) => count <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(totalTicks / count);

    /// <summary>Occupancy, 0..1: time on call or in wrap-up / staffed time (available, ringing, on call, wrap-up).</summary>
    public static double Occupancy(long busyTicks, long staffedTicks) => staffedTicks <= 0 ? 0 : (double)busyTicks / staffedTicks;

    /// <summary>A share, 0..1: part / whole (zero when the whole is zero): transfer rate, callbacks reached...</summary>
    public static double Rate(long part, long whole) => whole <= 0 ? 0 : (double)part / whole;
}
