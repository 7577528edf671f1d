using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContactCenter.Testing;
using Npgsql;

namespace ContactCenter.Host.Tests;

/// <summary>The host on a real PostgreSQL server (the test run's, <c>CC_TEST_POSTGRES</c>), each test on a database of its own.</summary>
public sealed class PostgreSqlHostTests
{
    private static Dictionary<string, string> Settings(TestPostgres database) => new()
    {
        ["Database__Provider"] = "PostgreSql",
        ["ConnectionStrings__ContactCenter"] = database.ConnectionString,
        ["Auth__SigningKey"] = new string('k', 40),
        // Routing keeps its journal, snapshot and lease in the same database, as in production.
        ["Routing__JournalStore"] = "Database",
    };

    [Fact]
    public async Task Embedded_host_on_postgresql_migrates_seeds_the_demo_and_answers_customers_and_readiness()
    {
        await using var database = await TestPostgres.CreateAsync(create: false);
        var settings = Settings(database);
        settings["Database__MigrateOnStart"] = "true";
        settings["Demo__Seed"] = "true";
        await using var host = HostProcess.Start(settings);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        var ready = await client.GetStringAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Contains("\"status\":\"Healthy\"", ready, StringComparison.Ordinal);
        Assert.Contains("crm-database", ready, StringComparison.Ordinal);

        using var tokenResponse = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var page = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?q=lovelace", UriKind.Relative));
        var ada = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("Ada Lovelace", ada.GetProperty("name").GetString());
        Assert.Equal("+442079460018", ada.GetProperty("phones")[0].GetString());
        var all = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?pageSize=100", UriKind.Relative));
        Assert.True(all.GetProperty("total").GetInt32() > 1);

        // The data is in PostgreSQL, and routing holds its lease there.
        Assert.False(File.Exists(Path.Combine(host.DataFolder, "contactcenter.db")));
        Assert.Equal(4L, await ScalarAsync(database, "SELECT count(*) FROM \"People\""));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM \"RoutingLease\" WHERE \"Holder\" IS NOT NULL"));

        Assert.Equal(0, await host.StopGracefullyAsync(TimeSpan.FromSeconds(40)));
    }

    [Fact]
    public async Task Migrate_verb_creates_the_crm_routing_and_reports_tables_in_an_empty_postgresql_database_and_exits()
    {
        await using var database = await TestPostgres.CreateAsync(create: false);
        var settings = Settings(database);
        // As the migrate job of docker/compose.postgres.yaml runs it.
        settings["Services"] = "Crm,Routing,Reporting";
        settings["Database__MigrateOnStart"] = "false";
        settings["Demo__Seed"] = "false";
        await using var host = HostProcess.Start(settings, ["migrate"]);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, host.StandardError + host.StandardOutput);
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM \"Customers\""));
        Assert.True(await ScalarAsync(database, "SELECT count(*) FROM \"__EFMigrationsHistory\"") >= 1);
        Assert.True(await ScalarAsync(database, "SELECT count(*) FROM \"__RoutingMigrationsHistory\"") >= 1);
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM \"RoutingJournal\""));
        Assert.True(await ScalarAsync(database, "SELECT count(*) FROM \"__ReportingMigrationsHistory\"") >= 1);
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM \"ReportEvents\""));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM \"ReportState\""));
    }

    [Fact]
    public async Task An_unreachable_postgresql_server_exits_non_zero_with_one_line_naming_the_connection_string()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSql",
            ["ConnectionStrings__ContactCenter"] = "Host=127.0.0.1;Port=1;Database=contactcenter;Username=cc;Password=x;Timeout=3",
            ["Database__MigrateOnStart"] = "true",
            ["Auth__SigningKey"] = new string('k', 40),
        });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(host.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ConnectionStrings:ContactCenter", line, StringComparison.Ordinal);
        Assert.Contains("PostgreSql", line, StringComparison.Ordinal);
    }

    private static async Task<long> ScalarAsync(TestPostgres database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
