namespace ContactCenter.Reporting.Staffing;

/// <summary>
/// Erlang C: the classic M/M/N queue. Callers arrive at random (Poisson) at a steady rate, handle times are exponential, and
/// every caller waits for as long as it takes. That last assumption is the caveat: real callers abandon, which shortens the
/// queue for those who stay, so Erlang C overstates the agents needed when abandonment is material (Erlang A models it). It is
/// the standard first estimate, and what Amazon Connect's and most WFM tools' basic staffing figures use.
/// </summary>
internal static class ErlangC
{
    /// <summary>The chance a call has to wait at all, with <paramref name="agents"/> agents and <paramref name="erlangs"/> of traffic.</summary>
    public static double WaitProbability(int agents, double erlangs)
    {
        if (erlangs <= 0)
        {
            return 0;
        }
        if (agents <= erlangs)
        {
            return 1;
        }
        // Erlang B by its recursion (stable for hundreds of agents), then C from B.
        var b = 1.0;
        for (var n = 1; n <= agents; n++)
        {
            b = erlangs * b / (n + (erlangs * b));
        }
        return agents * b / (agents - (erlangs * (1 - b)));
    }

    /// <summary>The share of calls answered within <paramref name="threshold"/>.</summary>
    public static double ServiceLevel(int agents, double erlangs, TimeSpan handleTime, TimeSpan threshold)
    {
        if (erlangs <= 0)
        {
            return 1;
        }
        if (agents <= erlangs)
        {
            return 0;
        }
        var pw = WaitProbability(agents, erlangs);
        return 1 - (pw * Math.Exp(-(agents - erlangs) * threshold.TotalSeconds / handleTime.TotalSeconds));
    }

    /// <summary>The average wait of all calls (answered ones included).</summary>
    public static TimeSpan AverageSpeedOfAnswer(int agents, double erlangs, TimeSpan handleTime) =>
        erlangs <= 0 ? TimeSpan.Zero
        : agents <= erlangs ? TimeSpan.MaxValue
        : TimeSpan.FromSeconds(WaitProbability(agents, erlangs) * handleTime.TotalSeconds / (agents - erlangs));

    /// <summary>
    /// The fewest agents that answer <paramref name="target"/> (0..1) of calls within <paramref name="threshold"/>, for
    /// <paramref name="calls"/> calls in <paramref name="period"/> with an average handle time of <paramref name="handleTime"/>.
    /// </summary>
    public static int AgentsNeeded(double calls, TimeSpan period, TimeSpan handleTime, double target, TimeSpan threshold)
    {
        if (calls <= 0 || handleTime <= TimeSpan.Zero)
        {
            return 0;
        }
        var erlangs = calls * handleTime.TotalSeconds / period.TotalSeconds;
        var agents = Math.Max(1, (int)Math.Floor(erlangs) + 1);
        while (ServiceLevel(agents, erlangs, handleTime, threshold) < target && agents < 100000)
        {
            agents++;
        }
        return agents;
    }
}
