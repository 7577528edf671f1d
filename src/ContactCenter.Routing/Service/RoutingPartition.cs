using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Service;

/// <summary>
/// One partition of queues in this process: its own engine, actor, journal, lease and bus endpoint. It runs in terms. As a standby
/// it waits for the lease (and for a healthy bus: an instance cut off from the broker never takes it). Holding the lease, it
/// replays the journal into a fresh actor, then connects the partition's endpoint — so messages reach only an engine that has the
/// whole state — and loads the agent profiles. The term ends when the host stops, when the lease is lost (another instance took
/// it over: appends are fenced), or when the endpoint has not been consuming for <c>Routing:BusLossStepDown</c> (the broker
/// connection is gone while the process runs): it disconnects the endpoint, stops the actor, releases the lease so a standby
/// takes over, and becomes a standby again.
/// </summary>
internal sealed partial class RoutingPartition
{
    private readonly RoutingConfiguration _all;
    private readonly IJournalStore _store;
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly PartitionMap _queues;
    private readonly TaskCompletionSource _firstActive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile RoutingActor? _actor;
    private HostReceiveEndpointHandle? _held;
    private int _terms;

    /// <summary>The gateway named for outbound calls (<see cref="RoutingOptions.OutboundGatewayId"/>), or null for the last one seen.</summary>
    public string? OutboundGatewayId => string.IsNullOrWhiteSpace(_options.OutboundGatewayId) ? null : _options.OutboundGatewayId.Trim();

    public RoutingPartition(string name, RoutingConfiguration all, IJournalStore store, RoutingOptions options, TimeProvider time,
        IServiceProvider services, ILogger log)
    {
        Name = name;
        _all = all;
        _store = store;
        _options = options;
        _time = time;
        _services = services;
        _log = log;
        _queues = new PartitionMap(all);
        EndpointName = EndpointFor(name);
    }

    public string Name { get; }

    /// <summary>The partition's bus queue: <c>routing</c> for the default partition (the name before partitions), else <c>routing-{name}</c>.</summary>
    public string EndpointName { get; }

    public static string EndpointFor(string partition) =>
        partition == RoutingConfiguration.DefaultPartition ? "routing" : "routing-" + partition;

    /// <summary>Where its journal lives, for logs.</summary>
    public string Store => _store.Location;

    /// <summary>The actor of the current term, or null while this process is not the partition's active instance.</summary>
    public RoutingActor? Actor => _actor;

    /// <summary>Whether this process is the partition's active instance now.</summary>
    public bool IsActive => _actor is not null;

    /// <summary>Terms this process has been active (a take-over after a step-down starts another).</summary>
    public int Terms => Volatile.Read(ref _terms);

    /// <summary>Completes when this process first becomes the partition's active instance.</summary>
    public Task FirstActive => _firstActive.Task;

    /// <summary>Whether a queued call is this partition's (the consumers drop the others before they reach the actor).</summary>
    public bool OwnsQueue(string queue) => _queues.TakesCallsFor(queue) == Name;

    /// <summary>
    /// Hands an input to the active actor. While the partition is not active here (its endpoint held before the first term on the
    /// in-memory transport, or a term ending under a message in flight) it waits for this process's next term, or for the
    /// message's cancellation: the endpoint being stopped cancels it, MassTransit then returns it to the queue (an
    /// <see cref="OperationCanceledException"/> on a cancelled token is neither retried nor dead-lettered) for the active instance.
    /// </summary>
    public async Task Submit(EngineInput input, CancellationToken cancellationToken)
    {
        RoutingActor? failed = null;
        while (true)
        {
            if (_actor is { } actor && actor != failed)
            {
                try
                {
                    await actor.Submit(input, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PartitionInactiveException)
                {
                    // Fenced off or stopping: this term is over.
                    failed = actor;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The in-memory transport (one process, no standby possible) keeps no queue for an endpoint not yet connected: a message
    /// published before would be lost. There the endpoint is connected as the bus starts, for the process's lifetime, and its
    /// messages wait for the partition to become active (as they waited in the actor's inbox before partitions).
    /// </summary>
    public void HoldEndpoint(IBus bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (_held is not null || bus.Address.Scheme != "loopback")
        {
            return;
        }
        _held = bus.ConnectReceiveEndpoint(EndpointName, e => PartitionConsumer.ConfigureEndpoint(e, this));
    }

    /// <summary>Standby, active, standby again... until the host stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            IPartitionLease lease;
            try
            {
                lease = await _store.AcquireAsync(CanLead, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await RunTermAsync(lease, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                LogTermFailed(_log, ex, Name);
            }
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            // Give the standby the first chance at the lease just released.
            try
            {
                await Task.Delay(_options.LeaseDuration, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Asks every gateway for its live calls now (ReportLiveCalls; each answers with a CallHeartbeat), so that a partition that
    /// just became active knows the gateways without waiting for their next heartbeat: agents' outbound calls go through one.
    /// </summary>
    private async Task AskGatewaysToReportAsync(CancellationToken cancellationToken)
    {
        if (_services.GetService<IBus>() is not { } bus)
        {
            return;
        }
        try
        {
            await bus.Publish(new ReportLiveCalls { Partition = Name, OccurredAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The heartbeats come anyway, at their interval.
            _log.LogWarning("Routing partition {Partition} could not ask the gateways for their live calls: {Error}", Name, ex.Message);
        }
    }

    /// <summary>Leading needs a bus that reaches the broker (a process without a bus, the engine-only tests, always may).</summary>
    private bool CanLead() =>
        _services.GetService<IBusControl>() is not { } bus || bus.CheckHealth().Status != BusHealthStatus.Unhealthy;

    /// <summary>One term under a lease just taken; the lease is released however the term ends, so a standby can take over.</summary>
    private async Task RunTermAsync(IPartitionLease lease, CancellationToken stopping)
    {
        try
        {
            var journal = _store.Open(lease);
            RoutingActor actor;
            try
            {
                actor = new RoutingActor(Name, _all, journal, _options, _time, _services, _log);
            }
            catch
            {
                journal.Dispose();
                throw;
            }
            await RunActorAsync(lease, actor, stopping).ConfigureAwait(false);
        }
        finally
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunActorAsync(IPartitionLease lease, RoutingActor actor, CancellationToken stopping)
    {
        var termEnded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A fenced append marks the lease lost too.
        using var onLost = lease.Lost.Register(() => termEnded.TrySetResult("the lease was taken over"));
        using var onStop = stopping.Register(() => termEnded.TrySetResult("the host is stopping"));
        var watch = new EndpointWatch(_time);
        HostReceiveEndpointHandle? endpoint = null;
        using var termCancel = new CancellationTokenSource();
        Task? profiles = null;
        var reason = "?";
        try
        {
            await actor.StartAsync(stopping).ConfigureAwait(false);
            // A first start (nothing in the journal) asks the CRM for the agents before consuming: messages already waiting in
            // the queue (an agent going available) would otherwise reach an engine that does not know the agent yet and be
            // ignored. One attempt; a silent CRM is asked again in the background. A take-over has the agents from the journal.
            var hadAgents = await actor.Query(e => e.AgentSnapshots().Count > 0, stopping).ConfigureAwait(false);
            var preloaded = !hadAgents && await TryLoadProfilesAsync(actor, attempt: 1, retryIn: null, stopping).ConfigureAwait(false);
            // Active before the endpoint connects: its first deliveries must find the actor.
            _actor = actor;
            if (_held is null && _services.GetService<IReceiveEndpointConnector>() is { } connector)
            {
                endpoint = connector.ConnectReceiveEndpoint(EndpointName, (_, e) =>
                {
                    PartitionConsumer.ConfigureEndpoint(e, this);
                    e.ConnectReceiveEndpointObserver(watch);
                });
                // A queue declared for the first time takes a moment; a broker that cannot declare it in this long is in trouble.
                var readyWithin = _options.BusLossStepDown + TimeSpan.FromSeconds(10);
                var ready = await Task.WhenAny(endpoint.Ready, termEnded.Task, Task.Delay(readyWithin, _time, stopping)).ConfigureAwait(false);
                if (ready != endpoint.Ready)
                {
                    reason = termEnded.Task.IsCompleted ? await termEnded.Task.ConfigureAwait(false) : $"its endpoint {EndpointName} was not ready within {readyWithin}";
                    return;
                }
                await endpoint.Ready.ConfigureAwait(false);
            }

            Interlocked.Increment(ref _terms);
            LogActive(_log, Name, EndpointName, lease.Holder, _store.Location);
            _firstActive.TrySetResult();
            await AskGatewaysToReportAsync(stopping).ConfigureAwait(false);
            // After a take-over, profiles may have changed while this instance was not active: ask again, in the background.
            profiles = preloaded ? Task.CompletedTask : LoadProfilesAsync(actor, firstAttempt: hadAgents ? 1 : 2, termCancel.Token);
            reason = await WaitForEndAsync(watch, termEnded.Task).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reason = "the host is stopping";
        }
        finally
        {
            LogSteppingDown(_log, Name, reason);
            await termCancel.CancelAsync().ConfigureAwait(false);
            if (endpoint is not null)
            {
                try
                {
                    // Deliveries still waiting after 2 s are cancelled (and so returned to the queue).
                    using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await endpoint.StopAsync(patience.Token).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or MassTransitException)
                {
                    LogEndpointStopFailed(_log, Name, ex.Message);
                }
            }
            _actor = null;
            // Stepping down (broker gone, lease lost): effects still unconfirmed are given up on quickly, their inputs are
            // journaled and their messages return to the queue for the next active instance, which drops them as duplicates.
            await actor.StopAsync(stopping.IsCancellationRequested ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            await actor.DisposeAsync().ConfigureAwait(false);
            if (profiles is not null)
            {
                try
                {
                    await profiles.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogProfilesFailed(_log, ex, Name);
                }
            }
        }
    }

    /// <summary>Ends the term when told to, or when the endpoint has not been consuming for <c>Routing:BusLossStepDown</c>.</summary>
    private async Task<string> WaitForEndAsync(EndpointWatch watch, Task<string> termEnded)
    {
        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, _options.BusLossStepDown.Ticks / 10));
        while (true)
        {
            var tick = Task.Delay(check, _time);
            if (await Task.WhenAny(termEnded, tick).ConfigureAwait(false) == termEnded)
            {
                return await termEnded.ConfigureAwait(false);
            }
            if (watch.NotConsumingFor() is { } down && down >= _options.BusLossStepDown)
            {
                return $"its endpoint {EndpointName} has not been consuming for {down.TotalSeconds:0.0} s (broker connection lost)";
            }
        }
    }

    /// <summary>Asks the CRM for every agent profile, retrying with back-off until it answers, without blocking the term.</summary>
    private async Task LoadProfilesAsync(RoutingActor actor, int firstAttempt, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = firstAttempt; !cancellationToken.IsCancellationRequested; attempt++)
        {
            if (await TryLoadProfilesAsync(actor, attempt, delay, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ProfileRetryMaxDelay.Ticks));
        }
    }

    /// <summary>One request for every agent profile; true once they are all submitted (or there is no bus to ask).</summary>
    private async Task<bool> TryLoadProfilesAsync(RoutingActor actor, int attempt, TimeSpan? retryIn, CancellationToken cancellationToken)
    {
        try
        {
            using var scope = _services.CreateScope();
            var client = scope.ServiceProvider.GetService<IRequestClient<GetAgentProfiles>>();
            if (client is null)
            {
                return true;
            }
            var response = await client.GetResponse<AgentProfiles>(new GetAgentProfiles { OccurredAt = _time.GetUtcNow() }, cancellationToken,
                RequestTimeout.After(ms: (int)_options.ProfileRequestTimeout.TotalMilliseconds)).ConfigureAwait(false);
            foreach (var profile in response.Message.Profiles)
            {
                await actor.Submit(new UpsertAgent(profile), cancellationToken).ConfigureAwait(false);
            }
            LogProfiles(_log, Name, response.Message.Profiles.Count);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return true;
        }
        catch (Exception ex)
        {
            // A silent or failing CRM, or a journal that refused the batch: asked again after the delay, while the term lasts.
            LogProfilesNotLoaded(_log, Name, attempt, ex.Message, retryIn ?? TimeSpan.FromSeconds(1));
            return false;
        }
    }

    /// <summary>Follows the partition's endpoint: ready, or since when it has not been consuming (faulted, or completed under us).</summary>
    private sealed class EndpointWatch(TimeProvider time) : IReceiveEndpointObserver
    {
        private readonly Lock _gate = new();
        private long? _downSince;

        public TimeSpan? NotConsumingFor()
        {
            lock (_gate)
            {
                return _downSince is { } since ? time.GetElapsedTime(since) : null;
            }
        }

        public Task Ready(ReceiveEndpointReady ready)
        {
            lock (_gate)
            {
                _downSince = null;
            }
            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

        public Task Completed(ReceiveEndpointCompleted completed) => Down();

        public Task Faulted(ReceiveEndpointFaulted faulted) => Down();

        private Task Down()
        {
            lock (_gate)
            {
                _downSince ??= time.GetTimestamp();
            }
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition} is active here: endpoint {Endpoint}, lease holder {Holder}, journal in {Store}")]
    private static partial void LogActive(ILogger log, string partition, string endpoint, string holder, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition} stepping down: {Reason}")]
    private static partial void LogSteppingDown(ILogger log, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Routing partition {Partition}: a term failed; back to standby")]
    private static partial void LogTermFailed(ILogger log, Exception ex, string partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition}: its endpoint did not stop cleanly ({Message})")]
    private static partial void LogEndpointStopFailed(ILogger log, string partition, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Routing partition {Partition}: loading the agent profiles failed")]
    private static partial void LogProfilesFailed(ILogger log, Exception ex, string partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing partition {Partition} loaded {Count} agent profiles from the CRM")]
    private static partial void LogProfiles(ILogger log, string partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition}: agent profiles not loaded yet (attempt {Attempt}): {Message}; retrying in {Delay}")]
    private static partial void LogProfilesNotLoaded(ILogger log, string partition, int attempt, string message, TimeSpan delay);
}
