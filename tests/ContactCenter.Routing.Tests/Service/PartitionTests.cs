using ContactCenter.Contracts;
using ContactCenter.Routing.Service;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>The directory as the CRM answers it, with the profiles a test chose.</summary>
public sealed class TestDirectory
{
    public IReadOnlyList<AgentProfile> Profiles { get; set; } = [];
}

public sealed class TestDirectoryConsumer(TestDirectory directory) : IConsumer<GetAgentProfiles>
{
    public Task Consume(ConsumeContext<GetAgentProfiles> context) =>
        context.RespondAsync(new AgentProfiles { Profiles = directory.Profiles, OccurredAt = context.Message.OccurredAt });
}

/// <summary>Every AgentStateChanged seen on the bus (the harness's synchronous lists wait for an inactivity a live routing never has).</summary>
public sealed class AgentStateLog
{
    public System.Collections.Concurrent.ConcurrentQueue<AgentStateChanged> Received { get; } = new();
}

public sealed class AgentStateRecorder(AgentStateLog log) : IConsumer<AgentStateChanged>
{
    public Task Consume(ConsumeContext<AgentStateChanged> context)
    {
        log.Received.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Two partitions of queues in one process, on the bus (MassTransit's in-memory test harness): each has its engine, journal and
/// endpoint; every routing message is published to both endpoints and each keeps what is its own.
/// </summary>
public sealed class PartitionTests : IDisposable
{
    private const string Queues = """
        queues:
          - name: sales
            partition: east
            skills:
              - { skill: sales, level: 1 }
          - name: support
            partition: west
            skills:
              - { skill: support, level: 1 }
        """;

    private static readonly AgentProfile[] Profiles =
    [
        // alice serves both queues: owned by east (sales comes first in queues.yaml), so support calls are never offered to her.
        new() { AgentId = "alice", DisplayName = "Alice", Role = PersonRole.Agent, Skills = [new() { Skill = "sales", Level = 5 }, new() { Skill = "support", Level = 5 }], Queues = ["sales", "support"] },
        new() { AgentId = "bob", DisplayName = "Bob", Role = PersonRole.Agent, Skills = [new() { Skill = "support", Level = 3 }], Queues = ["support"] },
        new() { AgentId = "carol", DisplayName = "Carol", Role = PersonRole.Agent, Skills = [new() { Skill = "sales", Level = 2 }], Queues = ["sales"] },
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("cc-routing-partitions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Each_partition_routes_its_own_queues_and_agents_and_an_agent_is_never_reserved_by_two_engines()
    {
        var queuesFile = Path.Combine(_folder, "queues.yaml");
        await File.WriteAllTextAsync(queuesFile, Queues);
        var directory = new TestDirectory { Profiles = Profiles };
        await using var instance = await RoutingInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Routing:QueuesFile"] = queuesFile,
            ["Routing:JournalPath"] = Path.Combine(_folder, "data", "routing-journal.jsonl"),
            ["Routing:ProfileRequestTimeout"] = "00:00:02",
        }, bus: services =>
        {
            services.AddSingleton(directory);
            services.AddSingleton<StatisticsLog>();
            services.AddSingleton<AgentStateLog>();
            services.AddMassTransitTestHarness(bus =>
            {
                bus.AddRoutingConsumers();
                bus.AddConsumer<TestDirectoryConsumer>();
                bus.AddConsumer<StatisticsRecorder>();
                bus.AddConsumer<AgentStateRecorder>();
                bus.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(30), testInactivityTimeout: TimeSpan.FromSeconds(3));
            });
        });
        var harness = instance.Services.GetRequiredService<ITestHarness>();
        await harness.Start();
        var east = instance.Partitions["east"]!;
        var west = instance.Partitions["west"]!;
        await Task.WhenAll(east.FirstActive, west.FirstActive).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["routing-east", "routing-west"], instance.Partitions.All.Select(p => p.EndpointName));
        // Each partition has its own journal file beside Routing:JournalPath.
        Assert.True(File.Exists(Path.Combine(_folder, "data", "routing-journal-east.jsonl")));
        Assert.True(File.Exists(Path.Combine(_folder, "data", "routing-journal-west.jsonl")));

        await Until(east, e => e.AgentSnapshots().Count == 2);
        await Until(west, e => e.AgentSnapshots().Count == 1);
        Assert.Equal(["alice", "carol"], (await RoutingInstance.Query(east, e => e.AgentSnapshots())).Select(a => a.AgentId).Order());
        Assert.False(await RoutingInstance.Query(west, e => e.KnowsAgent("alice")));

        var now = TimeProvider.System.GetUtcNow();
        foreach (var agent in new[] { "alice", "bob", "carol" })
        {
            await harness.Bus.Publish(new SetAgentState { AgentId = agent, State = AgentState.Available, RequestedBy = agent, OccurredAt = now });
        }
        await Until(east, e => e.Agent("alice")!.State == AgentState.Available && e.Agent("carol")!.State == AgentState.Available);
        await Until(west, e => e.Agent("bob")!.State == AgentState.Available);

        // A support call goes to west only: bob takes it.
        var support1 = Guid.NewGuid();
        await harness.Bus.Publish(Queued(support1, "support"));
        Assert.True(await harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == support1 && m.Context.Message.AgentId == "bob"));
        Assert.False(await RoutingInstance.Query(east, e => e.KnowsCall(support1)));
        await harness.Bus.Publish(new CallConnected { CallId = support1, AgentId = "bob", Queue = "support", OccurredAt = TimeProvider.System.GetUtcNow() });
        await Until(west, e => e.Agent("bob")!.State == AgentState.OnCall);

        // A second support call waits in west although alice (support 5) is available: she belongs to east.
        var support2 = Guid.NewGuid();
        await harness.Bus.Publish(Queued(support2, "support"));
        await Until(west, e => e.QueueSnapshots()[0].Waiting.Count == 1);
        await Task.Delay(300);
        Assert.Equal(AgentState.Available, (await RoutingInstance.Query(east, e => e.Agent("alice")))!.State);
        Assert.Equal(support2, Assert.Single(await RoutingInstance.Query(west, e => e.QueueSnapshots()[0].Waiting)).CallId);

        // A sales call goes to east only: alice (sales 5) takes it.
        var sales = Guid.NewGuid();
        await harness.Bus.Publish(Queued(sales, "sales"));
        Assert.True(await harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == sales && m.Context.Message.AgentId == "alice"));
        Assert.False(await RoutingInstance.Query(west, e => e.KnowsCall(sales)));
        await harness.Bus.Publish(new CallConnected { CallId = sales, AgentId = "alice", Queue = "sales", OccurredAt = TimeProvider.System.GetUtcNow() });
        // The endpoint consumes concurrently: let the answer land before the hang-up.
        await Until(east, e => e.Agent("alice")!.State == AgentState.OnCall);
        await harness.Bus.Publish(new CallEnded { CallId = sales, AgentId = "alice", Queue = "sales", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "bye", OccurredAt = TimeProvider.System.GetUtcNow() });
        await Until(east, e => e.Agent("alice")!.State == AgentState.WrapUp);
        await harness.Bus.Publish(new CompleteWrapUp { CallId = sales, AgentId = "alice", Disposition = "sold", OccurredAt = TimeProvider.System.GetUtcNow() });
        await Until(east, e => e.Agent("alice")!.State == AgentState.Available);
        // West left out everything about east's call and agent: nothing of it in its journal.
        Assert.DoesNotContain(sales.ToString(), await File.ReadAllTextAsync(Path.Combine(_folder, "data", "routing-journal-west.jsonl")), StringComparison.Ordinal);

        // alice's state changes come from east only: each once.
        var states = instance.Services.GetRequiredService<AgentStateLog>().Received;
        Assert.Single(states, m => m.AgentId == "alice" && m.State == AgentState.WrapUp);
        Assert.Single(states, m => m.AgentId == "alice" && m.State == AgentState.OnCall);
        // Figures for both partitions' queues reach the board, each partition's overall row under its own name.
        var figures = instance.Services.GetRequiredService<StatisticsLog>().Received.Select(r => r.Message.Queue).ToHashSet();
        Assert.Subset(figures, new HashSet<string> { "sales", "support", "*east", "*west" });
        Assert.DoesNotContain("*", figures);

        // alice now serves support only: east logs her out, west owns her; once available there she takes the waiting call.
        await harness.Bus.Publish(new AgentProfileChanged { AgentId = "alice", Profile = Profiles[0] with { Queues = ["support"] }, OccurredAt = TimeProvider.System.GetUtcNow() });
        await Until(east, e => e.Agent("alice")!.State == AgentState.LoggedOut);
        await Until(west, e => e.KnowsAgent("alice"));
        await harness.Bus.Publish(new SetAgentState { AgentId = "alice", State = AgentState.Available, RequestedBy = "alice", OccurredAt = TimeProvider.System.GetUtcNow() });
        Assert.True(await harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == support2 && m.Context.Message.AgentId == "alice"));
        Assert.Equal(AgentState.LoggedOut, (await RoutingInstance.Query(east, e => e.Agent("alice")))!.State);

        // bob blind-transfers his support call to the sales queue: his part ends in west (wrap-up), east queues it and carol takes it.
        await harness.Bus.Publish(new CallTransferred
        {
            CallId = support1, AgentId = "bob", Queue = "sales", Caller = "+442071234567", GatewayId = "gw-a", IvrPath = "main>1>transfer>sales",
            OccurredAt = TimeProvider.System.GetUtcNow(),
        });
        Assert.True(await harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == support1 && m.Context.Message.AgentId == "carol"));
        await Until(west, e => e.Agent("bob")!.State == AgentState.WrapUp && !e.KnowsCall(support1));
        Assert.Equal(support1, (await RoutingInstance.Query(east, e => e.Agent("carol")))!.CallId);
        Assert.Empty(await RoutingInstance.Query(east, e => e.CheckInvariants()));
        Assert.Empty(await RoutingInstance.Query(west, e => e.CheckInvariants()));
        await harness.Stop();
    }

    [Fact]
    public void A_process_may_serve_some_partitions_and_an_unknown_one_stops_start_up_naming_the_key()
    {
        var queuesFile = Path.Combine(_folder, "queues.yaml");
        File.WriteAllText(queuesFile, Queues);
        var ok = Options(queuesFile, "west");
        Assert.Equal(["west"], ok.ServedPartitions(QueueConfigLoader.LoadFile(queuesFile)));
        var error = Assert.Throws<OptionsValidationException>(() => Options(queuesFile, "west,north"));
        Assert.Contains($"Routing:Partitions: 'north' is not a partition of {queuesFile} (its partitions: east, west)", error.Message, StringComparison.Ordinal);
        var store = Assert.Throws<OptionsValidationException>(() => Options(queuesFile, null, ("Routing:JournalStore", "Redis")));
        Assert.Contains("Routing:JournalStore: 'Redis' is not File or Database", store.Message, StringComparison.Ordinal);
        var lease = Assert.Throws<OptionsValidationException>(() => Options(queuesFile, null, ("Routing:JournalStore", "Database"), ("Routing:LeaseRetryInterval", "00:00:05")));
        Assert.Contains("Routing:LeaseRetryInterval: must be shorter than Routing:LeaseDuration", lease.Message, StringComparison.Ordinal);
    }

    private static RoutingOptions Options(string queuesFile, string? partitions, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Routing:QueuesFile"] = queuesFile, ["Routing:Partitions"] = partitions };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddRouting(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<RoutingOptions>>().Value;
    }

    private static CallQueued Queued(Guid id, string queue) => new()
    {
        CallId = id, Queue = queue, Caller = "+442071234567", GatewayId = "gw-a", IvrPath = "main>1",
        QueuedAt = TimeProvider.System.GetUtcNow(), OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    private static async Task Until(RoutingPartition partition, Func<ContactCenter.Routing.Engine.RoutingEngine, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await RoutingInstance.Query(partition, condition))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"condition on partition {partition.Name} not reached in time");
            await Task.Delay(20);
        }
    }
}
