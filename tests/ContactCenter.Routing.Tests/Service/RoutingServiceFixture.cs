using ContactCenter.Contracts;
using ContactCenter.Routing.Service;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>Answers GetAgentProfiles as the CRM does, with the demo agents (the CRM module itself is not referenced here).</summary>
public sealed class DemoDirectoryConsumer : IConsumer<GetAgentProfiles>
{
    public static readonly AgentProfile[] Profiles =
    [
        new() { AgentId = "alice", DisplayName = "Alice", Role = PersonRole.Agent, Skills = [new() { Skill = "support", Level = 5 }, new() { Skill = "billing", Level = 2 }], Queues = ["support", "billing"] },
        new() { AgentId = "bob", DisplayName = "Bob", Role = PersonRole.Agent, Skills = [new() { Skill = "support", Level = 3 }], Queues = ["support"] },
        new() { AgentId = "carol", DisplayName = "Carol", Role = PersonRole.Agent, Skills = [new() { Skill = "billing", Level = 5 }], Queues = ["billing"] },
    ];

    public Task Consume(ConsumeContext<GetAgentProfiles> context) =>
        context.RespondAsync(new AgentProfiles { Profiles = Profiles, OccurredAt = context.Message.OccurredAt });
}

/// <summary>Every QueueStatistics seen on the bus, with the time it arrived (the harness's lists wait for inactivity, which a live board never has).</summary>
public sealed class StatisticsLog
{
    public System.Collections.Concurrent.ConcurrentQueue<(TimeSpan At, QueueStatistics Message)> Received { get; } = new();
    public System.Diagnostics.Stopwatch Clock { get; } = System.Diagnostics.Stopwatch.StartNew();
}

public sealed class StatisticsRecorder(StatisticsLog log) : IConsumer<QueueStatistics>
{
    public Task Consume(ConsumeContext<QueueStatistics> context)
    {
        log.Received.Enqueue((log.Clock.Elapsed, context.Message));
        return Task.CompletedTask;
    }
}

/// <summary>The routing module on MassTransit's test harness, with a real journal file in a temp folder.</summary>
internal sealed class RoutingServiceFixture : IAsyncDisposable
{
    private RoutingServiceFixture(ServiceProvider provider, string folder)
    {
        Provider = provider;
        Folder = folder;
        Harness = provider.GetRequiredService<ITestHarness>();
        Partitions = provider.GetRequiredService<RoutingPartitions>();
    }

    public ServiceProvider Provider { get; }
    public string Folder { get; }
    public ITestHarness Harness { get; }
    public RoutingPartitions Partitions { get; }

    /// <summary>The default partition's actor of the current term (the shipped queues.yaml has one partition).</summary>
    public RoutingActor Actor => Partitions["default"]?.Actor ?? throw new InvalidOperationException("the default partition is not active");

    public static string QueuesFile()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "ContactCenter.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return Path.Combine(dir!, "telephony-config", "queues.yaml");
    }

    public static IConfiguration Configuration(string folder, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Routing:QueuesFile"] = QueuesFile(),
            ["Routing:JournalPath"] = Path.Combine(folder, "data", "routing-journal.jsonl"),
            ["Routing:ProfileRequestTimeout"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    public static async Task<RoutingServiceFixture> StartAsync(string? folder = null, bool withDirectory = true, IReadOnlyDictionary<string, string?>? settings = null)
    {
        folder ??= Path.Combine(Path.GetTempPath(), "routing-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var configuration = Configuration(folder, settings);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddRouting(configuration);
        services.AddSingleton<StatisticsLog>();
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddRoutingConsumers();
            bus.AddConsumer<StatisticsRecorder>();
            bus.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(30), testInactivityTimeout: TimeSpan.FromSeconds(5));
            if (withDirectory)
            {
                bus.AddConsumer<DemoDirectoryConsumer>();
            }
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var fixture = new RoutingServiceFixture(provider, folder);
        // Starts the bus and every hosted service, RoutingHostedService included (lease, journal replay, endpoint, profile loading).
        await fixture.Harness.Start();
        await Task.WhenAll(fixture.Partitions.All.Select(p => p.FirstActive)).WaitAsync(TimeSpan.FromSeconds(10));
        if (withDirectory)
        {
            await fixture.Until(e => e.AgentSnapshots().Count == 3);
        }
        return fixture;
    }

    /// <summary>Waits (bounded) until a condition on the engine holds.</summary>
    public async Task Until(Func<ContactCenter.Routing.Engine.RoutingEngine, bool> condition, int seconds = 10)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await Actor.Query(condition))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), "condition not reached in time");
            await Task.Delay(20);
        }
    }

    public Task Publish<T>(T message) where T : class => Harness.Bus.Publish(message);

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await Provider.DisposeAsync();
    }

    public void DeleteFolder() => Directory.Delete(Folder, recursive: true);
}
