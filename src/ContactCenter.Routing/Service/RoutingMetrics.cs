using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ContactCenter.Contracts;

namespace ContactCenter.Routing.Service;

/// <summary>
/// Routing's figures on the <c>ContactCenter.Routing</c> meter (scraped at /metrics): how long each
/// event takes to apply (decisions included), and the latest queue statistics per queue.
/// </summary>
internal sealed class RoutingMetrics : IDisposable
{
    public const string MeterName = "ContactCenter.Routing";

    private readonly Meter meter;
    private readonly Histogram<double> inputDuration;
    private readonly ConcurrentDictionary<string, QueueStatistics> latest = new(StringComparer.Ordinal);

    public RoutingMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        inputDuration = meter.CreateHistogram<double>(
            "contactcenter.routing.input.duration", "s",
            "Time routing took to apply one event, the matching decision included");
        meter.CreateObservableGauge("contactcenter.queue.calls.waiting", () => PerQueue(s => s.Waiting), description: "Calls waiting now, per queue");
        meter.CreateObservableGauge("contactcenter.queue.calls.offered", () => PerQueue(s => s.Offered), description: "Calls offered since midnight (queue time zone), per queue");
        meter.CreateObservableGauge("contactcenter.queue.calls.answered", () => PerQueue(s => s.Answered), description: "Calls answered since midnight, per queue");
        meter.CreateObservableGauge("contactcenter.queue.calls.abandoned", () => PerQueue(s => s.Abandoned), description: "Calls abandoned since midnight (short abandons excluded), per queue");
        meter.CreateObservableGauge("contactcenter.queue.service_level", () => PerQueue(s => s.ServiceLevel), description: "Service level since midnight, 0..1, per queue");
        meter.CreateObservableGauge("contactcenter.queue.longest_wait", () => PerQueue(s => s.LongestWait.TotalSeconds), unit: "s", description: "Wait of the oldest waiting call, per queue");
        meter.CreateObservableGauge("contactcenter.routing.agents", AgentsByState, description: "Agents by state (all queues)");
    }

    /// <summary>Records how long applying one event took (Stopwatch timestamps).</summary>
    public void InputApplied(long startTimestamp, string input) =>
        inputDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("input", input));

    /// <summary>Keeps the figures just published for the next scrape.</summary>
    public void Published(QueueStatistics statistics) => latest[statistics.Queue] = statistics;

    /// <summary>A partition stopped being active here: its figures are another process's to report now.</summary>
    public void Forget(IEnumerable<string> queues)
    {
        foreach (var queue in queues)
        {
            latest.TryRemove(queue, out _);
        }
    }

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<double>> PerQueue(Func<QueueStatistics, double> value)
    {
        foreach (var (queue, statistics) in latest)
        {
            // "*" (one partition) or "*{partition}" (several): overall rows, not queues.
            if (!queue.StartsWith('*'))
            {
                yield return new Measurement<double>(value(statistics), new KeyValuePair<string, object?>("queue", queue));
            }
        }
    }

    /// <summary>Agents by state over the partitions this process serves (an agent belongs to one partition: the sum counts each once).</summary>
    private IEnumerable<Measurement<int>> AgentsByState()
    {
        var totals = new SortedDictionary<AgentState, int>();
        var any = false;
        foreach (var (queue, statistics) in latest)
        {
            if (!queue.StartsWith('*'))
            {
                continue;
            }
            any = true;
            foreach (var (state, count) in statistics.AgentsByState)
            {
                totals[state] = totals.GetValueOrDefault(state) + count;
            }
        }
        if (!any)
        {
            yield break;
        }
        foreach (var (state, count) in totals)
        {
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("state", state.ToString()));
        }
    }
}
