using ContactCenter.Contracts;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Routing.Tests.Service;

public class ConsumerTests
{
    private static CallQueued Queued(Guid id, string queue = "support", DateTimeOffset? at = null) => new()
    {
        CallId = id,
        Queue = queue,
        Caller = "+442071234567",
        GatewayId = "gw-a",
        IvrPath = "main>1>" + queue,
        QueuedAt = at ?? TimeProvider.System.GetUtcNow(),
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    private static SetAgentState Ready(string agent) => new()
    {
        AgentId = agent,
        State = AgentState.Available,
        RequestedBy = agent,
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    [Fact]
    public async Task Queued_call_reserves_an_agent_and_tells_the_gateway_to_ring_them()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            await f.Publish(Ready("alice"));
            var call = Guid.NewGuid();
            await f.Publish(Queued(call));

            Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == call && m.Context.Message.AgentId == "alice"));
            Assert.True(await f.Harness.Sent.Any<ConnectCallToAgent>(m =>
                m.Context.Message.CallId == call && m.Context.DestinationAddress!.AbsolutePath.EndsWith("telephony-gw-a", StringComparison.Ordinal)
                && m.Context.Message.RingTimeout == TimeSpan.FromSeconds(15) && m.Context.Message.Record));
            Assert.True(await f.Harness.Published.Any<AgentStateChanged>(m => m.Context.Message.AgentId == "alice" && m.Context.Message.State == AgentState.Reserved));
            Assert.True(await f.Harness.Published.Any<QueueStatistics>(m => m.Context.Message.Queue == "support" && m.Context.Message.Offered == 1));
            var reserved = f.Harness.Published.Select<AgentReserved>().First().Context.Message;
            Assert.Contains("best support proficiency (5)", reserved.Reason, StringComparison.Ordinal);
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task A_call_through_its_whole_life_leaves_the_agent_available_again()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            await f.Publish(Ready("carol"));
            var call = Guid.NewGuid();
            await f.Publish(Queued(call, "billing"));
            Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == call));
            var now = TimeProvider.System.GetUtcNow();
            await f.Publish(new CallConnected { CallId = call, AgentId = "carol", Queue = "billing", OccurredAt = now });
            await f.Until(e => e.Agent("carol")!.State == AgentState.OnCall);
            await f.Publish(new CallEnded { CallId = call, AgentId = "carol", Queue = "billing", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE", OccurredAt = now });
            await f.Until(e => e.Agent("carol")!.State == AgentState.WrapUp);
            await f.Publish(new CompleteWrapUp { CallId = call, AgentId = "carol", Disposition = "resolved", OccurredAt = now });
            await f.Until(e => e.Agent("carol")!.State == AgentState.Available);
            Assert.True(await f.Harness.Consumed.Any<CompleteWrapUp>());
            await f.Until(e => e.Statistics(1).Answered == 1);
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task Queue_statistics_are_coalesced_to_at_most_four_per_second_per_queue()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            var log = f.Provider.GetRequiredService<StatisticsLog>();
            var calls = new List<Guid>();
            for (var i = 0; i < 60; i++)
            {
                var call = Guid.NewGuid();
                calls.Add(call);
                await f.Publish(Queued(call, "billing"));
            }
            await f.Until(e => e.Statistics(1).Offered == 60);
            var full = f.Harness.Sent.Select<DivertQueuedCall>(m => m.Context.Message.Action == DivertAction.QueueFull).Take(10).ToList();
            Assert.Equal(10, full.Count);
            Assert.All(full, m => Assert.EndsWith("telephony-gw-a", m.Context.DestinationAddress!.AbsolutePath, StringComparison.Ordinal));
            await Task.Delay(1500);
            var billing = log.Received.Where(r => r.Message.Queue == "billing").ToList();
            Assert.NotEmpty(billing);
            // Within any one second, at most 4 (one per 250 ms tick) plus one for a tick boundary.
            foreach (var (at, _) in billing)
            {
                var inWindow = billing.Count(b => b.At >= at && b.At < at + TimeSpan.FromSeconds(1));
                Assert.True(inWindow <= 5, $"{inWindow} QueueStatistics for billing within one second");
            }
            var last = billing[^1].Message;
            Assert.Equal(50, last.Waiting);
            Assert.Equal(60, last.Offered);
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task Redelivered_call_queued_reserves_only_once()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            await f.Publish(Ready("alice"));
            await f.Publish(Ready("bob"));
            var call = Guid.NewGuid();
            var message = Queued(call);
            await f.Publish(message);
            await f.Publish(message);
            Assert.True(await f.Harness.Consumed.Any<CallQueued>(m => m.Context.Message.CallId == call));
            await f.Until(e => e.QueueSnapshots()[0].Waiting.Count == 0);
            await f.Publish(new CallerIdentified { CallId = call, Tier = CustomerTier.Gold, OccurredAt = TimeProvider.System.GetUtcNow() });
            await f.Until(e => e.DecisionsFor(call) is { Count: 1 });
            await Task.Delay(200);
            Assert.Single(f.Harness.Published.Select<AgentReserved>(m => m.Context.Message.CallId == call));
            Assert.Equal(AgentState.Available, await f.Actor.Query(e => e.Agent("bob")!.State));
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task No_answer_from_the_gateway_requeues_and_the_profile_change_is_followed()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            await f.Publish(Ready("alice"));
            var call = Guid.NewGuid();
            await f.Publish(Queued(call));
            Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.AgentId == "alice"));
            await f.Publish(new AgentNoAnswer { CallId = call, AgentId = "alice", Reason = "busy", OccurredAt = TimeProvider.System.GetUtcNow() });
            Assert.True(await f.Harness.Published.Any<AgentStateChanged>(m => m.Context.Message.AgentId == "alice" && m.Context.Message.Reason == "missed"));
            await f.Publish(new AgentProfileChanged
            {
                AgentId = "carol",
                Profile = DemoDirectoryConsumer.Profiles[2] with { Skills = [new() { Skill = "support", Level = 4 }], Queues = ["support"] },
                OccurredAt = TimeProvider.System.GetUtcNow(),
            });
            await f.Publish(Ready("carol"));
            Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.AgentId == "carol" && m.Context.Message.CallId == call));
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task The_directorys_phone_kind_goes_to_the_gateway_with_the_ring()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            await f.Publish(new AgentProfileChanged
            {
                AgentId = "bob",
                Profile = DemoDirectoryConsumer.Profiles[1] with { Phone = PhoneKind.Browser },
                OccurredAt = TimeProvider.System.GetUtcNow(),
            });
            await f.Publish(Ready("bob"));
            var call = Guid.NewGuid();
            await f.Publish(Queued(call));
            Assert.True(await f.Harness.Sent.Any<ConnectCallToAgent>(m =>
                m.Context.Message.CallId == call && m.Context.Message.AgentId == "bob" && m.Context.Message.Phone == PhoneKind.Browser));
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task Heartbeat_without_the_call_ends_it_for_routing()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            var call = Guid.NewGuid();
            await f.Publish(Queued(call));
            await f.Until(e => e.QueueSnapshots()[0].Waiting.Count == 1);
            await Task.Delay(1100);
            await f.Publish(new CallHeartbeat { GatewayId = "gw-a", LiveCalls = [], Interval = TimeSpan.FromSeconds(1), OccurredAt = TimeProvider.System.GetUtcNow() });
            await f.Until(e => e.QueueSnapshots()[0].Waiting.Count == 0);
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task The_journal_is_compacted_into_a_snapshot_and_a_restart_resumes_from_it()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-compact-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Routing:CompactAfterEntries"] = "4" };
        var journal = Path.Combine(folder, "data", "routing-journal.jsonl");
        var call = Guid.NewGuid();
        var queuedAt = TimeProvider.System.GetUtcNow().AddSeconds(-42);
        try
        {
            await Task.Run(async () =>
            {
                await using var first = await RoutingServiceFixture.StartAsync(folder, settings: settings);
                await first.Publish(new SetAgentState { AgentId = "bob", State = AgentState.NotReady, Reason = "training", RequestedBy = "sup", OccurredAt = queuedAt });
                await first.Publish(Queued(call, "support", queuedAt));
                await first.Until(e => e.QueueSnapshots()[0].Waiting.Count == 1 && e.Agent("bob")!.State == AgentState.NotReady);
            });
            Assert.True(File.Exists(journal + ".snapshot"));
            var lines = File.ReadAllLines(journal).Length;
            Assert.InRange(lines, 0, 3);
            await using var second = await RoutingServiceFixture.StartAsync(folder, withDirectory: false, settings: settings);
            var w = Assert.Single(await second.Actor.Query(e => e.QueueSnapshots()[0].Waiting));
            Assert.Equal(call, w.CallId);
            Assert.InRange(w.Waited, TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(60));
            Assert.Equal(("training", AgentState.NotReady), await second.Actor.Query(e => (e.Agent("bob")!.Reason, e.Agent("bob")!.State)));
            await second.Publish(Ready("alice"));
            Assert.True(await second.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == call && m.Context.Message.Waited >= TimeSpan.FromSeconds(42)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_resumes_waiting_calls_with_their_original_wait_and_agent_states()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-restart-" + Guid.NewGuid().ToString("N"));
        var call = Guid.NewGuid();
        var queuedAt = TimeProvider.System.GetUtcNow().AddSeconds(-42);
        try
        {
            // The first process lives in its own async flow (MassTransit keeps its log context in an AsyncLocal).
            await Task.Run(async () =>
            {
                await using var first = await RoutingServiceFixture.StartAsync(folder);
                await first.Publish(new SetAgentState { AgentId = "bob", State = AgentState.NotReady, Reason = "training", RequestedBy = "sup", OccurredAt = queuedAt });
                await first.Publish(Queued(call, "support", queuedAt));
                await first.Until(e => e.QueueSnapshots()[0].Waiting.Count == 1 && e.Agent("bob")!.State == AgentState.NotReady);
            });
            var started = System.Diagnostics.Stopwatch.StartNew();
            await using var second = await RoutingServiceFixture.StartAsync(folder, withDirectory: false);
            var waiting = await second.Actor.Query(e => e.QueueSnapshots()[0].Waiting);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"resumed in {started.Elapsed}");
            var w = Assert.Single(waiting);
            Assert.Equal(call, w.CallId);
            Assert.InRange(w.Waited, TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(60));
            Assert.Equal(("training", AgentState.NotReady), await second.Actor.Query(e => (e.Agent("bob")!.Reason, e.Agent("bob")!.State)));
            await second.Publish(Ready("alice"));
            Assert.True(await second.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == call && m.Context.Message.Waited >= TimeSpan.FromSeconds(42)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Routing_keeps_asking_for_profiles_while_the_crm_is_silent_without_blocking_start()
    {
        await using var f = await RoutingServiceFixture.StartAsync(withDirectory: false);
        try
        {
            Assert.Empty(await f.Actor.Query(e => e.AgentSnapshots()));
            Assert.True(await f.Harness.Published.Any<GetAgentProfiles>());
        }
        finally
        {
            f.DeleteFolder();
        }
    }
}
