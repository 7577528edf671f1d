using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>
/// <c>explain</c>: the SQL the EF path sends for one customer-360 by phone, and SQLite's query plan
/// of each statement of both paths, to check that both use the same indexes.
/// </summary>
internal static class Explain
{
    public static async Task RunAsync()
    {
        var sink = new CommandSink();
        await using var env = await BenchmarkEnvironment.CreateAsync(b => b.AddProvider(sink)
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information));
        var phone = BenchmarkData.PhoneOf(env.Customers / 2);
        _ = await env.EfByPhoneAsync(phone);
        sink.Commands.Clear();
        _ = await env.EfByPhoneAsync(phone);
        await using var connection = new SqliteConnection(env.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in sink.Commands)
        {
            Console.WriteLine("EF statement:");
            Console.WriteLine(sql);
            await PlanAsync(connection, sql);
        }
        foreach (var sql in AdoCustomer360.Statements)
        {
            Console.WriteLine("ADO.NET statement:");
            Console.WriteLine(sql);
            await PlanAsync(connection, sql);
        }
    }

    private static async Task PlanAsync(SqliteConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "@e164", "@id", "@exclude", "@now", "@take", "$phone", "$exclude", "$now", "$take" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                cmd.Parameters.AddWithValue(name, name.EndsWith("take", StringComparison.Ordinal) ? 10 : "x");
            }
        }
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  plan: {reader.GetInt32(0),3} {reader.GetInt32(1),3} {reader.GetString(3)}");
        }
        Console.WriteLine();
    }

    private sealed class CommandSink : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Commands { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => v.Key == "commandText").Value is string sql)
            {
                Commands.Enqueue(sql);
            }
        }

        public void Dispose()
        {
        }
    }
}
