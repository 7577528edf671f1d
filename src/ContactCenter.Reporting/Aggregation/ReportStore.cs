using System.Data;
using System.Data.Common;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Reporting.Aggregation;

/// <summary>
/// Every write to the reports' tables. Each one is a transaction that first takes the lock of the single state row, so
/// recording, the agent-time tick and a rebuild never interleave, in this process or any other on the same database:
/// <list type="number">
/// <item><see cref="RecordAsync"/> adds a batch of events to the record (a key already there is skipped: a redelivered message
/// changes nothing), re-folds the calls and agents they touch and moves the aggregates by the difference between what those
/// calls and agents contributed before and what they contribute now. The aggregates are therefore current when a message is
/// acknowledged.</item>
/// <item><see cref="AdvanceAgentTimeAsync"/> counts the time of agents in their current states up to now.</item>
/// <item><see cref="RebuildAsync"/> recomputes every folded row and aggregate from the record alone.</item>
/// </list>
/// Since every fold is a function of the recorded events (and, for current agent states, of the stored <c>AsOf</c>), the
/// aggregates built live equal a rebuild's, row for row.
/// </summary>
internal sealed class ReportStore(ReportingDatabase database, ReportQueues queues, ILogger<ReportStore> log)
{
    private const int AgentStateKind = (int)RecordKind.AgentStateChanged;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Where recording's time goes (the benchmark prints it): inserting events, re-folding calls, agents, moving aggregates, committing.</summary>
    internal RecordTimings Timings { get; } = new();

    public ReportingDatabase Database => database;

    public ReportQueues Queues => queues;

    /// <summary>Records events and brings the aggregates up to date with them; returns how many were new.</summary>
    public async Task<int> RecordAsync(IReadOnlyList<ReportEvent> events, CancellationToken ct)
    {
        var distinct = new Dictionary<string, ReportEvent>(events.Count, StringComparer.Ordinal);
        foreach (var e in events)
        {
            distinct.TryAdd(Convert.ToHexString(e.Key), e);
        }
        return await WriteAsync(async (w, asOf) =>
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var inserted = await InsertEventsAsync(w, [.. distinct.Values], ct).ConfigureAwait(false);
            Timings.Insert += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            if (inserted.Count == 0)
            {
                return 0;
            }
            var calls = new HashSet<Guid>();
            var agents = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in inserted)
            {
                if (e.Kind == RecordKind.AgentStateChanged)
                {
                    if (e.AgentId is { } agent)
                    {
                        agents[agent] = agents.TryGetValue(agent, out var t) ? Math.Min(t, e.At) : e.At;
                    }
                }
                else if (e.CallId is { } call)
                {
                    calls.Add(call);
                }
            }
            var deltas = new Deltas();
            t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            await RefoldCallsAsync(w, calls, deltas, ct).ConfigureAwait(false);
            Timings.Calls += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var (agent, from) in agents)
            {
                await RefoldAgentAsync(w, agent, from, asOf, deltas, ct).ConfigureAwait(false);
            }
            Timings.Agents += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            await ApplyAsync(w, deltas, ct).ConfigureAwait(false);
            Timings.Aggregates += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            return inserted.Count;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// SQLite: copies the write-ahead log back into the database file without waiting for readers or the writer (a passive
    /// checkpoint, on its own connection), so the writer's commits never do it. Nothing to do on the server providers.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken ct)
    {
        if (!database.IsSqlite)
        {
            return;
        }
        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Counts agents' current states up to <paramref name="now"/> (never backwards).</summary>
    public Task AdvanceAgentTimeAsync(DateTimeOffset now, CancellationToken ct) => WriteAsync(async (w, asOf) =>
    {
        var to = now.UtcTicks;
        if (to <= asOf)
        {
            return 0;
        }
        var deltas = new Deltas();
        var contributions = new List<Contribution>();
        await using (var cmd = w.Command("SELECT \"AgentId\", \"StartAt\", \"State\" FROM \"ReportAgentStates\" WHERE \"EndAt\" IS NULL"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var start = reader.GetInt64(1);
                AgentFold.Split(reader.GetString(0), (AgentState)reader.GetInt32(2), Math.Max(start, asOf), Math.Max(start, to), contributions);
            }
        }
        deltas.Add(contributions, 1);
        await ApplyAsync(w, deltas, ct).ConfigureAwait(false);
        await using (var cmd = w.Command("UPDATE \"ReportState\" SET \"AsOf\" = @p0 WHERE \"Id\" = 1", to))
        {
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        return 0;
    }, ct);

    /// <summary>
    /// Recomputes the folded calls and agent states and every aggregate from the event record alone (agents' current states
    /// counted up to the stored <c>AsOf</c>, as the live aggregates are). Returns the number of events read.
    /// </summary>
    public Task<int> RebuildAsync(CancellationToken ct) => WriteAsync(async (w, asOf) =>
    {
        foreach (var table in new[] { "ReportQueueIntervals", "ReportAgentIntervals", "ReportQueueHours", "ReportAgentHours", "ReportSegments", "ReportCalls", "ReportAgentStates" })
        {
            await using var delete = w.Command($"DELETE FROM {SqlDialect.Q(table)}");
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var read = 0;
        // Calls, a chunk of calls at a time (events in call order), their contributions summed and written per chunk.
        var deltas = new Deltas();
        var chunk = new List<ReportEvent>();
        var callRows = new List<CallFoldResult>();
        Guid? current = null;
        async Task FlushCallsAsync()
        {
            await WriteCallsAsync(w, callRows, ct).ConfigureAwait(false);
            callRows.Clear();
            await ApplyAsync(w, deltas, ct).ConfigureAwait(false);
            deltas = new Deltas();
        }
        await using (var cmd = w.Command($"SELECT {EventSelect} FROM \"ReportEvents\" WHERE \"CallId\" IS NOT NULL AND \"Kind\" <> {AgentStateKind} ORDER BY \"CallId\""))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var e = ReadEvent(reader);
                read++;
                if (current is { } id && e.CallId != id)
                {
                    FoldInto(id, chunk, callRows, deltas);
                    chunk.Clear();
                    if (callRows.Count >= 2000)
                    {
                        await FlushCallsAsync().ConfigureAwait(false);
                    }
                }
                current = e.CallId;
                chunk.Add(e);
            }
        }
        if (current is { } last)
        {
            FoldInto(last, chunk, callRows, deltas);
        }
        await FlushCallsAsync().ConfigureAwait(false);

        // Agents, one at a time, from their first state change.
        var states = new List<ReportAgentState>();
        var contributions = new List<Contribution>();
        var agentEvents = new List<ReportEvent>();
        string? agent = null;
        async Task FlushAgentAsync()
        {
            var rows = AgentFold.Intervals(agent!, agentEvents);
            foreach (var row in rows)
            {
                AgentFold.Contribute(row, asOf, contributions);
            }
            states.AddRange(rows);
            agentEvents.Clear();
            if (states.Count >= 5000)
            {
                await InsertAgentStatesAsync(w, states, ct).ConfigureAwait(false);
                states.Clear();
                deltas.Add(contributions, 1);
                contributions.Clear();
                await ApplyAsync(w, deltas, ct).ConfigureAwait(false);
                deltas = new Deltas();
            }
        }
        await using (var cmd = w.Command($"SELECT {EventSelect} FROM \"ReportEvents\" WHERE \"Kind\" = {AgentStateKind} AND \"AgentId\" IS NOT NULL ORDER BY \"AgentId\", \"At\""))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var e = ReadEvent(reader);
                read++;
                if (agent is not null && !string.Equals(agent, e.AgentId, StringComparison.Ordinal))
                {
                    await FlushAgentAsync().ConfigureAwait(false);
                }
                agent = e.AgentId;
                agentEvents.Add(e);
            }
        }
        if (agent is not null)
        {
            await FlushAgentAsync().ConfigureAwait(false);
        }
        await InsertAgentStatesAsync(w, states, ct).ConfigureAwait(false);
        deltas.Add(contributions, 1);
        await ApplyAsync(w, deltas, ct).ConfigureAwait(false);
        log.LogInformation("Reports rebuilt from {Events} recorded events", read);
        return read;
    }, ct);

    private void FoldInto(Guid callId, List<ReportEvent> events, List<CallFoldResult> rows, Deltas deltas)
    {
        var result = CallFold.Fold(callId, events, queues);
        result.Call.Contributions = ContributionCodec.Encode(result.Contributions);
        rows.Add(result);
        deltas.Add(result.Contributions, 1);
    }

    // ------------------------------------------------------------------ the write transaction

    private async Task<T> WriteAsync<T>(Func<Writer, long, Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = database.CreateContext();
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(ct).ConfigureAwait(false);
            if (database.IsSqlite)
            {
                // The writer never checkpoints the WAL itself (CheckpointAsync does, beside it): a checkpoint on the commit path
                // writes pages back all over a large file while the next batch waits.
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;";
                await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            // SQLite: BEGIN IMMEDIATE (the write lock at once); the server providers: read committed, serialised by the row lock below.
            await using var tx = database.IsSqlite
                ? await connection.BeginTransactionAsync(ct).ConfigureAwait(false)
                : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            var w = new Writer(connection, tx, database.Dialect);
            // The lock: every writer updates this one row first and holds it to its commit.
            await using (var lockRow = w.Command("UPDATE \"ReportState\" SET \"Version\" = \"Version\" + 1 WHERE \"Id\" = 1"))
            {
                await lockRow.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            long asOf;
            await using (var read = w.Command("SELECT \"AsOf\" FROM \"ReportState\" WHERE \"Id\" = 1"))
            {
                asOf = Convert.ToInt64(await read.ExecuteScalarAsync(ct).ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
            }
            var result = await work(w, asOf).ConfigureAwait(false);
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            await tx.CommitAsync(ct).ConfigureAwait(false);
            Timings.Commit += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<ReportEvent>> InsertEventsAsync(Writer w, List<ReportEvent> events, CancellationToken ct)
    {
        var inserted = new List<ReportEvent>(events.Count);
        var byKey = events.ToDictionary(e => Convert.ToHexString(e.Key), StringComparer.Ordinal);
        var perStatement = Math.Max(1, w.Dialect.MaxParameters / SqlDialect.EventColumns.Length);
        for (var i = 0; i < events.Count; i += perStatement)
        {
            var rows = events.GetRange(i, Math.Min(perStatement, events.Count - i));
            var values = new List<object?>(rows.Count * SqlDialect.EventColumns.Length);
            foreach (var e in rows)
            {
                values.AddRange([e.Key, (int)e.Kind, e.At, w.Dialect.Id(e.CallId), e.AgentId, e.Queue, e.Code, e.Code2, e.Flags, e.Number, e.Ticks,
                    e.Ticks2, w.Dialect.Id(e.RelatedId), e.Other, e.Text]);
            }
            await using var cmd = w.Command(w.Dialect.InsertEvents(rows.Count), [.. values]);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var key = (byte[])reader.GetValue(0);
                inserted.Add(byKey[Convert.ToHexString(key)]);
            }
        }
        return inserted;
    }

    private async Task RefoldCallsAsync(Writer w, HashSet<Guid> calls, Deltas deltas, CancellationToken ct)
    {
        if (calls.Count == 0)
        {
            return;
        }
        var ids = calls.ToList();
        var events = new Dictionary<Guid, List<ReportEvent>>();
        foreach (var chunk in ids.Chunk(Math.Min(500, w.Dialect.MaxParameters)))
        {
            var (list, values) = InList(w, chunk);
            await using (var cmd = w.Command($"SELECT \"Contributions\" FROM \"ReportCalls\" WHERE \"CallId\" IN ({list})", values))
            await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    deltas.Add(ContributionCodec.Decode((byte[])reader.GetValue(0)), -1);
                }
            }
            await using (var cmd = w.Command($"SELECT {EventSelect} FROM \"ReportEvents\" WHERE \"CallId\" IN ({list}) AND \"Kind\" <> {AgentStateKind}", values))
            await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var e = ReadEvent(reader);
                    if (!events.TryGetValue(e.CallId!.Value, out var l))
                    {
                        events[e.CallId.Value] = l = [];
                    }
                    l.Add(e);
                }
            }
            await using (var cmd = w.Command($"DELETE FROM \"ReportSegments\" WHERE \"CallId\" IN ({list})", values))
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using (var cmd = w.Command($"DELETE FROM \"ReportCalls\" WHERE \"CallId\" IN ({list})", values))
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
        var rows = new List<CallFoldResult>(events.Count);
        foreach (var (id, list) in events)
        {
            FoldInto(id, list, rows, deltas);
        }
        await WriteCallsAsync(w, rows, ct).ConfigureAwait(false);
    }

    private async Task RefoldAgentAsync(Writer w, string agent, long from, long asOf, Deltas deltas, CancellationToken ct)
    {
        // Re-fold from the state the earliest new change falls in: the states before it cannot change.
        long start;
        await using (var cmd = w.Command("SELECT MAX(\"StartAt\") FROM \"ReportAgentStates\" WHERE \"AgentId\" = @p0 AND \"StartAt\" <= @p1", agent, from))
        {
            var found = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            start = found is null or DBNull ? from : Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture);
        }
        // The state before it: changes at the re-fold's first instant are chained from it.
        int? before = null;
        await using (var cmd = w.Command("SELECT \"State\" FROM \"ReportAgentStates\" WHERE \"AgentId\" = @p0 AND \"StartAt\" = "
            + "(SELECT MAX(\"StartAt\") FROM \"ReportAgentStates\" WHERE \"AgentId\" = @p0 AND \"StartAt\" < @p1)", agent, start))
        {
            if (await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is { } state and not DBNull)
            {
                before = Convert.ToInt32(state, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        var old = new List<Contribution>();
        await using (var cmd = w.Command("SELECT \"StartAt\", \"EndAt\", \"State\" FROM \"ReportAgentStates\" WHERE \"AgentId\" = @p0 AND \"StartAt\" >= @p1", agent, start))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                AgentFold.Contribute(new ReportAgentState
                {
                    AgentId = agent,
                    StartAt = reader.GetInt64(0),
                    EndAt = reader.IsDBNull(1) ? null : reader.GetInt64(1),
                    State = reader.GetInt32(2),
                }, asOf, old);
            }
        }
        deltas.Add(old, -1);
        var events = new List<ReportEvent>();
        await using (var cmd = w.Command($"SELECT {EventSelect} FROM \"ReportEvents\" WHERE \"AgentId\" = @p0 AND \"Kind\" = {AgentStateKind} AND \"At\" >= @p1", agent, start))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                events.Add(ReadEvent(reader));
            }
        }
        await using (var cmd = w.Command("DELETE FROM \"ReportAgentStates\" WHERE \"AgentId\" = @p0 AND \"StartAt\" >= @p1", agent, start))
        {
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        var rows = AgentFold.Intervals(agent, events, before);
        var now = new List<Contribution>();
        foreach (var row in rows)
        {
            AgentFold.Contribute(row, asOf, now);
        }
        deltas.Add(now, 1);
        await InsertAgentStatesAsync(w, rows, ct).ConfigureAwait(false);
    }

    private static async Task WriteCallsAsync(Writer w, List<CallFoldResult> rows, CancellationToken ct)
    {
        string[] callColumns = ["CallId", "Caller", "Did", "CustomerId", "Direction", "FirstAt", "LastAt", "Queue", "AgentId", "Outcome", "EndedBy",
            "EndedAt", "Attempt", "CallbackOf", "RetryAt", "IvrPath", "Contributions"];
        await InsertRowsAsync(w, "ReportCalls", callColumns, rows.Select(r => r.Call), c => [w.Dialect.Id(c.CallId), c.Caller, c.Did,
            w.Dialect.Id(c.CustomerId), c.Direction, c.FirstAt, c.LastAt, c.Queue, c.AgentId, c.Outcome, c.EndedBy, c.EndedAt, c.Attempt,
            w.Dialect.Id(c.CallbackOf), c.RetryAt, c.IvrPath, c.Contributions], ct).ConfigureAwait(false);
        string[] segmentColumns = ["CallId", "No", "Queue", "EnteredAt", "Entry", "LeftAt", "Exit", "Waited", "Position", "AgentId", "Flags",
            "HandledAt", "TalkTicks", "WrapUpTicks", "TransferredAt"];
        await InsertRowsAsync(w, "ReportSegments", segmentColumns, rows.SelectMany(r => r.Segments), s => [w.Dialect.Id(s.CallId), s.No, s.Queue,
            s.EnteredAt, s.Entry, s.LeftAt, s.Exit, s.Waited, s.Position, s.AgentId, s.Flags, s.HandledAt, s.TalkTicks, s.WrapUpTicks,
            s.TransferredAt], ct).ConfigureAwait(false);
    }

    private static Task InsertAgentStatesAsync(Writer w, List<ReportAgentState> rows, CancellationToken ct) =>
        InsertRowsAsync(w, "ReportAgentStates", ["AgentId", "StartAt", "EndAt", "State", "Reason", "CallId"], rows,
            s => [s.AgentId, s.StartAt, s.EndAt, s.State, s.Reason, w.Dialect.Id(s.CallId)], ct);

    private static async Task InsertRowsAsync<T>(Writer w, string table, string[] columns, IEnumerable<T> rows, Func<T, object?[]> values, CancellationToken ct)
    {
        var perStatement = Math.Max(1, w.Dialect.MaxParameters / columns.Length);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var sb = new StringBuilder("INSERT INTO ").Append(SqlDialect.Q(table)).Append(" (")
                .Append(string.Join(", ", columns.Select(SqlDialect.Q))).Append(") VALUES ");
            SqlDialect.Values(sb, chunk.Length, columns.Length);
            await using var cmd = w.Command(sb.ToString(), [.. chunk.SelectMany(values)]);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Adds the summed deltas to the aggregates; rows left all zero are deleted (a rebuild would not write them).</summary>
    private static async Task ApplyAsync(Writer w, Deltas deltas, CancellationToken ct)
    {
        foreach (var subject in new[] { Subject.Queue, Subject.Agent, Subject.QueueHour, Subject.AgentHour })
        {
            var rows = deltas.NonZero(subject);
            if (rows.Count == 0)
            {
                continue;
            }
            var (table, keyColumn, counters) = SqlDialect.Table(subject);
            var perStatement = Math.Max(1, w.Dialect.MaxParameters / (counters.Length + 2));
            var zero = new List<(string Key, long Start)>();
            foreach (var chunk in rows.Chunk(perStatement))
            {
                var values = new List<object?>(chunk.Length * (counters.Length + 2));
                foreach (var ((key, start), counts) in chunk)
                {
                    values.Add(key);
                    values.Add(start);
                    foreach (var c in counts)
                    {
                        values.Add(c);
                    }
                }
                await using var cmd = w.Command(w.Dialect.AddToIntervals(subject, chunk.Length), [.. values]);
                await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    if (Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture) == 1)
                    {
                        zero.Add((reader.GetString(0), reader.GetInt64(1)));
                    }
                }
            }
            foreach (var (key, start) in zero)
            {
                await using var delete = w.Command($"DELETE FROM {SqlDialect.Q(table)} WHERE {SqlDialect.Q(keyColumn)} = @p0 AND \"Start\" = @p1", key, start);
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
    }

    // ------------------------------------------------------------------ reading events

    internal static string EventSelect { get; } = string.Join(", ", new[] { "Seq" }.Concat(SqlDialect.EventColumns).Select(SqlDialect.Q));

    internal static ReportEvent ReadEvent(DbDataReader r) => new()
    {
        Seq = r.GetInt64(0),
        Key = (byte[])r.GetValue(1),
        Kind = (RecordKind)r.GetInt32(2),
        At = r.GetInt64(3),
        CallId = SqlDialect.ReadId(r, 4),
        AgentId = r.IsDBNull(5) ? null : r.GetString(5),
        Queue = r.IsDBNull(6) ? null : r.GetString(6),
        Code = r.GetInt32(7),
        Code2 = r.GetInt32(8),
        Flags = r.GetInt32(9),
        Number = r.GetInt32(10),
        Ticks = r.GetInt64(11),
        Ticks2 = r.GetInt64(12),
        RelatedId = SqlDialect.ReadId(r, 13),
        Other = r.IsDBNull(14) ? null : r.GetString(14),
        Text = r.IsDBNull(15) ? null : r.GetString(15),
    };

    private static (string List, object?[] Values) InList(Writer w, IReadOnlyList<Guid> ids)
    {
        var sb = new StringBuilder();
        var values = new object?[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            sb.Append(i == 0 ? "@p" : ", @p").Append(i);
            values[i] = w.Dialect.Id(ids[i]);
        }
        return (sb.ToString(), values);
    }

    /// <summary>The open connection and transaction of one write, with a command factory (parameters @p0, @p1...).</summary>
    internal sealed class Writer(DbConnection connection, DbTransaction transaction, SqlDialect dialect)
    {
        public SqlDialect Dialect => dialect;

        public DbCommand Command(string sql, params object?[] values)
        {
            var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = sql;
            cmd.CommandTimeout = 600;
            for (var i = 0; i < values.Length; i++)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                p.Value = values[i] ?? DBNull.Value;
                cmd.Parameters.Add(p);
            }
            return cmd;
        }
    }

    /// <summary>Time spent in each part of recording, summed.</summary>
    internal sealed class RecordTimings
    {
        public TimeSpan Insert { get; set; }
        public TimeSpan Calls { get; set; }
        public TimeSpan Agents { get; set; }
        public TimeSpan Aggregates { get; set; }
        public TimeSpan Commit { get; set; }

        public override string ToString() =>
            $"insert {Insert.TotalSeconds:0.0} s, calls {Calls.TotalSeconds:0.0} s, agents {Agents.TotalSeconds:0.0} s, aggregates {Aggregates.TotalSeconds:0.0} s, commit {Commit.TotalSeconds:0.0} s";
    }

    /// <summary>Contributions summed per interval row, before they go to the database.</summary>
    internal sealed class Deltas
    {
        private readonly Dictionary<(string Key, long Start), long[]>[] _rows =
            [new(), new(), new(), new()];

        /// <summary>Adds 15-minute contributions, and the same to the hour tables.</summary>
        public void Add(IEnumerable<Contribution> contributions, int sign)
        {
            foreach (var c in contributions)
            {
                Add(c.Subject, c.Key, c.Start, c.Counter, sign * c.Value);
                Add(Buckets.HourOf(c.Subject), c.Key, Buckets.FloorHour(c.Start), c.Counter, sign * c.Value);
            }
        }

        private void Add(Subject subject, string key, long start, int counter, long value)
        {
            var table = _rows[(int)subject];
            if (!table.TryGetValue((key, start), out var counts))
            {
                table[(key, start)] = counts = new long[Buckets.CountersOf(subject)];
            }
            counts[counter] += value;
        }

        public List<KeyValuePair<(string Key, long Start), long[]>> NonZero(Subject subject) =>
            [.. _rows[(int)subject].Where(r => Array.Exists(r.Value, v => v != 0))
                .OrderBy(r => r.Key.Key, StringComparer.Ordinal).ThenBy(r => r.Key.Start)];
    }
}
