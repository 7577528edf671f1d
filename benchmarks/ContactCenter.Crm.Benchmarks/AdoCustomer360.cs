using ContactCenter.Crm.Customers;
using Microsoft.Data.Sqlite;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>The baseline: the same customer-360 by phone as one hand-written SQL round trip (four result sets).</summary>
internal sealed class AdoCustomer360 : IDisposable
{
    private const string Sql = """
        SELECT c.Id, c.Name, c.Tier, c.Language, c.Email, c.PreferredContact, c.DoNotCall, c.Notes, c.CreatedAt,
               (SELECT COUNT(*) FROM Interactions i WHERE i.CustomerId = c.Id AND i.CallId <> $exclude),
               (SELECT MAX(i.StartedAt) FROM Interactions i WHERE i.CustomerId = c.Id AND i.CallId <> $exclude),
               (SELECT COUNT(*) FROM ServiceCases k WHERE k.CustomerId = c.Id AND k.Status IN ('Open', 'Pending') AND k.SlaDueAt < $now)
        FROM CustomerPhones p JOIN Customers c ON c.Id = p.CustomerId WHERE p.E164 = $phone;
        SELECT x.E164 FROM CustomerPhones x
        WHERE x.CustomerId = (SELECT CustomerId FROM CustomerPhones WHERE E164 = $phone) ORDER BY x.E164;
        SELECT k.Id, k.Number, k.CustomerId, k.Subject, k.Description, k.Status, k.Priority, k.OwnerAgentId, k.SlaDueAt, k.OpenedAt, k.UpdatedAt, k.ResolvedAt, k.ClosedAt
        FROM ServiceCases k
        WHERE k.CustomerId = (SELECT CustomerId FROM CustomerPhones WHERE E164 = $phone) AND k.Status IN ('Open', 'Pending')
        ORDER BY k.Priority DESC, k.SlaDueAt IS NULL, k.SlaDueAt, k.OpenedAt;
        SELECT i.CallId, i.StartedAt, i.Caller, i.Did, i.IvrPath, i.Queue, i.AgentId, i.Outcome, i.AnsweredAt, i.EndedAt,
               i.WaitSeconds, i.TalkSeconds, i.WrapUpSeconds, i.Disposition, i.Notes, i.CaseId, i.RecordingPath
        FROM Interactions i
        WHERE i.CustomerId = (SELECT CustomerId FROM CustomerPhones WHERE E164 = $phone) AND i.CallId <> $exclude
        ORDER BY i.StartedAt DESC LIMIT $take;
        """;

    /// <summary>The baseline's statements one by one (for <c>explain</c>).</summary>
    public static IEnumerable<string> Statements =>
        Sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private readonly SqliteConnection connection;
    private readonly SqliteCommand command;

    private readonly bool reuseCommand;

    /// <param name="connectionString">The database.</param>
    /// <param name="take">How many recent interactions.</param>
    /// <param name="reuseCommand">
    /// True: one command prepared once and reused (SQLite compiles the SQL once: the strictest baseline).
    /// False: a new command per lookup on the open connection, as an app serving concurrent requests
    /// from a connection pool writes it (SQLite compiles the SQL on every lookup, as it does for EF).
    /// </param>
    public AdoCustomer360(string connectionString, int take, bool reuseCommand = true)
    {
        this.reuseCommand = reuseCommand;
        connection = new SqliteConnection(connectionString);
        connection.Open();
        command = NewCommand(take);
        if (reuseCommand)
        {
            command.Prepare();
        }
    }

    private SqliteCommand NewCommand(int take)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        cmd.Parameters.Add(new SqliteParameter("$phone", ""));
        cmd.Parameters.Add(new SqliteParameter("$exclude", Guid.Empty.ToString().ToUpperInvariant()));
        cmd.Parameters.Add(new SqliteParameter("$now", 0L));
        cmd.Parameters.Add(new SqliteParameter("$take", take));
        return cmd;
    }

    public async Task<Customer360?> ByPhoneAsync(string e164, DateTimeOffset now)
    {
        var cmd = reuseCommand ? command : NewCommand((int)command.Parameters[3].Value!);
        try
        {
            return await ReadAsync(cmd, e164, now);
        }
        finally
        {
            if (!reuseCommand)
            {
                await cmd.DisposeAsync();
            }
        }
    }

    private static async Task<Customer360?> ReadAsync(SqliteCommand command, string e164, DateTimeOffset now)
    {
        command.Parameters[0].Value = e164;
        command.Parameters[2].Value = now.UtcTicks;
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        var id = Guid.Parse(reader.GetString(0));
        var name = reader.GetString(1);
        var tier = reader.GetString(2).ToLowerInvariant();
        var language = reader.IsDBNull(3) ? null : reader.GetString(3);
        var email = reader.IsDBNull(4) ? null : reader.GetString(4);
        var preferred = reader.GetString(5).ToLowerInvariant();
        var dnc = reader.GetBoolean(6);
        var notes = reader.IsDBNull(7) ? null : reader.GetString(7);
        var created = Ticks(reader.GetInt64(8));
        var total = reader.GetInt32(9);
        DateTimeOffset? last = reader.IsDBNull(10) ? null : Ticks(reader.GetInt64(10));
        var breaching = reader.GetInt32(11);

        await reader.NextResultAsync();
        var phones = new List<string>();
        while (await reader.ReadAsync())
        {
            phones.Add(reader.GetString(0));
        }
        await reader.NextResultAsync();
        var cases = new List<CaseView>();
        while (await reader.ReadAsync())
        {
            var status = reader.GetString(5).ToLowerInvariant();
            DateTimeOffset? due = reader.IsDBNull(8) ? null : Ticks(reader.GetInt64(8));
            cases.Add(new CaseView(
                Guid.Parse(reader.GetString(0)), $"CS-{reader.GetInt32(1):000000}", Guid.Parse(reader.GetString(2)), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), status, PriorityName(reader.GetInt32(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7), due, due < now, Ticks(reader.GetInt64(9)), Ticks(reader.GetInt64(10)),
                reader.IsDBNull(11) ? null : Ticks(reader.GetInt64(11)), reader.IsDBNull(12) ? null : Ticks(reader.GetInt64(12))));
        }
        await reader.NextResultAsync();
        var recent = new List<InteractionView>();
        while (await reader.ReadAsync())
        {
            recent.Add(new InteractionView(
                Guid.Parse(reader.GetString(0)), Ticks(reader.GetInt64(1)), Str(reader, 2), Str(reader, 3), Str(reader, 4), Str(reader, 5),
                Str(reader, 6), Str(reader, 7)?.ToLowerInvariant(), reader.IsDBNull(8) ? null : Ticks(reader.GetInt64(8)),
                reader.IsDBNull(9) ? null : Ticks(reader.GetInt64(9)), Int(reader, 10), Int(reader, 11), Int(reader, 12),
                Str(reader, 13), Str(reader, 14), reader.IsDBNull(15) ? null : Guid.Parse(reader.GetString(15)), Str(reader, 16),
                null, null, null, null)); // voicemail columns: not part of this benchmark's query
        }
        return new Customer360(
            new CustomerView(id, name, tier, language, email, preferred, dnc, notes, phones, created),
            cases, recent, new Customer360Totals(total, last, cases.Count, breaching));
    }

    private static string PriorityName(int p) => p switch { 0 => "low", 1 => "normal", 2 => "high", _ => "urgent" };

    private static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    public void Dispose()
    {
        command.Dispose();
        connection.Dispose();
    }
}
