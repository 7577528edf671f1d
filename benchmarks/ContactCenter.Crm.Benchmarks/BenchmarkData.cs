using System.Diagnostics;
using ContactCenter.Crm.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>
/// Builds the benchmark database: the real schema (the SQLite migrations), then customers, phones,
/// interactions and cases bulk-inserted with prepared commands in one transaction.
/// Values are written exactly as the EF model stores them (upper-case GUID text, UTC ticks, enum names).
/// </summary>
internal static class BenchmarkData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static string PhoneOf(int customer) => $"+44207{customer:0000000}";

    public static Guid CustomerId(int customer) => IdFrom(1, customer);

    private static Guid IdFrom(int kind, long n)
    {
        Span<byte> b = stackalloc byte[16];
        BitConverter.TryWriteBytes(b, n);
        BitConverter.TryWriteBytes(b[8..], kind);
        b[7] = 0x40;
        b[12] = 0x80;
        return new Guid(b);
    }

    private static string Text(Guid id) => id.ToString().ToUpperInvariant();

    public static async Task<string> EnsureAsync(string path, int customers, int interactions, int cases)
    {
        var marker = path + $".{customers}-{interactions}-{cases}.ok";
        if (File.Exists(path) && File.Exists(marker))
        {
            return $"Data Source={path}";
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        foreach (var stale in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(stale);
        }
        var connectionString = $"Data Source={path}";
        var clock = Stopwatch.StartNew();
        await using (var ctx = new SqliteCrmDbContext(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite(connectionString).Options))
        {
            await ctx.Database.MigrateAsync();
        }
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await Exec(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;");
        await using (var tx = (SqliteTransaction)await connection.BeginTransactionAsync())
        {
            var rnd = new Random(42);
            var version = new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 };
            await using (var cmd = Prepare(connection, tx,
                "INSERT INTO Customers (Id, Name, Tier, Language, PreferredContact, DoNotCall, CreatedAt, UpdatedAt) VALUES ($id, $name, $tier, 'en', 'Phone', 0, $t, $t)",
                "$id", "$name", "$tier", "$t"))
            await using (var phone = Prepare(connection, tx,
                "INSERT INTO CustomerPhones (Id, CustomerId, E164, Label) VALUES ($id, $c, $e, 'main')", "$id", "$c", "$e"))
            {
                string[] tiers = ["Standard", "Standard", "Standard", "Silver", "Gold", "Platinum"];
                for (var i = 0; i < customers; i++)
                {
                    var id = Text(CustomerId(i));
                    cmd.Parameters[0].Value = id;
                    cmd.Parameters[1].Value = $"Customer {i}";
                    cmd.Parameters[2].Value = tiers[rnd.Next(tiers.Length)];
                    cmd.Parameters[3].Value = (Now - TimeSpan.FromDays(rnd.Next(1, 1000))).UtcTicks;
                    await cmd.ExecuteNonQueryAsync();
                    phone.Parameters[0].Value = Text(IdFrom(2, i));
                    phone.Parameters[1].Value = id;
                    phone.Parameters[2].Value = PhoneOf(i);
                    await phone.ExecuteNonQueryAsync();
                }
            }
            await using (var cmd = Prepare(connection, tx,
                "INSERT INTO Interactions (CallId, CustomerId, Caller, Did, StartedAt, ReceivedAt, QueuedAt, AnsweredAt, EndedAt, IvrPath, Queue, QueueRank, AgentId, AgentRank, Outcome, EndedBy, WaitSeconds, TalkSeconds, Disposition, Notes, Version) " +
                "VALUES ($id, $c, $caller, '+442079460999', $t, $t, $q, $a, $e, 'main>1>support', $queue, 4, $agent, 4, $outcome, 'Caller', $wait, $talk, $disp, $notes, $v)",
                "$id", "$c", "$caller", "$t", "$q", "$a", "$e", "$queue", "$agent", "$outcome", "$wait", "$talk", "$disp", "$notes", "$v"))
            {
                string[] agents = ["alice", "bob", "carol"];
                for (var n = 0; n < interactions; n++)
                {
                    var customer = rnd.Next(customers);
                    var start = Now - TimeSpan.FromSeconds(rnd.Next(60, 3 * 365 * 86400));
                    var queued = start + TimeSpan.FromSeconds(20);
                    var answered = rnd.Next(10) < 8;
                    var wait = rnd.Next(5, 300);
                    var talk = rnd.Next(30, 900);
                    var p = cmd.Parameters;
                    p[0].Value = Text(IdFrom(3, n));
                    p[1].Value = Text(CustomerId(customer));
                    p[2].Value = PhoneOf(customer);
                    p[3].Value = start.UtcTicks;
                    p[4].Value = queued.UtcTicks;
                    p[5].Value = answered ? (queued + TimeSpan.FromSeconds(wait)).UtcTicks : DBNull.Value;
                    p[6].Value = (queued + TimeSpan.FromSeconds(wait + (answered ? talk : 0))).UtcTicks;
                    p[7].Value = rnd.Next(2) == 0 ? "support" : "billing";
                    p[8].Value = answered ? agents[rnd.Next(3)] : DBNull.Value;
                    p[9].Value = answered ? "Answered" : "Abandoned";
                    p[10].Value = wait;
                    p[11].Value = answered ? talk : DBNull.Value;
                    p[12].Value = answered ? "resolved" : DBNull.Value;
                    p[13].Value = answered ? "Customer asked about the bill." : DBNull.Value;
                    p[14].Value = version;
                    await cmd.ExecuteNonQueryAsync();
                }
            }
            await using (var cmd = Prepare(connection, tx,
                "INSERT INTO ServiceCases (Id, Number, CustomerId, Subject, Description, Status, Priority, OwnerAgentId, SlaDueAt, OpenedAt, UpdatedAt, Version) " +
                "VALUES ($id, $n, $c, 'Billing question', 'Reported by phone.', $s, $p, $o, $due, $t, $t, $v)",
                "$id", "$n", "$c", "$s", "$p", "$o", "$due", "$t", "$v"))
            {
                string[] statuses = ["Open", "Pending", "Resolved", "Closed", "Closed", "Closed"];
                for (var n = 0; n < cases; n++)
                {
                    var opened = Now - TimeSpan.FromHours(rnd.Next(1, 24 * 365));
                    var p = cmd.Parameters;
                    p[0].Value = Text(IdFrom(4, n));
                    p[1].Value = n + 1;
                    p[2].Value = Text(CustomerId(rnd.Next(customers)));
                    p[3].Value = statuses[rnd.Next(statuses.Length)];
                    p[4].Value = rnd.Next(4);
                    p[5].Value = rnd.Next(2) == 0 ? "alice" : "bob";
                    p[6].Value = (opened + TimeSpan.FromDays(3)).UtcTicks;
                    p[7].Value = opened.UtcTicks;
                    p[8].Value = version;
                    await cmd.ExecuteNonQueryAsync();
                }
            }
            await tx.CommitAsync();
        }
        await Exec(connection, "ANALYZE;");
        await File.WriteAllTextAsync(marker, "ok");
        Console.WriteLine($"Generated {customers:N0} customers, {interactions:N0} interactions, {cases:N0} cases in {clock.Elapsed.TotalSeconds:F1} s");
        return connectionString;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] names)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var name in names)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        cmd.Prepare();
        return cmd;
    }

    private static async Task Exec(SqliteConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
