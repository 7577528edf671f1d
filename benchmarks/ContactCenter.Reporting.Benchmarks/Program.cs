using System.Diagnostics;
using System.Globalization;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Benchmarks;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

// Reports benchmark (issue 16): a generated year of a 200-agent centre in SQLite; the 30-day queue report by hour and the
// 7-day agent report by hour from the aggregates, against the same figures from the raw event record with plain SQL, in the
// same run (and checked equal); the ingest rate through the real recording path; the storage per million calls.
//
//   dotnet ContactCenter.Reporting.Benchmarks.dll [--days 365] [--agents 200] [--calls-per-day 13700] [--queues 8]
//       [--db /tmp/reports-bench.db] [--reuse] [--runs 30] [--raw-runs 3] [--ingest-days 1]
var options = Options.Parse(args);
var queues = ReportQueues.Parse("timeZone: UTC\nshortAbandonSeconds: 5\nqueues:\n"
    + string.Join("", Enumerable.Range(0, options.Queues).Select(i => $"  - name: q{i:00}\n    serviceLevel: {{ percent: 80, seconds: 20 }}\n")), "bench-queues.yaml");
var connectionString = $"Data Source={options.Db}";
var database = new ReportingDatabase("Sqlite", connectionString);
var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);   // a Monday
var end = start.AddDays(options.Days);
Console.WriteLine($"# Reports benchmark: {options.Days} days, {options.Agents} agents, ~{options.CallsPerDay:0} calls a weekday, {options.Queues} queues, {options.Db}");
Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, load {Load()}, .NET {Environment.Version}");

long calls;
if (options.Reuse && File.Exists(options.Db))
{
    calls = await Scalar("SELECT COUNT(*) FROM \"ReportCalls\"");
    Console.WriteLine($"reusing {options.Db}: {calls:N0} calls");
}
else
{
    foreach (var f in new[] { options.Db, options.Db + "-wal", options.Db + "-shm" })
    {
        File.Delete(f);
    }
    await database.MigrateAsync(CancellationToken.None);
    var generated = Stopwatch.StartNew();
    calls = await Loader.LoadAsync(connectionString, database.Dialect, queues, options, start, end);
    Console.WriteLine($"generated {calls:N0} calls in {generated.Elapsed.TotalMinutes:0.0} min");
}
var events = await Scalar("SELECT MAX(\"Seq\") FROM \"ReportEvents\"");
var stateChanges = await Scalar("SELECT COUNT(*) FROM \"ReportAgentStates\"");
SqliteConnection.ClearAllPools();
var bytes = new FileInfo(options.Db).Length;
Console.WriteLine();
Console.WriteLine($"| data | value |");
Console.WriteLine($"| --- | --- |");
Console.WriteLine($"| calls | {calls:N0} |");
Console.WriteLine($"| events in the record | {events:N0} |");
Console.WriteLine($"| agent state changes (intervals) | {stateChanges:N0} |");
Console.WriteLine($"| database file | {bytes / 1e9:0.00} GB |");
Console.WriteLine($"| **storage per million calls** | **{bytes / (calls / 1e6) / 1e9:0.00} GB** (record, folded calls, stays, agent states, aggregates, indexes) |");
foreach (var (table, rows) in await TableSizesAsync())
{
    Console.WriteLine($"| rows in {table} | {rows:N0} |");
}

var reader = new ReportReader(database, queues);
var to = new Bound(end, null);
var from30 = new Bound(end.AddDays(-30), null);
var from7 = new Bound(end.AddDays(-7), null);

// The 30-day queue report by hour from the aggregates (the API's code path) and from the raw record with plain SQL.
var queueAgg = await Measure("30-day queue report by hour, from the aggregates", options.Runs,
    () => reader.QueuesAsync(from30, to, ReportInterval.Hour, null, CancellationToken.None));
var queueRaw = await Measure("30-day queue report by hour, raw events + plain SQL", options.RawRuns,
    () => RawSql.QueueReportAsync(connectionString, end.AddDays(-30).UtcTicks, end.UtcTicks, queues));
RawSql.CheckQueues(queueAgg.Result, queueRaw.Result);
var agentAgg = await Measure("7-day agent report by hour, from the aggregates", options.Runs,
    () => reader.AgentsAsync(from7, to, ReportInterval.Hour, null, CancellationToken.None));
var agentRaw = await Measure("7-day agent report by hour, raw events + plain SQL", options.RawRuns,
    () => RawSql.AgentReportAsync(connectionString, end.AddDays(-7).UtcTicks, end.UtcTicks));
RawSql.CheckAgents(agentAgg.Result, agentRaw.Result);
Console.WriteLine();
Console.WriteLine("| query | runs | p50 | p99 | max | rows |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var m in new[] { queueAgg.Line, queueRaw.Line, agentAgg.Line, agentRaw.Line })
{
    Console.WriteLine(m);
}
Console.WriteLine($"| **speed-up (p50, raw / aggregates)** | | queue **{queueRaw.P50 / queueAgg.P50:0}×** | agent **{agentRaw.P50 / agentAgg.P50:0}×** | | |");
Console.WriteLine("(the raw SQL's figures were checked equal to the aggregates': counts, waits, handle times, state times)");

// Ingest: more days recorded through the real path (ReportStore.RecordAsync, batches as the writer makes them) into this database.
var store = new ReportStore(database, queues, NullLogger<ReportStore>.Instance);
// New days after the last one recorded (a second run on the same database records days of its own).
var ingestFrom = new DateTimeOffset(Buckets.Floor(await Scalar("SELECT MAX(\"At\") FROM \"ReportEvents\"")) / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay, TimeSpan.Zero).AddDays(1);
var generator = new CentreGenerator(options.Agents, options.Queues, options.CallsPerDay, seed: (int)(ingestFrom.UtcTicks / TimeSpan.TicksPerDay));
var ingestEvents = 0;
// As the reporting service does beside the writer: a passive WAL checkpoint every 2 s.
using var stopCheckpoints = new CancellationTokenSource();
var checkpoints = Task.Run(async () =>
{
    while (!stopCheckpoints.IsCancellationRequested)
    {
        await store.CheckpointAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2), stopCheckpoints.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }
});
var ingest = Stopwatch.StartNew();
for (var d = 0; d < options.IngestDays; d++)
{
    var (dayCalls, states) = generator.Day(ingestFrom.AddDays(d));
    // The bus delivers a call's events and the agents' changes interleaved in time: so does this.
    var all = dayCalls.SelectMany(c => c).Concat(states).OrderBy(e => e.At).ToList();
    foreach (var batch in all.Chunk(options.Batch))
    {
        await store.RecordAsync(batch, CancellationToken.None);
    }
    ingestEvents += all.Count;
}
ingest.Stop();
await stopCheckpoints.CancelAsync();
await checkpoints;
if (ingestEvents == 0)
{
    return 0;
}
Console.WriteLine();
Console.WriteLine($"| ingest (record + fold + aggregates, one transaction per batch of {options.Batch}) | value |");
Console.WriteLine("| --- | --- |");
Console.WriteLine($"| events | {ingestEvents:N0} in {ingest.Elapsed.TotalSeconds:0.0} s |");
Console.WriteLine($"| **events per second** | **{ingestEvents / ingest.Elapsed.TotalSeconds:N0}** |");
Console.WriteLine($"| where the time went | {store.Timings} |");
Console.WriteLine($"# load after the run: {Load()}");
return 0;

async Task<long> Scalar(string sql)
{
    await using var connection = new SqliteConnection(connectionString);
    await connection.OpenAsync();
    await using var cmd = connection.CreateCommand();
    cmd.CommandText = sql;
    return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
}

async Task<List<(string Table, long Rows)>> TableSizesAsync()
{
    var list = new List<(string, long)>();
    foreach (var t in new[] { "ReportEvents", "ReportCalls", "ReportSegments", "ReportAgentStates", "ReportQueueIntervals", "ReportAgentIntervals", "ReportQueueHours", "ReportAgentHours" })
    {
        list.Add((t, await Scalar($"SELECT COUNT(*) FROM \"{t}\"")));
    }
    return list;
}

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

static async Task<Measurement<T>> Measure<T>(string name, int runs, Func<Task<T>> run)
{
    var result = await run();   // warm-up (and the figures compared)
    var times = new List<double>(runs);
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        result = await run();
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double P(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
    var rows = result switch
    {
        Report<QueueReportRow> r => r.Rows.Count,
        Report<AgentReportRow> r => r.Rows.Count,
        System.Collections.ICollection c => c.Count,
        _ => 0,
    };
    return new Measurement<T>(result, P(0.5), $"| {name} | {runs} | {P(0.5):0.0} ms | {P(0.99):0.0} ms | {times[^1]:0.0} ms | {rows:N0} |");
}

internal sealed record Measurement<T>(T Result, double P50, string Line);

internal sealed record Options(int Days, int Agents, double CallsPerDay, int Queues, string Db, bool Reuse, int Runs, int RawRuns, int IngestDays, int Batch)
{
    public static Options Parse(string[] args)
    {
        string? Get(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return new Options(
            int.Parse(Get("--days") ?? "365", CultureInfo.InvariantCulture),
            int.Parse(Get("--agents") ?? "200", CultureInfo.InvariantCulture),
            double.Parse(Get("--calls-per-day") ?? "13700", CultureInfo.InvariantCulture),
            int.Parse(Get("--queues") ?? "8", CultureInfo.InvariantCulture),
            Get("--db") ?? Path.Combine(Path.GetTempPath(), "reports-bench.db"),
            args.Contains("--reuse"),
            int.Parse(Get("--runs") ?? "30", CultureInfo.InvariantCulture),
            int.Parse(Get("--raw-runs") ?? "3", CultureInfo.InvariantCulture),
            int.Parse(Get("--ingest-days") ?? "1", CultureInfo.InvariantCulture),
            int.Parse(Get("--batch") ?? "1000", CultureInfo.InvariantCulture));
    }
}
