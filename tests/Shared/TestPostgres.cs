using Npgsql;

namespace ContactCenter.Testing;

/// <summary>
/// A database of its own on the PostgreSQL server that <c>test.sh</c> starts for the run (<c>CC_TEST_POSTGRES</c>, a
/// connection string to a superuser's maintenance database; <c>tests/postgres.sh start</c> gives one for a run of your own).
/// Tests that need it fail when it is missing: never a silent skip. Dropped (with whatever is still connected) on dispose.
/// Linked into each test project that needs it.
/// </summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    private TestPostgres(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name, unique to this test.</summary>
    public string Name { get; }

    /// <summary>The connection string of this test's database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's connection string from <c>CC_TEST_POSTGRES</c>; fails the test when it is not set.</summary>
    public static string Server
    {
        get
        {
            var server = Environment.GetEnvironmentVariable("CC_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(server))
            {
                Assert.Fail("CC_TEST_POSTGRES is not set: run the suite with ./test.sh, which starts a PostgreSQL server for the tests, "
                    + "or start one with `eval \"$(tests/postgres.sh start)\"`.");
            }
            return server;
        }
    }

    /// <summary>
    /// A new database name on the test server; created empty unless <paramref name="create"/> is false (then the first
    /// migration creates it, as on a fresh server).
    /// </summary>
    public static async Task<TestPostgres> CreateAsync(bool create = true)
    {
        var name = "cc_test_" + Guid.NewGuid().ToString("N");
        var builder = new NpgsqlConnectionStringBuilder(Server) { Database = name };
        var database = new TestPostgres(name, builder.ConnectionString);
        if (create)
        {
            await OnServerAsync($"CREATE DATABASE \"{name}\"");
        }
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }
        // FORCE: connections still open (a pool of a provider not disposed yet) are ended rather than failing the drop.
        await OnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    private static async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
