using System.Globalization;
using System.Text;
using ContactCenter.Reporting.Data;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Reporting.Tests;

/// <summary>The reports' derived tables as bytes (every column of every row, in key order), to compare a rebuild with the live tables.</summary>
internal static class TableDump
{
    public static readonly (string Table, string Order)[] Derived =
    [
        ("ReportQueueIntervals", "\"Queue\", \"Start\""),
        ("ReportAgentIntervals", "\"AgentId\", \"Start\""),
        ("ReportQueueHours", "\"Queue\", \"Start\""),
        ("ReportAgentHours", "\"AgentId\", \"Start\""),
        ("ReportCalls", "\"CallId\""),
        ("ReportSegments", "\"CallId\", \"No\""),
        ("ReportAgentStates", "\"AgentId\", \"StartAt\""),
    ];

    public static async Task<byte[]> DumpAsync(ReportingDatabase database, params string[] tables)
    {
        var sb = new StringBuilder();
        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        foreach (var (table, order) in Derived.Where(d => tables.Length == 0 || tables.Contains(d.Table)))
        {
            sb.Append("== ").Append(table).Append('\n');
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {order}";
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var v = reader.GetValue(i);
                    sb.Append(reader.GetName(i)).Append('=').Append(v switch
                    {
                        DBNull => "null",
                        byte[] b => Convert.ToHexString(b),
                        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                        _ => v.ToString(),
                    }).Append(i + 1 < reader.FieldCount ? "|" : "\n");
                }
            }
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>How many rows a table holds.</summary>
    public static async Task<long> CountAsync(ReportingDatabase database, string table)
    {
        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
