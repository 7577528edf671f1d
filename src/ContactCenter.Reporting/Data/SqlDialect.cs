using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using ContactCenter.Reporting.Aggregation;

namespace ContactCenter.Reporting.Data;

/// <summary>
/// The few statements that differ between SQLite, PostgreSQL and SQL Server: "insert unless the key is there" for the record,
/// "add to the counters, creating the row" for the aggregates, how ids travel as parameters, and how many parameters one
/// statement may carry. Everything else the reports run is plain SQL every provider reads alike.
/// </summary>
internal sealed class SqlDialect
{
    // SQLite: Microsoft.Data.Sqlite binds each parameter by looking its name up in the command's list, so a statement's cost grows
    // with the square of its parameters; a few hundred per statement keeps the work linear.
    public static readonly SqlDialect Sqlite = new(Kind.Sqlite, 600);
    public static readonly SqlDialect PostgreSql = new(Kind.PostgreSql, 30000);
    public static readonly SqlDialect SqlServer = new(Kind.SqlServer, 2000);

    internal static readonly string[] EventColumns =
        ["Key", "Kind", "At", "CallId", "AgentId", "Queue", "Code", "Code2", "Flags", "Number", "Ticks", "Ticks2", "RelatedId", "Other", "Text"];

    private readonly Kind _kind;
    private readonly ConcurrentDictionary<(string, int), string> _cache = new();

    private SqlDialect(Kind kind, int maxParameters)
    {
        _kind = kind;
        MaxParameters = maxParameters;
    }

    private enum Kind
    {
        Sqlite,
        PostgreSql,
        SqlServer,
    }

    /// <summary>Most parameters one statement carries (SQL Server allows 2,100; SQLite binds faster in small statements).</summary>
    public int MaxParameters { get; }

    public bool IsSqlite => _kind == Kind.Sqlite;

    /// <summary>An id as a parameter value: 16 bytes on SQLite (as the model stores it), the native type elsewhere.</summary>
    public object Id(Guid? id) => id is { } g ? (_kind == Kind.Sqlite ? g.ToByteArray() : g) : DBNull.Value;

    /// <summary>An id read from a column.</summary>
    public static Guid? ReadId(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal)
        ? null
        : reader.GetValue(ordinal) switch
        {
            Guid g => g,
            byte[] b => new Guid(b),
            string s => Guid.Parse(s),
            var other => throw new InvalidCastException($"an id column held {other.GetType().Name}"),
        };

    /// <summary>Inserts <paramref name="rows"/> events, skipping any whose key is recorded already; returns the keys inserted.</summary>
    public string InsertEvents(int rows) => _cache.GetOrAdd(("events", rows), key =>
    {
        var n = key.Item2;
        var columns = string.Join(", ", EventColumns.Select(Q));
        var sb = new StringBuilder();
        switch (_kind)
        {
            case Kind.Sqlite:
                sb.Append("INSERT OR IGNORE INTO \"ReportEvents\" (").Append(columns).Append(") VALUES ");
                Values(sb, n, EventColumns.Length);
                sb.Append(" RETURNING \"Key\"");
                break;
            case Kind.PostgreSql:
                sb.Append("INSERT INTO \"ReportEvents\" (").Append(columns).Append(") VALUES ");
                Values(sb, n, EventColumns.Length);
                sb.Append(" ON CONFLICT (\"Key\") DO NOTHING RETURNING \"Key\"");
                break;
            case Kind.SqlServer:
                // Writers are serialised by the state row's lock, so nothing inserts the same key between the check and the insert.
                sb.Append("INSERT INTO \"ReportEvents\" (").Append(columns).Append(") OUTPUT inserted.\"Key\" SELECT ")
                    .Append(string.Join(", ", EventColumns.Select(c => "v." + Q(c)))).Append(" FROM (VALUES ");
                Values(sb, n, EventColumns.Length);
                sb.Append(") AS v (").Append(columns).Append(") WHERE NOT EXISTS (SELECT 1 FROM \"ReportEvents\" e WHERE e.\"Key\" = v.\"Key\")");
                break;
        }
        return sb.ToString();
    });

    /// <summary>
    /// Adds <paramref name="rows"/> rows of deltas to a subject's intervals (creating missing rows); returns each row's key, start
    /// and whether every counter is now zero (such rows are then deleted, so the table holds what a rebuild would write).
    /// </summary>
    public string AddToIntervals(Subject subject, int rows) => _cache.GetOrAdd(($"add-{subject}", rows), key =>
    {
        var (table, keyColumn, counters) = Table(subject);
        var n = key.Item2;
        var all = new[] { keyColumn, "Start" }.Concat(counters).ToArray();
        var zero = string.Join(" AND ", counters.Select(c => $"{Q(c)} = 0"));
        var sb = new StringBuilder();
        switch (_kind)
        {
            case Kind.Sqlite or Kind.PostgreSql:
                sb.Append("INSERT INTO ").Append(Q(table)).Append(" (").Append(string.Join(", ", all.Select(Q))).Append(") VALUES ");
                Values(sb, n, all.Length);
                sb.Append(" ON CONFLICT (").Append(Q(keyColumn)).Append(", \"Start\") DO UPDATE SET ")
                    .Append(string.Join(", ", counters.Select(c => $"{Q(c)} = {Q(table)}.{Q(c)} + excluded.{Q(c)}")))
                    .Append(" RETURNING ").Append(Q(keyColumn)).Append(", \"Start\", CASE WHEN ").Append(zero).Append(" THEN 1 ELSE 0 END");
                break;
            case Kind.SqlServer:
                sb.Append("MERGE ").Append(Q(table)).Append(" WITH (HOLDLOCK) AS t USING (VALUES ");
                Values(sb, n, all.Length);
                sb.Append(") AS v (").Append(string.Join(", ", all.Select(Q))).Append(") ON t.").Append(Q(keyColumn)).Append(" = v.").Append(Q(keyColumn))
                    .Append(" AND t.\"Start\" = v.\"Start\" WHEN MATCHED THEN UPDATE SET ")
                    .Append(string.Join(", ", counters.Select(c => $"{Q(c)} = t.{Q(c)} + v.{Q(c)}")))
                    .Append(" WHEN NOT MATCHED THEN INSERT (").Append(string.Join(", ", all.Select(Q))).Append(") VALUES (")
                    .Append(string.Join(", ", all.Select(c => "v." + Q(c)))).Append(") OUTPUT inserted.").Append(Q(keyColumn))
                    .Append(", inserted.\"Start\", CASE WHEN ").Append(string.Join(" AND ", counters.Select(c => $"inserted.{Q(c)} = 0")))
                    .Append(" THEN 1 ELSE 0 END;");
                break;
        }
        return sb.ToString();
    });

    /// <summary>The table, key column and counter columns of a subject's aggregates.</summary>
    public static (string Table, string KeyColumn, string[] Counters) Table(Subject subject) => subject switch
    {
        Subject.Queue => ("ReportQueueIntervals", "Queue", Enum.GetNames<QueueCounter>()),
        Subject.QueueHour => ("ReportQueueHours", "Queue", Enum.GetNames<QueueCounter>()),
        Subject.AgentHour => ("ReportAgentHours", "AgentId", Enum.GetNames<AgentCounter>()),
        _ => ("ReportAgentIntervals", "AgentId", Enum.GetNames<AgentCounter>()),
    };

    /// <summary>A quoted identifier (double quotes: SQLite, PostgreSQL, and SQL Server with QUOTED_IDENTIFIER on, its default).</summary>
    public static string Q(string name) => "\"" + name + "\"";

    /// <summary>Parameters named @p0, @p1... in row order.</summary>
    public static void Values(StringBuilder sb, int rows, int columns)
    {
        var p = 0;
        for (var r = 0; r < rows; r++)
        {
            sb.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns; c++)
            {
                sb.Append(c == 0 ? "@p" : ", @p").Append(p++);
            }
            sb.Append(')');
        }
    }
}
