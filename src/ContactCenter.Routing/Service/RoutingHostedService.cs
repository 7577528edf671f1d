using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Service.Database;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Routing.Service;

/// <summary>The partitions this process serves (<c>Routing:Partitions</c>, default every partition of queues.yaml).</summary>
internal sealed class RoutingPartitions : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private Task _running = Task.CompletedTask;

    public RoutingPartitions(RoutingConfiguration all, IOptions<RoutingOptions> options, TimeProvider time, IServiceProvider services,
        ILoggerFactory logs)
    {
        var o = options.Value;
        var log = logs.CreateLogger("ContactCenter.Routing.Service.RoutingPartition");
        RoutingDatabase? database = o.UsesDatabase ? new RoutingDatabase(o.DatabaseProvider, o.ConnectionString!) : null;
        var served = o.ServedPartitions(all);
        var list = new List<RoutingPartition>(served.Count);
        foreach (var name in served)
        {
            IJournalStore store = database is null
                ? new FileJournalStore(o.JournalPathFor(name), o.LeaseRetryInterval, time, log)
                : new DatabaseJournalStore(name, database, o.LeaseDuration, o.LeaseRetryInterval, time, log);
            list.Add(new RoutingPartition(name, all, store, o, time, services, log));
        }
        All = list;
    }

    public IReadOnlyList<RoutingPartition> All { get; }

    public RoutingPartition? this[string name] => All.FirstOrDefault(p => p.Name == name);

    /// <summary>Whether this process is the active instance of at least one partition.</summary>
    public bool AnyActive => All.Any(p => p.IsActive);

    /// <summary>Runs every partition (standby, active, ...) until <paramref name="stopping"/> or disposal.</summary>
    public Task RunAsync(CancellationToken stopping)
    {
        var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, _disposed.Token);
        _running = Task.WhenAll(All.Select(p => p.RunAsync(both.Token))).ContinueWith(_ => both.Dispose(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return _running;
    }

    /// <summary>A container disposed without its hosted services stopped (a test harness) still ends every term and releases every lease.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _disposed.Dispose();
    }

    /// <summary>The actors of the partitions active in this process now.</summary>
    public IEnumerable<RoutingActor> ActiveActors()
    {
        foreach (var p in All)
        {
            if (p.Actor is { } actor)
            {
                yield return actor;
            }
        }
    }
}

/// <summary>Connects the partitions' endpoints as an in-memory bus starts (see <see cref="RoutingPartition.HoldEndpoint"/>).</summary>
internal sealed class RoutingBusObserver(RoutingPartitions partitions) : IBusObserver
{
    public void PostCreate(IBus bus)
    {
    }

    public void CreateFaulted(Exception exception)
    {
    }

    public Task PreStart(IBus bus) => Task.CompletedTask;

    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        foreach (var partition in partitions.All)
        {
            partition.HoldEndpoint(bus);
        }
        return Task.CompletedTask;
    }

    public Task StartFaulted(IBus bus, Exception exception) => Task.CompletedTask;

    public Task PreStop(IBus bus) => Task.CompletedTask;

    public Task PostStop(IBus bus) => Task.CompletedTask;

    public Task StopFaulted(IBus bus, Exception exception) => Task.CompletedTask;
}

/// <summary>Runs every served partition (standby until it holds the lease, then active) until the host stops.</summary>
internal sealed class RoutingHostedService(RoutingPartitions partitions, ILogger<RoutingHostedService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        log.LogInformation("Routing serves partitions {Partitions} ({Store})", string.Join(", ", partitions.All.Select(p => $"{p.Name} on {p.EndpointName}")),
            partitions.All.FirstOrDefault()?.Store);
        await partitions.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
