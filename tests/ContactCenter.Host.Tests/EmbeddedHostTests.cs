using System.Net;

namespace ContactCenter.Host.Tests;

/// <summary>The embedded default as a newcomer runs it: all modules, in-memory bus, SQLite.</summary>
public sealed class EmbeddedHostTests
{
    [Fact]
    public async Task Embedded_default_is_ready_serves_metrics_and_stops_gracefully()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        var ready = await client.GetStringAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Contains("\"status\":\"Healthy\"", ready, StringComparison.Ordinal);

        using var metrics = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE ", text, StringComparison.Ordinal);

        // The embedded database and the generated signing key are kept in the data folder.
        Assert.True(File.Exists(Path.Combine(host.DataFolder, "contactcenter.db")));
        Assert.True(File.Exists(Path.Combine(host.DataFolder, "signing.key")));

        var exitCode = await host.StopGracefullyAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", host.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_verb_creates_the_database_and_exits()
    {
        await using var host = HostProcess.Start(args: ["migrate"]);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, host.StandardError + host.StandardOutput);
        Assert.True(File.Exists(Path.Combine(host.DataFolder, "contactcenter.db")));
    }
}
