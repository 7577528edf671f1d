namespace ContactCenter.Host.Tests;

/// <summary>A bad setting stops start-up with a non-zero exit and one line naming the key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Bus__Transport", "Bogus", "Bus:Transport")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Services", "Telephony,Billing", "Services")]
    [InlineData("Bus__RabbitMq__Port", "99999", "Bus:RabbitMq:Port")]
    [InlineData("ConnectionStrings__ContactCenter", "Data Sorce=x.db", "ConnectionStrings:ContactCenter")]
    [InlineData("ConnectionStrings__ContactCenter", "", "ConnectionStrings:ContactCenter")]
    [InlineData("Auth__SigningKey", "too-short", "Auth:SigningKey")]
    [InlineData("Routing__JournalStore", "Redis", "Routing:JournalStore")]
    [InlineData("Routing__Partitions", "north", "Routing:Partitions")]
    [InlineData("Telephony__Voicemail__MaxLength", "00:20:00", "Telephony:Voicemail:MaxLength")]
    [InlineData("Telephony__Voicemail__SilenceThresholdDbfs", "0", "Telephony:Voicemail:SilenceThresholdDbfs")]
    [InlineData("Crm__VoicemailPath", " ", "Crm:VoicemailPath")]
    [InlineData("Telephony__WebSocket__AllowedOrigins__0", "desk.example.com", "Telephony:WebSocket:AllowedOrigins:0")]
    [InlineData("Telephony__WebSocket__KeepAliveInterval", "00:00:00", "Telephony:WebSocket:KeepAliveInterval")]
    [InlineData("Monitoring__Token", "short-token", "Monitoring:Token")]
    [InlineData("Monitoring__AllowedNetworks", "10.0.0.0/8,intranet", "Monitoring:AllowedNetworks")]
    [InlineData("Web__TrustedProxies", "10.0.0.300", "Web:TrustedProxies")]
    [InlineData("Auth__MinimumPasswordLength", "4", "Auth:MinimumPasswordLength")]
    [InlineData("Auth__LockoutFailures", "0", "Auth:LockoutFailures")]
    [InlineData("Auth__SignInPermitsPerAddress", "0", "Auth:SignInPermitsPerAddress")]
    public async Task Bad_setting_exits_non_zero_with_one_line_naming_the_key(string variable, string value, string key)
    {
        await using var host = HostProcess.Start(new Dictionary<string, string> { [variable] = value });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var lines = host.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PostgreSql", "Hots=db;Database=contactcenter", "ConnectionStrings:ContactCenter")]
    [InlineData("PostgreSql", "Database=contactcenter;Username=cc", "ConnectionStrings:ContactCenter")]
    [InlineData("postgresql", "Host=db;Database=contactcenter;Colour=blue", "ConnectionStrings:ContactCenter")]
    public async Task Bad_postgresql_connection_string_exits_non_zero_with_one_line_naming_the_key(string provider, string connectionString, string key)
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Database__Provider"] = provider,
            ["ConnectionStrings__ContactCenter"] = connectionString,
            ["Auth__SigningKey"] = new string('k', 40),
        });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(host.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_routing_connection_string_exits_non_zero_with_one_line_naming_its_key()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Routing__JournalStore"] = "Database",
            ["ConnectionStrings__Routing"] = "Colour=blue",
        });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(host.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Routing", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_that_cannot_be_opened_exits_non_zero_naming_the_connection_string()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__ContactCenter"] = "Data Source=/proc/no-such-folder/contactcenter.db",
            ["Auth__SigningKey"] = new string('k', 40),
        });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(host.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("ConnectionStrings:ContactCenter", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_server_without_a_signing_key_is_refused()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Database__Provider"] = "SqlServer",
            ["ConnectionStrings__ContactCenter"] = "Server=127.0.0.1,1;Database=ContactCenter;User Id=sa;Password=x;TrustServerCertificate=True",
        });

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Auth:SigningKey", host.StandardError, StringComparison.Ordinal);
    }
}
