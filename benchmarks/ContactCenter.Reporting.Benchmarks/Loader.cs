using System.Data.Common;
using System.Diagnostics;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.Data.Sqlite;

namespace ContactCenter.Reporting.Benchmarks;

/// <summary>
/// Bulk-loads generated days into an empty, migrated reports database: the record's rows as the consumer writes them, and
/// every folded row and aggregate made by the reports' own folds (<see cref="CallFold"/>, <see cref="AgentFold"/>) — what
/// <c>reports-rebuild</c> would write — without a transaction per message batch (that path is measured apart, as ingest).
/// Secondary indexes are dropped for the load and built again at the end.
/// </summary>
internal static class Loader
{
    public static async Task<long> LoadAsync(string connectionString, SqlDialect dialect, ReportQueues queues, Options options, DateTimeOffset start, DateTimeOffset end)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await Exec(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-800000; PRAGMA temp_store=MEMORY;");
        var indexes = new List<(string Name, string Sql)>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name LIKE 'Report%'";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                indexes.Add((r.GetString(0), r.GetString(1)));
            }
        }
        foreach (var (name, _) in indexes)
        {
            await Exec(connection, $"DROP INDEX \"{name}\"");
        }

        var generator = new CentreGenerator(options.Agents, options.Queues, options.CallsPerDay, seed: 16);
        var aggregates = new Dictionary<(Subject Subject, string Key, long Start), long[]>();
        var carry = new Dictionary<string, ReportAgentState>(StringComparer.Ordinal);
        long calls = 0;
        var sw = Stopwatch.StartNew();
        var insertEvent = Insert(connection, "ReportEvents", SqlDialect.EventColumns);
        var insertCall = Insert(connection, "ReportCalls", ["CallId", "Caller", "Did", "CustomerId", "Direction", "FirstAt", "LastAt", "Queue", "AgentId",
            "Outcome", "EndedBy", "EndedAt", "Attempt", "CallbackOf", "RetryAt", "IvrPath", "Contributions"]);
        var insertSegment = Insert(connection, "ReportSegments", ["CallId", "No", "Queue", "EnteredAt", "Entry", "LeftAt", "Exit", "Waited", "Position",
            "AgentId", "Flags", "HandledAt", "TalkTicks", "WrapUpTicks", "TransferredAt"]);
        var insertState = Insert(connection, "ReportAgentStates", ["AgentId", "StartAt", "EndAt", "State", "Reason", "CallId"]);
        var (_, _, queueColumns) = SqlDialect.Table(Subject.Queue);
        var (_, _, agentColumns) = SqlDialect.Table(Subject.Agent);
        var insertQueue = Insert(connection, "ReportQueueIntervals", ["Queue", "Start", .. queueColumns]);
        var insertAgent = Insert(connection, "ReportAgentIntervals", ["AgentId", "Start", .. agentColumns]);
        var insertQueueHour = Insert(connection, "ReportQueueHours", ["Queue", "Start", .. queueColumns]);
        var insertAgentHour = Insert(connection, "ReportAgentHours", ["AgentId", "Start", .. agentColumns]);
        var inserts = new Dictionary<Subject, SqliteCommand>
        {
            [Subject.Queue] = insertQueue, [Subject.Agent] = insertAgent, [Subject.QueueHour] = insertQueueHour, [Subject.AgentHour] = insertAgentHour,
        };

        void Add(IEnumerable<Contribution> contributions)
        {
            foreach (var c in contributions)
            {
                foreach (var (subject, start) in new[] { (c.Subject, c.Start), (Buckets.HourOf(c.Subject), Buckets.FloorHour(c.Start)) })
                {
                    if (!aggregates.TryGetValue((subject, c.Key, start), out var counts))
                    {
                        aggregates[(subject, c.Key, start)] = counts = new long[Buckets.CountersOf(subject)];
                    }
                    counts[c.Counter] += c.Value;
                }
            }
        }
        void Flush(long before)
        {
            foreach (var key in aggregates.Keys.Where(k => k.Start < before).OrderBy(k => k.Subject).ThenBy(k => k.Key, StringComparer.Ordinal).ThenBy(k => k.Start).ToList())
            {
                var counts = aggregates[key];
                aggregates.Remove(key);
                if (Array.TrueForAll(counts, v => v == 0))
                {
                    continue;
                }
                Run(inserts[key.Subject], [key.Key, key.Start, .. counts.Cast<object?>()]);
            }
        }
        void State(ReportAgentState s) => Run(insertState, [s.AgentId, s.StartAt, s.EndAt, s.State, s.Reason, dialect.Id(s.CallId)]);

        for (var day = start; day < end; day = day.AddDays(1))
        {
            var (dayCalls, states) = generator.Day(day);
            await using var tx = await connection.BeginTransactionAsync();
            foreach (var cmd in new[] { insertEvent, insertCall, insertSegment, insertState, insertQueue, insertAgent, insertQueueHour, insertAgentHour })
            {
                cmd.Transaction = (SqliteTransaction)tx;
            }
            foreach (var events in dayCalls)
            {
                var id = events[0].CallId!.Value;
                var fold = CallFold.Fold(id, events, queues);
                var c = fold.Call;
                c.Contributions = ContributionCodec.Encode(fold.Contributions);
                foreach (var e in events)
                {
                    Run(insertEvent, Row(e, dialect));
                }
                Run(insertCall, [dialect.Id(c.CallId), c.Caller, c.Did, dialect.Id(c.CustomerId), c.Direction, c.FirstAt, c.LastAt, c.Queue, c.AgentId,
                    c.Outcome, c.EndedBy, c.EndedAt, c.Attempt, dialect.Id(c.CallbackOf), c.RetryAt, c.IvrPath, c.Contributions]);
                foreach (var s in fold.Segments)
                {
                    Run(insertSegment, [dialect.Id(s.CallId), s.No, s.Queue, s.EnteredAt, s.Entry, s.LeftAt, s.Exit, s.Waited, s.Position, s.AgentId, s.Flags,
                        s.HandledAt, s.TalkTicks, s.WrapUpTicks, s.TransferredAt]);
                }
                Add(fold.Contributions);
                calls++;
            }
            var contributions = new List<Contribution>();
            foreach (var group in states.GroupBy(s => s.AgentId!))
            {
                foreach (var e in group)
                {
                    Run(insertEvent, Row(e, dialect));
                }
                var rows = AgentFold.Intervals(group.Key, [.. group], carry.TryGetValue(group.Key, out var previous) ? previous.State : null);
                if (carry.Remove(group.Key, out var open))
                {
                    open.EndAt = rows[0].StartAt;
                    AgentFold.Contribute(open, 0, contributions);
                    State(open);
                }
                for (var i = 0; i < rows.Count - 1; i++)
                {
                    AgentFold.Contribute(rows[i], 0, contributions);
                    State(rows[i]);
                }
                carry[group.Key] = rows[^1];
            }
            Add(contributions);
            Flush(day.AddDays(-1).UtcTicks);
            await tx.CommitAsync();
            if (day.Day == 1)
            {
                Console.Error.WriteLine($"  {day:yyyy-MM-dd}: {calls:N0} calls so far, {sw.Elapsed.TotalMinutes:0.0} min");
            }
        }
        await using (var tx = await connection.BeginTransactionAsync())
        {
            insertState.Transaction = insertQueue.Transaction = insertAgent.Transaction = (SqliteTransaction)tx;
            insertQueueHour.Transaction = insertAgentHour.Transaction = (SqliteTransaction)tx;
            var contributions = new List<Contribution>();
            foreach (var open in carry.Values)
            {
                AgentFold.Contribute(open, end.UtcTicks, contributions);
                State(open);
            }
            Add(contributions);
            Flush(long.MaxValue);
            await using (var asOf = connection.CreateCommand())
            {
                asOf.Transaction = (SqliteTransaction)tx;
                asOf.CommandText = $"UPDATE \"ReportState\" SET \"AsOf\" = {end.UtcTicks} WHERE \"Id\" = 1";
                await asOf.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        Console.Error.WriteLine($"  loaded in {sw.Elapsed.TotalMinutes:0.0} min; building {indexes.Count} indexes");
        foreach (var (_, sql) in indexes)
        {
            await Exec(connection, sql);
        }
        await Exec(connection, "ANALYZE; PRAGMA journal_mode=WAL;");
        Console.Error.WriteLine($"  indexed in {sw.Elapsed.TotalMinutes:0.0} min");
        return calls;
    }

    private static object?[] Row(ReportEvent e, SqlDialect dialect) =>
        [e.Key, (int)e.Kind, e.At, dialect.Id(e.CallId), e.AgentId, e.Queue, e.Code, e.Code2, e.Flags, e.Number, e.Ticks, e.Ticks2, dialect.Id(e.RelatedId),
            e.Other, e.Text];

    private static SqliteCommand Insert(SqliteConnection connection, string table, string[] columns)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
        for (var i = 0; i < columns.Length; i++)
        {
            cmd.Parameters.Add(new SqliteParameter($"@p{i}", null));
        }
        return cmd;
    }

    private static void Run(SqliteCommand cmd, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        cmd.ExecuteNonQuery();
    }

    private static async Task Exec(DbConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 3600;
        await cmd.ExecuteNonQueryAsync();
    }
}
