using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>
/// One routing process as a host would compose it (AddRouting, its hosted service, optionally a bus), with its own service
/// provider: two of them on one database file act as two hosts. Started and stopped like a host starts and stops its services.
/// </summary>
internal sealed class RoutingInstance : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _hosted;
    private bool _stopped;

    private RoutingInstance(ServiceProvider provider)
    {
        _provider = provider;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Partitions = provider.GetRequiredService<RoutingPartitions>();
    }

    public RoutingPartitions Partitions { get; }

    public IServiceProvider Services => _provider;

    public RoutingPartition Default => Partitions["default"]!;

    public static async Task<RoutingInstance> StartAsync(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, Action<IServiceCollection>? bus = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(b =>
        {
            if (Environment.GetEnvironmentVariable("CC_TEST_LOG") is { Length: > 0 })
            {
                b.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ");
            }
        });
        if (time is not null)
        {
            services.AddSingleton(time);
        }
        services.AddRouting(configuration);
        bus?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.MigrateRoutingDatabaseAsync(CancellationToken.None);
        var instance = new RoutingInstance(provider);
        foreach (var hosted in instance._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }
        return instance;
    }

    /// <summary>Settings of a routing process whose journal, snapshot and lease are in the SQLite file <paramref name="database"/>.</summary>
    public static Dictionary<string, string?> DatabaseSettings(string database, string? queuesFile = null) =>
        ProviderDatabaseSettings("Sqlite", $"Data Source={database}", queuesFile);

    /// <summary>Settings of a routing process whose journal, snapshot and lease are in the database of the provider.</summary>
    public static Dictionary<string, string?> ProviderDatabaseSettings(string provider, string connectionString, string? queuesFile = null) => new()
    {
        ["Routing:QueuesFile"] = queuesFile ?? RoutingServiceFixture.QueuesFile(),
        ["Routing:JournalStore"] = "Database",
        ["Database:Provider"] = provider,
        ["ConnectionStrings:Routing"] = connectionString,
        ["Routing:LeaseDuration"] = "00:00:02",
        ["Routing:LeaseRetryInterval"] = "00:00:00.100",
        ["Routing:ProfileRequestTimeout"] = "00:00:02",
    };

    /// <summary>Hands an input to the partition as a message of the bus would (waits, up to 10 s, while the partition is not active here).</summary>
    public static async Task Submit(RoutingPartition partition, EngineInput input)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await partition.Submit(input, patience.Token);
    }

    public static Task<T> Query<T>(RoutingPartition partition, Func<RoutingEngine, T> query) =>
        (partition.Actor ?? throw new InvalidOperationException($"partition {partition.Name} is not active")).Query(query);

    /// <summary>Stops the host's services (a graceful stop: a partition's lease is released).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        for (var i = _hosted.Count - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _provider.DisposeAsync();
    }

    public static QueueCall Call(Guid id, string queue, DateTimeOffset queuedAt) =>
        new(id, queue, "+442071234567", "gw-a", "main>1", [], 0, CustomerTier.Standard, null, null, false, queuedAt);
}
