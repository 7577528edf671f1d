using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Configuration;

namespace ContactCenter.Reporting.Staffing;

/// <summary>Builds a <see cref="StaffingReport"/> from the aggregates: the same weekday of the <c>weeks</c> weeks before the chosen day.</summary>
internal static class StaffingPlanner
{
    public const string Caveat = "Erlang C assumes callers wait as long as it takes: none abandon. Where callers do give up, the queue is shorter for "
        + "those who stay, so these figures overstate the agents needed (Erlang A models abandonment). The forecast is the plain average of the same "
        + "weekday in the weeks before; agents staffed are all agents together, whatever queues they served.";

    public static async Task<StaffingReport> PlanAsync(ReportReader reader, ReportQueue queue, DateOnly day, ReportInterval interval, int weeks,
        DateTimeOffset now, CancellationToken ct)
    {
        var zone = queue.TimeZone;
        var dayStart = Periods.LocalToUtc(day.ToDateTime(TimeOnly.MinValue), zone);
        var dayEnd = Periods.LocalToUtc(day.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        var periods = Periods.Of(dayStart, dayEnd, interval, zone);
        var rows = new List<StaffingRow>(periods.Count);
        foreach (var p in periods)
        {
            // The same local clock times on the same weekday of each earlier week.
            double calls = 0;
            long handled = 0, handleTicks = 0;
            for (var w = 1; w <= weeks; w++)
            {
                var from = Periods.LocalToUtc(p.LocalStart.DateTime.AddDays(-7 * w), zone);
                var to = Periods.LocalToUtc(p.LocalEnd.DateTime.AddDays(-7 * w), zone);
                var sum = await reader.QueueSumAsync(queue.Name, from, Math.Max(from, to), ct).ConfigureAwait(false);
                calls += sum[(int)QueueCounter.Offered];
                handled += sum[(int)QueueCounter.Handled];
                handleTicks += sum[(int)QueueCounter.HandleTicks];
            }
            calls /= weeks;
            var length = TimeSpan.FromTicks(p.End - p.Start);
            var aht = Contracts.QueueFigures.Average(handleTicks, handled);
            var erlangs = aht > TimeSpan.Zero ? calls * aht.TotalSeconds / length.TotalSeconds : 0;
            var needed = ErlangC.AgentsNeeded(calls, length, aht, queue.TargetPercent / 100, queue.Policy.Threshold);
            var expected = needed == 0 ? 1 : ErlangC.ServiceLevel(needed, erlangs, aht, queue.Policy.Threshold);
            long? actualCalls = null;
            double? staffed = null;
            if (p.Start < now.UtcTicks)
            {
                actualCalls = (await reader.QueueSumAsync(queue.Name, p.Start, p.End, ct).ConfigureAwait(false))[(int)QueueCounter.Offered];
                staffed = await reader.StaffedTicksAsync(p.Start, p.End, ct).ConfigureAwait(false) / (double)length.Ticks;
            }
            rows.Add(new StaffingRow(p.LocalStart, p.LocalEnd, calls, aht.TotalSeconds, erlangs, needed, expected, actualCalls, staffed));
        }
        return new StaffingReport(queue.Name, day, zone.Id, weeks, queue.TargetPercent / 100, queue.Policy.Threshold.TotalSeconds, Caveat, rows);
    }
}
