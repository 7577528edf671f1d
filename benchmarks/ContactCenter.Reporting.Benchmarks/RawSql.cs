using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Configuration;
using Microsoft.Data.Sqlite;

namespace ContactCenter.Reporting.Benchmarks;

/// <summary>
/// The same figures straight from the raw event record with plain SQL (what a reporting tool pointed at an event log does):
/// conditional counts grouped by queue and hour over the range's events; agents' state times from each change to the next
/// (a window function), cut at every hour of the range. Checked equal to the aggregates' report.
/// </summary>
internal static class RawSql
{
    private const long Hour = TimeSpan.TicksPerHour;

    internal sealed record QueueCell(long Offered, long Answered, long Within, long Abandoned, long Short, long Diverted, long AnswerWait, long Handled, long HandleTicks);

    internal sealed record AgentCell(long Answered, long Handled, long HandleTicks, long[] StateTicks);

    public static async Task<Dictionary<(string Queue, long Hour), QueueCell>> QueueReportAsync(string connectionString, long from, long to, ReportQueues queues)
    {
        var threshold = queues.Queues[0].Policy.Threshold.Ticks;   // every generated queue: 20 s, short abandons under 5 s
        var shortAbandon = queues.Queues[0].Policy.ShortAbandon.Ticks;
        var sql = $"""
            SELECT "Queue", ("At" - {from}) / {Hour} AS h,
              SUM(CASE WHEN "Kind" = 3 THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 0 THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 0 AND "Ticks" <= {threshold} THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 1 AND "Ticks" >= {shortAbandon} THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 1 AND "Ticks" < {shortAbandon} THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" >= 2 THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 0 THEN "Ticks" ELSE 0 END),
              SUM(CASE WHEN "Kind" = 10 AND "Queue" IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 10 AND "Queue" IS NOT NULL THEN "Ticks" + "Ticks2" ELSE 0 END)
            FROM "ReportEvents" WHERE "Kind" IN (3, 7, 10) AND "At" >= {from} AND "At" < {to}
            GROUP BY "Queue", h
            """;
        var result = new Dictionary<(string, long), QueueCell>();
        await ReadAsync(connectionString, sql, r => result[(r.GetString(0), from + (r.GetInt64(1) * Hour))] = new QueueCell(r.GetInt64(2), r.GetInt64(3),
            r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10)));
        return result;
    }

    public static async Task<Dictionary<(string Agent, long Hour), AgentCell>> AgentReportAsync(string connectionString, long from, long to)
    {
        var result = new Dictionary<(string, long), AgentCell>();
        AgentCell Cell(string agent, long hour)
        {
            if (!result.TryGetValue((agent, hour), out var c))
            {
                result[(agent, hour)] = c = new AgentCell(0, 0, 0, new long[6]);
            }
            return c;
        }
        // State time: each change lasts until the agent's next (changes at one instant in the order they were recorded, which is
        // the order they happened); a day's look-back finds the state the range starts in.
        var states = $"""
            WITH RECURSIVE hours(s) AS (SELECT {from} UNION ALL SELECT s + {Hour} FROM hours WHERE s + {Hour} < {to}),
            changes AS (
              SELECT "AgentId" AS a, "Code" AS st, "At" AS b, LEAD("At") OVER (PARTITION BY "AgentId" ORDER BY "At", "Seq") AS e
              FROM "ReportEvents" WHERE "Kind" = 11 AND "At" >= {from - TimeSpan.TicksPerDay} AND "At" < {to})
            SELECT a, hours.s, st, SUM(MIN(e, hours.s + {Hour}) - MAX(b, hours.s))
            FROM changes JOIN hours ON b < hours.s + {Hour} AND e > hours.s
            WHERE st <> 0 AND e IS NOT NULL
            GROUP BY a, hours.s, st
            """;
        await ReadAsync(connectionString, states, r => Cell(r.GetString(0), r.GetInt64(1)).StateTicks[r.GetInt32(2)] += r.GetInt64(3));
        var counts = $"""
            SELECT "AgentId", ("At" - {from}) / {Hour},
              SUM(CASE WHEN "Kind" = 7 AND "Code" = 0 THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 10 AND "Queue" IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN "Kind" = 10 AND "Queue" IS NOT NULL THEN "Ticks" + "Ticks2" ELSE 0 END)
            FROM "ReportEvents" WHERE "Kind" IN (7, 10) AND "At" >= {from} AND "At" < {to} AND "AgentId" IS NOT NULL
            GROUP BY 1, 2
            """;
        await ReadAsync(connectionString, counts, r =>
        {
            var key = (r.GetString(0), from + (r.GetInt64(1) * Hour));
            var c = Cell(key.Item1, key.Item2);
            result[key] = c with { Answered = r.GetInt64(2), Handled = r.GetInt64(3), HandleTicks = r.GetInt64(4) };
        });
        return result;
    }

    /// <summary>Every queue-hour of the aggregates' report equals the raw SQL's.</summary>
    public static void CheckQueues(Report<QueueReportRow> report, Dictionary<(string Queue, long Hour), QueueCell> raw)
    {
        var compared = 0;
        foreach (var row in report.Rows)
        {
            raw.TryGetValue((row.Queue, row.Start.UtcTicks), out var cell);
            cell ??= new QueueCell(0, 0, 0, 0, 0, 0, 0, 0, 0);
            Same(row, "offered", row.Offered, cell.Offered);
            Same(row, "answered", row.Answered, cell.Answered);
            Same(row, "answeredWithinTarget", row.AnsweredWithinTarget, cell.Within);
            Same(row, "abandoned", row.Abandoned, cell.Abandoned);
            Same(row, "shortAbandoned", row.ShortAbandoned, cell.Short);
            Same(row, "diverted", row.Diverted, cell.Diverted);
            Same(row, "handled", row.Handled, cell.Handled);
            Same(row, "asa (ticks)", (long)Math.Round(row.Asa * TimeSpan.TicksPerSecond), cell.Answered == 0 ? 0 : cell.AnswerWait / cell.Answered);
            Same(row, "aht (ticks)", (long)Math.Round(row.Aht * TimeSpan.TicksPerSecond), cell.Handled == 0 ? 0 : cell.HandleTicks / cell.Handled);
            compared++;
        }
        Console.Error.WriteLine($"  queue report: {compared} queue-hours equal to the raw SQL's");
    }

    /// <summary>Every agent-hour of the aggregates' report equals the raw SQL's.</summary>
    public static void CheckAgents(Report<AgentReportRow> report, Dictionary<(string Agent, long Hour), AgentCell> raw)
    {
        var compared = 0;
        foreach (var row in report.Rows)
        {
            raw.TryGetValue((row.Agent, row.Start.UtcTicks), out var cell);
            cell ??= new AgentCell(0, 0, 0, new long[6]);
            Same(row, "answered", row.Answered, cell.Answered);
            Same(row, "handled", row.Handled, cell.Handled);
            Same(row, "available (ticks)", (long)Math.Round(row.Available * TimeSpan.TicksPerSecond), cell.StateTicks[1]);
            Same(row, "ringing (ticks)", (long)Math.Round(row.Ringing * TimeSpan.TicksPerSecond), cell.StateTicks[2]);
            Same(row, "on call (ticks)", (long)Math.Round(row.OnCall * TimeSpan.TicksPerSecond), cell.StateTicks[3]);
            Same(row, "wrap-up (ticks)", (long)Math.Round(row.WrapUp * TimeSpan.TicksPerSecond), cell.StateTicks[4]);
            Same(row, "not ready (ticks)", (long)Math.Round(row.NotReady * TimeSpan.TicksPerSecond), cell.StateTicks[5]);
            compared++;
        }
        var shown = report.Rows.Select(r => (r.Agent, r.Start.UtcTicks)).ToHashSet();
        foreach (var (key, cell) in raw)
        {
            if (!shown.Contains(key) && (cell.Answered != 0 || cell.Handled != 0 || Array.Exists(cell.StateTicks, v => v != 0)))
            {
                throw new InvalidOperationException($"the raw SQL has figures for {key.Agent} at {new DateTimeOffset(key.Hour, TimeSpan.Zero):u} that the report has no row for");
            }
        }
        Console.Error.WriteLine($"  agent report: {compared} agent-hours equal to the raw SQL's (and no raw figure without its row)");
    }

    private static void Same(object row, string what, long aggregate, long raw)
    {
        if (aggregate != raw)
        {
            throw new InvalidOperationException($"{what} differs: aggregates {aggregate}, raw SQL {raw}, in {row}");
        }
    }

    private static async Task ReadAsync(string connectionString, string sql, Action<SqliteDataReader> row)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 3600;
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            row(reader);
        }
    }
}
