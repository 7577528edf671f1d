using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Routing.Service;
using ContactCenter.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>
/// Split brain on the bus, over a real RabbitMQ broker: the active routing instance loses its broker connection but keeps running
/// (and could keep its lease, since it still reaches the database). It must step down and release the lease so that a standby
/// that reaches the broker takes over; when its connection comes back it stays a standby.
/// </summary>
public sealed class SplitBrainTests : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cc-routing-split-").FullName;
    private readonly string _partition = "ha-" + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask DisposeAsync()
    {
        // The partition's queue is durable and bound to every routing message type: remove it from the shared test broker.
        var uri = TestBroker.Uri();
        var factory = new ConnectionFactory { Uri = uri };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var endpoint = RoutingPartition.EndpointFor(_partition);
            await channel.QueueDeleteAsync(endpoint, ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync(endpoint, ifUnused: false);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_active_instance_cut_off_from_the_broker_steps_down_and_the_standby_takes_over_with_the_state()
    {
        var broker = TestBroker.Uri();
        var (user, password, vhost) = TestBroker.Credentials(broker);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, broker.Port));
        var queues = Path.Combine(_folder, "queues.yaml");
        await File.WriteAllTextAsync(queues, $"queues:\n  - name: support\n    partition: {_partition}\n    skills:\n      - {{ skill: support, level: 1 }}\n");
        var settings = RoutingInstance.DatabaseSettings(Path.Combine(_folder, "routing.db"), queues);
        settings["Routing:BusLossStepDown"] = "00:00:01";

        Action<IServiceCollection> Bus(int port) => services => services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddRoutingConsumers();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(broker.Host, (ushort)port, vhost, h =>
                {
                    h.Username(user);
                    h.Password(password);
                });
                cfg.ConfigureEndpoints(context);
            });
        });

        // Each process in its own async flow (MassTransit keeps its log context in an AsyncLocal).
        await using var active = await Task.Run(() => RoutingInstance.StartAsync(settings, bus: Bus(proxy.Port)));
        var a = active.Partitions[_partition]!;
        await a.FirstActive.WaitAsync(TimeSpan.FromSeconds(30));
        await using var standby = await Task.Run(() => RoutingInstance.StartAsync(settings, bus: Bus(broker.Port)));
        var b = standby.Partitions[_partition]!;
        var publisher = standby.Services.GetRequiredService<IBus>();

        var call = Guid.NewGuid();
        var queuedAt = TimeProvider.System.GetUtcNow().AddSeconds(-42);
        await publisher.Publish(new AgentProfileChanged
        {
            AgentId = "bob",
            Profile = new AgentProfile { AgentId = "bob", DisplayName = "Bob", Role = PersonRole.Agent, Skills = [new() { Skill = "support", Level = 3 }], Queues = ["support"] },
            OccurredAt = queuedAt,
        });
        // The endpoint consumes concurrently: a state change that overtook the profile would be ignored (unknown agent), so wait.
        await Until(() => a.Actor is { } known ? known.Query(e => e.KnowsAgent("bob")) : Task.FromResult(false), 20);
        await publisher.Publish(new SetAgentState { AgentId = "bob", State = AgentState.NotReady, Reason = "training", RequestedBy = "sam", OccurredAt = queuedAt });
        await Until(() => a.Actor is { } ready ? ready.Query(e => e.Agent("bob")!.State == AgentState.NotReady) : Task.FromResult(false), 20);
        await publisher.Publish(new CallQueued
        {
            CallId = call, Queue = "support", Caller = "+442071234567", GatewayId = "gw-a", IvrPath = "main>2",
            QueuedAt = queuedAt, OccurredAt = queuedAt,
        });
        await Until(() => a.Actor is { } actor ? actor.Query(e => e.KnowsCall(call) && e.Agent("bob")?.State == AgentState.NotReady) : Task.FromResult(false), 20);
        Assert.False(b.IsActive);

        // Cut the active instance off the broker; it keeps running and still reaches the database.
        var cut = System.Diagnostics.Stopwatch.StartNew();
        await proxy.CutAsync();
        await Until(() => Task.FromResult(!a.IsActive), 15);
        var steppedDown = cut.Elapsed;
        await b.FirstActive.WaitAsync(TimeSpan.FromSeconds(15));
        var tookOver = cut.Elapsed;
        // Step-down after Routing:BusLossStepDown (1 s here), then the standby takes the released lease and replays.
        Assert.True(tookOver < TimeSpan.FromSeconds(10), $"stepped down after {steppedDown}, standby active after {tookOver}");

        var w = Assert.Single(await RoutingInstance.Query(b, e => e.QueueSnapshots()[0].Waiting));
        Assert.Equal(call, w.CallId);
        Assert.InRange(w.Waited, TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(90));
        Assert.Equal(("training", AgentState.NotReady), await RoutingInstance.Query(b, e => (e.Agent("bob")!.Reason, e.Agent("bob")!.State)));

        // The new active instance consumes the partition's queue: bob becomes available and gets the call.
        await publisher.Publish(new SetAgentState { AgentId = "bob", State = AgentState.Available, RequestedBy = "bob", OccurredAt = TimeProvider.System.GetUtcNow() });
        await Until(() => RoutingInstance.Query(b, e => e.Agent("bob")!.CallId == call), 20);

        // The old active instance gets its broker back: it stays a standby while the new one holds the lease.
        proxy.Restore();
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(a.IsActive);
        Assert.Equal(1, a.Terms);
        Assert.True(b.IsActive);
        Assert.Empty(await RoutingInstance.Query(b, e => e.CheckInvariants()));
    }

    private static async Task Until(Func<Task<bool>> condition, int seconds)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), "condition not reached in time");
            await Task.Delay(50);
        }
    }
}
