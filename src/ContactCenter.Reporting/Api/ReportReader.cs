using System.Data.Common;
using System.Globalization;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Reporting.Api;

/// <summary>Which figure a drill-down lists the calls of.</summary>
internal enum Figure
{
    Offered,
    Answered,
    AnsweredWithinTarget,
    Abandoned,
    ShortAbandoned,
    Diverted,
    Overflowed,
    Voicemail,
    Refused,
    ServiceLevelMissed,
    Handled,
    TransfersIn,
    TransfersOut,
    Rung,
    Missed,
    Outbound,
}

/// <summary>
/// Reads reports from the aggregates (never from the record: a 30-day report reads at most 2,880 rows per queue) and lists the
/// calls behind a figure from the folded stays or the record, with the same predicates the aggregates were summed by.
/// </summary>
internal sealed class ReportReader(ReportingDatabase database, ReportQueues queues)
{
    public ReportQueues Queues => queues;

    /// <summary>The queue report: one row per queue and period, the totals per queue and for all queues.</summary>
    public async Task<Report<QueueReportRow>> QueuesAsync(Bound from, Bound to, ReportInterval interval, IReadOnlyCollection<string>? only, CancellationToken ct)
    {
        var zones = new Dictionary<string, (long From, long To, List<Period> Periods)>(StringComparer.Ordinal);
        (long From, long To, List<Period> Periods) ZoneRange(TimeZoneInfo zone)
        {
            if (!zones.TryGetValue(zone.Id, out var r))
            {
                var f = Buckets.Floor(from.Resolve(zone));
                var t = Buckets.Ceiling(to.Resolve(zone));
                zones[zone.Id] = r = (f, t, Periods.Of(f, t, interval, zone));
            }
            return r;
        }
        var names = new List<string>(queues.Queues.Select(q => q.Name).Where(n => only is null || only.Contains(n)));
        long min = long.MaxValue, max = long.MinValue;
        foreach (var q in queues.Queues)
        {
            var r = ZoneRange(q.TimeZone);
            (min, max) = (Math.Min(min, r.From), Math.Max(max, r.To));
        }
        var d = ZoneRange(queues.TimeZone);
        (min, max) = (Math.Min(min, d.From), Math.Max(max, d.To));

        var sums = new Dictionary<string, long[][]>(StringComparer.Ordinal);
        long[][] SumsOf(string queue)
        {
            if (!sums.TryGetValue(queue, out var s))
            {
                var periods = ZoneRange(queues.Get(queue).TimeZone).Periods;
                sums[queue] = s = new long[periods.Count][];
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = new long[Buckets.QueueCounters];
                }
            }
            return s;
        }
        foreach (var n in names)
        {
            SumsOf(n);
        }
        await ReadIntervalsAsync(Subject.Queue, min, max, only, (key, start, counters) =>
        {
            var range = ZoneRange(queues.Get(key).TimeZone);
            if (start < range.From || start >= range.To)
            {
                return;
            }
            var i = Periods.IndexOf(range.Periods, start);
            if (i < 0)
            {
                return;
            }
            var s = SumsOf(key);
            for (var c = 0; c < counters.Length; c++)
            {
                s[i][c] += counters[c];
            }
        }, ct, zones.Count == 1 ? zones.Values.First().Periods : null).ConfigureAwait(false);

        var rows = new List<QueueReportRow>();
        var totals = new List<QueueReportRow>();
        var all = new long[Buckets.QueueCounters];
        foreach (var (queue, periodSums) in sums.OrderBy(s => Order(s.Key)).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            var settings = queues.Get(queue);
            var range = ZoneRange(settings.TimeZone);
            var total = new long[Buckets.QueueCounters];
            for (var i = 0; i < range.Periods.Count; i++)
            {
                var p = range.Periods[i];
                rows.Add(QueueReportRow.From("interval", queue, p.LocalStart, p.LocalEnd, periodSums[i], settings.TargetPercent / 100, settings.Policy.Threshold));
                for (var c = 0; c < total.Length; c++)
                {
                    total[c] += periodSums[i][c];
                }
            }
            totals.Add(QueueReportRow.From("total", queue, Periods.Local(range.From, settings.TimeZone), Periods.Local(range.To, settings.TimeZone), total,
                settings.TargetPercent / 100, settings.Policy.Threshold));
            for (var c = 0; c < all.Length; c++)
            {
                all[c] += total[c];
            }
        }
        totals.Add(QueueReportRow.From("total", "*", Periods.Local(d.From, queues.TimeZone), Periods.Local(d.To, queues.TimeZone), all,
            queues.Defaults.TargetPercent / 100, queues.Defaults.Policy.Threshold));
        return new Report<QueueReportRow>(Periods.Local(d.From, queues.TimeZone), Periods.Local(d.To, queues.TimeZone), Periods.Name(interval),
            queues.TimeZone.Id, rows, totals);
    }

    /// <summary>
    /// The agent report, in the centre's time zone: one row per agent and period it was signed in or handled anything in (every
    /// period for the agents asked for by name), the totals per agent and for everyone.
    /// </summary>
    public async Task<Report<AgentReportRow>> AgentsAsync(Bound from, Bound to, ReportInterval interval, IReadOnlyCollection<string>? only, CancellationToken ct)
    {
        var zone = queues.TimeZone;
        var f = Buckets.Floor(from.Resolve(zone));
        var t = Buckets.Ceiling(to.Resolve(zone));
        var periods = Periods.Of(f, t, interval, zone);
        var sums = new SortedDictionary<string, long[][]>(StringComparer.Ordinal);
        foreach (var agent in only ?? [])
        {
            sums[agent] = NewSums(periods.Count, Buckets.AgentCounters);
        }
        await ReadIntervalsAsync(Subject.Agent, f, t, only, (key, start, counters) =>
        {
            var i = Periods.IndexOf(periods, start);
            if (i < 0)
            {
                return;
            }
            if (!sums.TryGetValue(key, out var s))
            {
                sums[key] = s = NewSums(periods.Count, Buckets.AgentCounters);
            }
            for (var c = 0; c < counters.Length; c++)
            {
                s[i][c] += counters[c];
            }
        }, ct, periods).ConfigureAwait(false);
        var rows = new List<AgentReportRow>();
        var totals = new List<AgentReportRow>();
        var all = new long[Buckets.AgentCounters];
        foreach (var (agent, periodSums) in sums)
        {
            var total = new long[Buckets.AgentCounters];
            for (var i = 0; i < periods.Count; i++)
            {
                // An agent's rows are the periods it was signed in or handled anything (an agent works a third of the day).
                if (Array.TrueForAll(periodSums[i], v => v == 0) && only is null)
                {
                    continue;
                }
                rows.Add(AgentReportRow.From("interval", agent, periods[i].LocalStart, periods[i].LocalEnd, periodSums[i]));
                for (var c = 0; c < total.Length; c++)
                {
                    total[c] += periodSums[i][c];
                }
            }
            totals.Add(AgentReportRow.From("total", agent, Periods.Local(f, zone), Periods.Local(t, zone), total));
            for (var c = 0; c < all.Length; c++)
            {
                all[c] += total[c];
            }
        }
        totals.Add(AgentReportRow.From("total", "*", Periods.Local(f, zone), Periods.Local(t, zone), all));
        return new Report<AgentReportRow>(Periods.Local(f, zone), Periods.Local(t, zone), Periods.Name(interval), zone.Id, rows, totals);
    }

    /// <summary>The calls behind a queue figure in [from, to) (the row's period), for one queue or <c>*</c>.</summary>
    public async Task<IReadOnlyList<ReportCallRow>> QueueCallsAsync(string queue, Bound from, Bound to, Figure figure, int limit, CancellationToken ct)
    {
        var zone = queue == "*" ? queues.TimeZone : queues.Get(queue).TimeZone;
        var f = Buckets.Floor(from.Resolve(zone));
        var t = Buckets.Ceiling(to.Resolve(zone));
        var (column, condition) = figure switch
        {
            Figure.Offered => ("EnteredAt", ""),
            Figure.TransfersIn => ("EnteredAt", $" AND s.\"Entry\" = {(int)SegmentEntry.Transferred}"),
            Figure.Answered => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Answered}"),
            Figure.AnsweredWithinTarget => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Answered} AND {Flag(SegmentFlags.AnsweredWithinTarget)}"),
            Figure.Abandoned => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Abandoned} AND NOT {Flag(SegmentFlags.ShortAbandon)}"),
            Figure.ShortAbandoned => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Abandoned} AND {Flag(SegmentFlags.ShortAbandon)}"),
            Figure.Diverted => ("LeftAt", $" AND s.\"Exit\" >= {(int)QueueExitReason.Overflowed}"),
            Figure.Overflowed => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Overflowed}"),
            Figure.Voicemail => ("LeftAt", $" AND s.\"Exit\" = {(int)QueueExitReason.Voicemail}"),
            Figure.Refused => ("LeftAt", $" AND s.\"Exit\" IN ({(int)QueueExitReason.QueueFull}, {(int)QueueExitReason.NoAgents})"),
            Figure.ServiceLevelMissed => ("LeftAt", $" AND {Flag(SegmentFlags.ServiceLevelCounted)} AND NOT {Flag(SegmentFlags.ServiceLevelMet)}"),
            Figure.Handled => ("HandledAt", ""),
            Figure.TransfersOut => ("TransferredAt", ""),
            _ => throw new ArgumentOutOfRangeException(nameof(figure), figure, "not a queue figure"),
        };
        var sql = new StringBuilder("SELECT s.\"CallId\", s.\"Queue\", s.\"EnteredAt\", s.\"LeftAt\", s.\"Exit\", s.\"Waited\", s.\"Position\", s.\"AgentId\", ")
            .Append("s.\"Flags\", s.\"HandledAt\", s.\"TalkTicks\", s.\"WrapUpTicks\", s.\"TransferredAt\", c.\"Caller\", s.\"Entry\" ")
            .Append("FROM \"ReportSegments\" s LEFT JOIN \"ReportCalls\" c ON c.\"CallId\" = s.\"CallId\" ")
            .Append("WHERE s.").Append(SqlDialect.Q(column)).Append(" >= @p0 AND s.").Append(SqlDialect.Q(column)).Append(" < @p1").Append(condition);
        var values = new List<object?> { f, t };
        if (queue != "*")
        {
            sql.Append(" AND s.\"Queue\" = @p2");
            values.Add(queue);
        }
        sql.Append(" ORDER BY s.").Append(SqlDialect.Q(column)).Append(", s.\"CallId\"");
        var list = new List<ReportCallRow>();
        await ReadAsync(sql.ToString(), values, reader =>
        {
            if (list.Count >= limit)
            {
                return;
            }
            var callId = SqlDialect.ReadId(reader, 0)!.Value;
            var q = reader.GetString(1);
            var z = queues.Get(q).TimeZone;
            var flags = (SegmentFlags)reader.GetInt32(8);
            long? left = reader.IsDBNull(3) ? null : reader.GetInt64(3);
            int? exit = reader.IsDBNull(4) ? null : reader.GetInt32(4);
            long? handled = reader.IsDBNull(9) ? null : reader.GetInt64(9);
            long? transferred = reader.IsDBNull(12) ? null : reader.GetInt64(12);
            var at = column switch
            {
                "EnteredAt" => reader.GetInt64(2),
                "HandledAt" => handled!.Value,
                "TransferredAt" => transferred!.Value,
                _ => left!.Value,
            };
            list.Add(new ReportCallRow(callId, q, reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(13) ? null : reader.GetString(13),
                Periods.Local(at, z), Periods.Local(reader.GetInt64(2), z), left is { } l ? Periods.Local(l, z) : null,
                exit is { } x ? ExitName(x, flags) : "waiting", left is null ? null : Seconds(reader.GetInt64(5)), left is null ? null : reader.GetInt32(6),
                (flags & SegmentFlags.ServiceLevelCounted) == 0 ? "not counted" : (flags & SegmentFlags.ServiceLevelMet) != 0 ? "met" : "missed",
                handled is null ? null : Seconds(reader.GetInt64(10)), handled is null ? null : Seconds(reader.GetInt64(11)),
                (flags & SegmentFlags.TransferredOut) != 0, (flags & SegmentFlags.Callback) != 0,
                ((SegmentEntry)reader.GetInt32(14)) switch
                {
                    SegmentEntry.Transferred => "transferred in",
                    SegmentEntry.Overflowed => "overflowed in",
                    _ => null,
                },
                HistoryLink(callId), DecisionsLink(callId)));
        }, ct).ConfigureAwait(false);
        return list;
    }

    /// <summary>The calls behind an agent figure in [from, to): straight from the record, by the events the figure counts.</summary>
    public async Task<IReadOnlyList<ReportCallRow>> AgentCallsAsync(string agent, Bound from, Bound to, Figure figure, int limit, CancellationToken ct)
    {
        var zone = queues.TimeZone;
        var f = Buckets.Floor(from.Resolve(zone));
        var t = Buckets.Ceiling(to.Resolve(zone));
        var (kind, condition) = figure switch
        {
            Figure.Rung => (RecordKind.AgentReserved, ""),
            Figure.Missed => (RecordKind.AgentNoAnswer, ""),
            Figure.Answered => (RecordKind.CallLeftQueue, $" AND e.\"Code\" = {(int)QueueExitReason.Answered}"),
            Figure.Handled => (RecordKind.CallHandled, " AND e.\"Queue\" IS NOT NULL"),
            Figure.TransfersOut => (RecordKind.CallTransferred, ""),
            Figure.Outbound => (RecordKind.CallConnected, $" AND e.\"Code\" = {(int)CallDirection.Outbound}"),
            _ => throw new ArgumentOutOfRangeException(nameof(figure), figure, "not an agent figure"),
        };
        var sql = "SELECT e.\"CallId\", e.\"Queue\", e.\"At\", e.\"Ticks\", e.\"Ticks2\", e.\"Text\", c.\"Caller\", e.\"Number\", e.\"Other\" FROM \"ReportEvents\" e "
            + "LEFT JOIN \"ReportCalls\" c ON c.\"CallId\" = e.\"CallId\" "
            + $"WHERE e.\"AgentId\" = @p0 AND e.\"At\" >= @p1 AND e.\"At\" < @p2 AND e.\"Kind\" = {(int)kind}{condition} ORDER BY e.\"At\"";
        var list = new List<ReportCallRow>();
        await ReadAsync(sql, [agent, f, t], reader =>
        {
            if (list.Count >= limit || reader.IsDBNull(0))
            {
                return;
            }
            var callId = SqlDialect.ReadId(reader, 0)!.Value;
            var at = Periods.Local(reader.GetInt64(2), zone);
            var ticks = reader.GetInt64(3);
            var ticks2 = reader.GetInt64(4);
            list.Add(new ReportCallRow(callId, reader.IsDBNull(1) ? null : reader.GetString(1), agent, reader.IsDBNull(6) ? null : reader.GetString(6), at,
                null, kind == RecordKind.CallLeftQueue ? at : null, kind == RecordKind.CallLeftQueue ? "answered" : null,
                kind is RecordKind.CallLeftQueue or RecordKind.AgentReserved ? Seconds(ticks) : null,
                kind == RecordKind.CallLeftQueue ? reader.GetInt32(7) : null, null,
                kind == RecordKind.CallHandled ? Seconds(ticks) : null, kind == RecordKind.CallHandled ? Seconds(ticks2) : null,
                kind == RecordKind.CallTransferred, false,
                kind switch
                {
                    RecordKind.AgentNoAnswer or RecordKind.AgentReserved => reader.IsDBNull(5) ? null : reader.GetString(5),
                    RecordKind.CallTransferred => "to " + (reader.IsDBNull(8) ? reader.GetString(1) : reader.GetString(8)),
                    _ => null,
                },
                HistoryLink(callId), DecisionsLink(callId)));
        }, ct).ConfigureAwait(false);
        return list;
    }

    /// <summary>Agents' state intervals overlapping [from, to), for the state timeline.</summary>
    public async Task<IReadOnlyList<AgentStateRow>> AgentStatesAsync(Bound from, Bound to, IReadOnlyCollection<string>? only, int limit, CancellationToken ct)
    {
        var zone = queues.TimeZone;
        var f = from.Resolve(zone);
        var t = to.Resolve(zone);
        var sql = "SELECT \"AgentId\", \"StartAt\", \"EndAt\", \"State\", \"Reason\", \"CallId\" FROM \"ReportAgentStates\" "
            + "WHERE \"StartAt\" < @p1 AND (\"EndAt\" IS NULL OR \"EndAt\" > @p0) ORDER BY \"AgentId\", \"StartAt\"";
        long asOf = 0;
        await ReadAsync("SELECT \"AsOf\" FROM \"ReportState\" WHERE \"Id\" = 1", [], r => asOf = r.GetInt64(0), ct).ConfigureAwait(false);
        var list = new List<AgentStateRow>();
        await ReadAsync(sql, [f, t], reader =>
        {
            var agent = reader.GetString(0);
            if (list.Count >= limit || (only is not null && !only.Contains(agent)))
            {
                return;
            }
            var start = reader.GetInt64(1);
            long? end = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            var until = Math.Min(t, end ?? Math.Max(start, asOf));
            var state = (AgentState)reader.GetInt32(3);
            list.Add(new AgentStateRow(agent, JsonName(state.ToString()), reader.IsDBNull(4) ? null : reader.GetString(4), Periods.Local(start, zone),
                end is { } e ? Periods.Local(e, zone) : null, Seconds(Math.Max(0, until - Math.Max(start, f))), SqlDialect.ReadId(reader, 5)));
        }, ct).ConfigureAwait(false);
        return list;
    }

    /// <summary>A call's history from the record, or null when the record holds nothing of it.</summary>
    public async Task<CallHistory?> CallAsync(Guid callId, CancellationToken ct)
    {
        var zone = queues.TimeZone;
        var events = new List<ReportEvent>();
        await ReadAsync($"SELECT {ReportStore.EventSelect} FROM \"ReportEvents\" WHERE \"CallId\" = @p0", [database.Dialect.Id(callId)],
            r => events.Add(ReportStore.ReadEvent(r)), ct).ConfigureAwait(false);
        if (events.Count == 0)
        {
            return null;
        }
        events.Sort(CallFold.Compare);
        var fold = CallFold.Fold(callId, events, queues);
        var stays = fold.Segments.Select(s =>
        {
            var z = queues.Get(s.Queue).TimeZone;
            var flags = (SegmentFlags)s.Flags;
            return new ReportCallRow(callId, s.Queue, s.AgentId, fold.Call.Caller, Periods.Local(s.EnteredAt, z), Periods.Local(s.EnteredAt, z),
                s.LeftAt is { } l ? Periods.Local(l, z) : null, s.Exit is { } x ? ExitName(x, flags) : "waiting", s.LeftAt is null ? null : Seconds(s.Waited),
                s.LeftAt is null ? null : s.Position,
                (flags & SegmentFlags.ServiceLevelCounted) == 0 ? "not counted" : (flags & SegmentFlags.ServiceLevelMet) != 0 ? "met" : "missed",
                s.HandledAt is null ? null : Seconds(s.TalkTicks), s.HandledAt is null ? null : Seconds(s.WrapUpTicks),
                (flags & SegmentFlags.TransferredOut) != 0, (flags & SegmentFlags.Callback) != 0, null, HistoryLink(callId), DecisionsLink(callId));
        }).ToList();
        var history = events.Select(e => new CallHistoryEvent(Periods.Local(e.At, zone), JsonName(e.Kind.ToString()), e.Queue, e.AgentId, Describe(e))).ToList();
        return new CallHistory(callId, fold.Call.Caller, fold.Call.Did, JsonName(((CallDirection)fold.Call.Direction).ToString()),
            fold.Call.Outcome is { } o ? JsonName(((CallOutcome)o).ToString()) : null, stays, history, DecisionsLink(callId));
    }

    /// <summary>Sums of a queue's counters over [from, to) (staffing's history); one array of <see cref="QueueCounter"/>.</summary>
    public async Task<long[]> QueueSumAsync(string queue, long from, long to, CancellationToken ct)
    {
        var sum = new long[Buckets.QueueCounters];
        await ReadIntervalsAsync(Subject.Queue, from, to, [queue], (_, _, c) =>
        {
            for (var i = 0; i < c.Length; i++)
            {
                sum[i] += c[i];
            }
        }, ct).ConfigureAwait(false);
        return sum;
    }

    /// <summary>All agents' staffed time (available, ringing, on call, wrap-up) over [from, to), in ticks.</summary>
    public async Task<long> StaffedTicksAsync(long from, long to, CancellationToken ct)
    {
        long staffed = 0;
        await ReadIntervalsAsync(Subject.Agent, from, to, null, (_, _, c) =>
            staffed += c[(int)AgentCounter.AvailableTicks] + c[(int)AgentCounter.ReservedTicks] + c[(int)AgentCounter.OnCallTicks]
                + c[(int)AgentCounter.WrapUpStateTicks], ct).ConfigureAwait(false);
        return staffed;
    }

    // ------------------------------------------------------------------ helpers

    private static string Flag(SegmentFlags flag) => $"(s.\"Flags\" & {(int)flag}) <> 0";

    private static long[][] NewSums(int periods, int counters)
    {
        var s = new long[periods][];
        for (var i = 0; i < periods; i++)
        {
            s[i] = new long[counters];
        }
        return s;
    }

    private int Order(string queue)
    {
        for (var i = 0; i < queues.Queues.Count; i++)
        {
            if (queues.Queues[i].Name == queue)
            {
                return i;
            }
        }
        return int.MaxValue;
    }

    /// <summary>
    /// Reads a subject's 15-minute rows in [from, to). When the periods all have one length (<paramref name="periods"/> of equal
    /// steps: always for 15 minutes and hours; days and weeks without a clock change), the database sums them per period
    /// (GROUP BY on the period's index) and each call of <paramref name="row"/> is a whole period's sums at its start.
    /// </summary>
    private async Task ReadIntervalsAsync(Subject subject, long from, long to, IReadOnlyCollection<string>? only, Action<string, long, long[]> row, CancellationToken ct,
        List<Period>? periods = null)
    {
        // Periods of whole UTC hours (every zone whose offset is whole hours, for hours, days and weeks) read the hour table:
        // a quarter of the rows.
        const long hour = TimeSpan.TicksPerHour;
        if (periods is { Count: > 0 } && from == periods[0].Start && to == periods[^1].End
            && periods.TrueForAll(p => p.Start % hour == 0 && p.End % hour == 0))
        {
            subject = Buckets.HourOf(subject);
        }
        var (table, keyColumn, counters) = SqlDialect.Table(subject);
        var step = periods is { Count: > 0 } ? periods[0].End - periods[0].Start : 0;
        var rowSize = subject is Subject.QueueHour or Subject.AgentHour ? hour : Buckets.Size;
        var grouped = step > rowSize && periods!.TrueForAll(p => p.End - p.Start == step || p == periods[^1])
            && periods[^1].End - periods[^1].Start <= step && from == periods[0].Start;
        var sql = grouped
            ? new StringBuilder("SELECT ").Append(SqlDialect.Q(keyColumn)).Append(", ((\"Start\" - @p0) / ").Append(step).Append(") * ").Append(step)
                .Append(" + @p0 AS \"Period\", ").Append(string.Join(", ", counters.Select(c => $"SUM({SqlDialect.Q(c)})"))).Append(" FROM ").Append(SqlDialect.Q(table))
                .Append(" WHERE \"Start\" >= @p0 AND \"Start\" < @p1")
            : new StringBuilder("SELECT ").Append(SqlDialect.Q(keyColumn)).Append(", \"Start\", ")
                .Append(string.Join(", ", counters.Select(SqlDialect.Q))).Append(" FROM ").Append(SqlDialect.Q(table))
                .Append(" WHERE \"Start\" >= @p0 AND \"Start\" < @p1");
        var values = new List<object?> { from, to };
        if (only is { Count: > 0 and <= 100 })
        {
            sql.Append(" AND ").Append(SqlDialect.Q(keyColumn)).Append(" IN (")
                .Append(string.Join(", ", only.Select((_, i) => "@p" + (i + 2).ToString(CultureInfo.InvariantCulture)))).Append(')');
            values.AddRange(only);
        }
        if (grouped)
        {
            sql.Append(" GROUP BY ").Append(SqlDialect.Q(keyColumn)).Append(", ((\"Start\" - @p0) / ").Append(step).Append(')');
        }
        var buffer = new long[counters.Length];
        await ReadAsync(sql.ToString(), values, reader =>
        {
            var key = reader.GetString(0);
            if (only is not null && !only.Contains(key))
            {
                return;
            }
            for (var c = 0; c < buffer.Length; c++)
            {
                buffer[c] = Convert.ToInt64(reader.GetValue(c + 2), CultureInfo.InvariantCulture);
            }
            row(key, Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), buffer);
        }, ct).ConfigureAwait(false);
    }

    private async Task ReadAsync(string sql, IReadOnlyList<object?> values, Action<DbDataReader> row, CancellationToken ct)
    {
        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < values.Count; i++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            p.Value = values[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            row(reader);
        }
    }

    private static string ExitName(int exit, SegmentFlags flags) => (QueueExitReason)exit switch
    {
        QueueExitReason.Answered => "answered",
        QueueExitReason.Abandoned => (flags & SegmentFlags.ShortAbandon) != 0 ? "short abandon" : "abandoned",
        QueueExitReason.Overflowed => "overflowed",
        QueueExitReason.Voicemail => "voicemail",
        QueueExitReason.QueueFull => "queue full",
        QueueExitReason.NoAgents => "no agents",
        QueueExitReason.Ended => "ended",
        _ => "unknown",
    };

    private static string Describe(ReportEvent e) => e.Kind switch
    {
        RecordKind.CallReceived => $"from {e.Other} to {e.Text}",
        RecordKind.CallerIdentified => e.RelatedId is { } c ? $"customer {c}" : "unknown caller",
        RecordKind.CallQueued => $"queued in {e.Queue}" + (e.Flags == 1 ? $" as a callback (attempt {e.Number})" : "") + (e.Text is { Length: > 0 } p ? $" via {p}" : ""),
        RecordKind.AgentReserved => $"{e.AgentId} reserved after {Seconds(e.Ticks):0.#} s: {e.Text}",
        RecordKind.AgentNoAnswer => $"{e.AgentId} did not answer: {e.Text}",
        RecordKind.CallConnected => $"{e.AgentId} answered ({JsonName(((CallDirection)e.Code).ToString())})",
        RecordKind.CallLeftQueue => $"left {e.Queue}: {JsonName(((QueueExitReason)e.Code).ToString())} after {Seconds(e.Ticks):0.#} s"
            + (e.Number > 0 ? $" at position {e.Number}" : "") + (e.Other is { Length: > 0 } to ? $" to {to}" : ""),
        RecordKind.CallTransferred => $"{e.AgentId} transferred it to {e.Other ?? e.Queue}",
        RecordKind.CallEnded => $"ended ({JsonName(((CallOutcome)e.Code).ToString())}, by {JsonName(((CallParty)e.Code2).ToString())}): {e.Text}"
            + (e.Ticks2 > 0 ? $"; next attempt at {new DateTimeOffset(e.Ticks2, TimeSpan.Zero):u}" : ""),
        RecordKind.CallHandled => $"{e.AgentId} handled it: talk {Seconds(e.Ticks):0.#} s, wrap-up {Seconds(e.Ticks2):0.#} s",
        RecordKind.VoicemailRecorded => e.Flags == 1 ? $"voicemail left ({Seconds(e.Ticks):0.#} s)" : $"voicemail discarded: {e.Text}",
        RecordKind.AgentStateChanged => $"{e.AgentId}: {JsonName(((AgentState)e.Code).ToString())}" + (e.Text is { Length: > 0 } r ? $" ({r})" : ""),
        _ => e.Kind.ToString(),
    };

    internal static string HistoryLink(Guid callId) => $"/api/reports/calls/{callId}";

    internal static string DecisionsLink(Guid callId) => $"/api/routing/decisions?callId={callId}";

    private static double Seconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;

    private static string JsonName(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
