using System.Collections.Concurrent;
using System.Threading.Channels;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Service;

/// <summary>
/// The one thread of control around one partition's engine: every input (bus messages, timers, queries) goes through a channel
/// and is journaled, applied and its effects published in order. The engine itself is single-threaded and never sees
/// concurrency. An actor lives for one term of its partition's lease: it is built when the lease is taken (the journal replayed
/// into a fresh engine) and disposed when the lease is released or lost; a later term builds a new one.
/// </summary>
internal sealed class RoutingActor : IAsyncDisposable
{
    /// <summary>Inputs wait here for the actor's own thread, which blocks on the journal's commit and so stays off the thread pool.</summary>
    private readonly BlockingCollection<WorkItem> _inbox = new(new ConcurrentQueue<WorkItem>());
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReplayClock _clock;
    private readonly TimeProvider _time;
    private readonly RoutingOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _log;
    private readonly RoutingEngine _engine;
    private readonly PartitionGate _gate;
    private readonly IEngineJournal _journal;
    private readonly string _overallName;
    private readonly List<int> _dirty = [];
    private readonly CancellationTokenSource _dispatchAbort = new();
    private bool _starting;
    private ITimer? _deadlineTimer;
    private ITimer? _statsTimer;
    private DateTimeOffset? _timerDue;
    private Task? _loop;
    private Task? _dispatcher;
    private readonly Channel<Outbound> _outbox = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Most inputs journaled under one commit.</summary>
    private const int MaxBatch = 256;
    private int _statsTicks;

    private readonly RoutingMetrics? _metrics;

    /// <param name="partition">The partition this actor serves.</param>
    /// <param name="all">The whole queue configuration; the engine gets only <paramref name="partition"/>'s queues.</param>
    /// <param name="journal">The partition's journal, opened under its lease.</param>
    public RoutingActor(string partition, RoutingConfiguration all, IEngineJournal journal, RoutingOptions options, TimeProvider time,
        IServiceProvider services, ILogger log)
    {
        _metrics = services.GetService(typeof(RoutingMetrics)) as RoutingMetrics;
        Partition = partition;
        _time = time;
        _clock = new ReplayClock(time);
        _options = options;
        _services = services;
        _log = log;
        _journal = journal;
        _engine = new RoutingEngine(all.ForPartition(partition), _clock);
        _gate = new PartitionGate(partition, all, log);
        // With one partition its overall figures are everyone's ("*"); with several, each partition's are its own ("*east").
        _overallName = all.Partitions().Count > 1 ? "*" + partition : "*";
    }

    public string Partition { get; }

    /// <summary>
    /// Restores the compaction snapshot and replays the journal after it (state as it was, original waits kept), then starts
    /// processing. The caller holds the partition's lease.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null || _starting)
        {
            return Task.CompletedTask;
        }
        cancellationToken.ThrowIfCancellationRequested();
        _starting = true;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshot = _journal.ReadSnapshot();
        if (snapshot is not null)
        {
            _clock.Set(snapshot.At);
            _engine.Restore(snapshot.State);
        }
        var entries = _journal.ReadAll();
        var after = snapshot is null ? entries : entries.FindAll(e => e.Seq > snapshot.JournalSeq);
        EngineJournal.Replay(after, _engine, _clock);
        _clock.Release();
        _engine.DrainDirty(_dirty);
        _dirty.Clear();
        _log.LogInformation("Routing partition {Partition} resumed from {Location}: snapshot {Snapshot}, {Count} journal entries replayed in {Elapsed} ms",
            Partition, _journal.Location, snapshot is null ? "none" : $"at entry {snapshot.JournalSeq}", after.Count,
            (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        _dispatcher = Task.Run(DispatchLoopAsync, CancellationToken.None);
        new Thread(Run) { IsBackground = true, Name = "routing-actor-" + Partition }.Start();
        _loop = _stopped.Task;
        _statsTimer = _time.CreateTimer(_ => Post(new WorkItem(WorkKind.Statistics, null, null)), null, _options.StatisticsInterval, _options.StatisticsInterval);
        Post(new WorkItem(WorkKind.Input, new Tick(), null));
        return Task.CompletedTask;
    }

    /// <summary>Snapshot + empty journal, so that the journal does not grow for ever and a restart replays little.</summary>
    private void CompactIfDue()
    {
        if (_journal.EntriesSinceSnapshot < _options.CompactAfterEntries)
        {
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var entries = _journal.EntriesSinceSnapshot;
        _journal.Compact(_clock.GetUtcNow(), _engine.Capture());
        _log.LogInformation("Routing partition {Partition}: journal compacted, {Entries} entries folded into a snapshot in {Location} in {Elapsed} ms", Partition, entries, _journal.Location,
            (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Journals and applies an input; completes when its effects are published.</summary>
    public Task Submit(EngineInput input, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new WorkItem(WorkKind.Input, input, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs a read-only query on the engine's thread.</summary>
    public async Task<T> Query<T>(Func<RoutingEngine, T> query, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new WorkItem(WorkKind.Query, null, done) { Query = e => query(e) });
        return (T)(await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private void Post(WorkItem item)
    {
        try
        {
            _inbox.Add(item);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Completed for adding (or disposed): a late timer or message while this term ends. The message goes back to its
            // queue for the active instance.
            item.Done?.TrySetException(new PartitionInactiveException($"routing partition '{Partition}' is not active here"));
        }
    }

    /// <summary>
    /// Group commit: every input waiting in the inbox is journaled with one fsync, then the batch is applied in order. The
    /// journal-before-apply rule holds for each input, and under load one fsync serves many inputs instead of one each.
    /// Effects go to the dispatcher (<see cref="DispatchLoopAsync"/>) in order, so a slow broker confirm never holds the engine.
    /// </summary>
    private void Run()
    {
        try
        {
            RunLoop();
        }
        finally
        {
            _outbox.Writer.TryComplete();
            _stopped.TrySetResult();
        }
    }

    private void RunLoop()
    {
        var batch = new List<WorkItem>(MaxBatch);
        var stamps = new List<DateTimeOffset>(MaxBatch);
        while (_inbox.TryTake(out var first, Timeout.Infinite))
        {
            batch.Clear();
            stamps.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && _inbox.TryTake(out var next))
            {
                batch.Add(next);
            }
            try
            {
                _gate.BeginBatch();
                for (var i = 0; i < batch.Count; i++)
                {
                    var item = batch[i];
                    var at = _time.GetUtcNow();
                    stamps.Add(at);
                    if (item.Kind == WorkKind.Input)
                    {
                        // Inputs that cannot change this partition's engine are not journaled (nor applied): their senders are done.
                        var admitted = _gate.Admit(_engine, item.Input!);
                        batch[i] = item = item with { Input = admitted, Kind = admitted is null ? WorkKind.Dropped : WorkKind.Input };
                        if (admitted is not null)
                        {
                            _journal.Write(at, admitted);
                        }
                    }
                }
                _journal.Commit();
            }
            catch (Exception ex)
            {
                // Nothing of the batch was applied: its senders see the failure (the bus redelivers) and the engine is untouched.
                _journal.Discard();
                Exception failure = ex;
                if (ex is LeaseLostException)
                {
                    _log.LogError("Routing partition {Partition}: {Message}", Partition, ex.Message);
                    // The journal marked the lease lost before throwing: the partition ends its term on the lease's Lost token.
                    failure = new PartitionInactiveException(ex.Message, ex);
                }
                else
                {
                    _log.LogError(ex, "Routing partition {Partition} could not journal {Count} inputs", Partition, batch.Count);
                }
                foreach (var item in batch)
                {
                    if (item.Kind is WorkKind.Query or WorkKind.Statistics)
                    {
                        // Reads need no journal: they see the engine as it was (nothing of the batch was applied).
                        Apply(item, _time.GetUtcNow());
                    }
                    else
                    {
                        item.Done?.TrySetException(failure);
                    }
                }
                continue;
            }
            for (var i = 0; i < batch.Count; i++)
            {
                Apply(batch[i], stamps[i]);
            }
            try
            {
                CompactIfDue();
            }
            catch (LeaseLostException ex)
            {
                _log.LogError("Routing partition {Partition}: {Message}", Partition, ex.Message);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.EntityFrameworkCore.DbUpdateException or System.Data.Common.DbException)
            {
                // The journal keeps growing and compaction is tried again after the next batch; routing goes on.
                _log.LogError(ex, "Routing partition {Partition} could not compact its journal", Partition);
            }
            ArmDeadlineTimer();
        }
    }

    private void Apply(WorkItem item, DateTimeOffset at)
    {
        try
        {
            switch (item.Kind)
            {
                case WorkKind.Input:
                    if (item.Input is Tick)
                    {
                        _timerDue = null;
                    }
                    // The engine sees the time the journal recorded, so that a replay reproduces every decision exactly.
                    _clock.Set(at);
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    try
                    {
                        _engine.Handle(item.Input!);
                    }
                    finally
                    {
                        _clock.Release();
                    }
                    _metrics?.InputApplied(started, item.Input!.GetType().Name);
                    if (_engine.Outputs.Count == 0)
                    {
                        item.Done?.TrySetResult(null);
                    }
                    else
                    {
                        _outbox.Writer.TryWrite(new Outbound([.. _engine.Outputs], null, item.Done));
                    }
                    break;
                case WorkKind.Query:
                    item.Done!.TrySetResult(item.Query!(_engine));
                    break;
                case WorkKind.Dropped:
                    item.Done?.TrySetResult(null);
                    break;
                case WorkKind.Statistics:
                    var statistics = CollectStatistics();
                    if (statistics is not null)
                    {
                        _outbox.Writer.TryWrite(new Outbound(null, statistics, null));
                    }
                    break;
            }
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Routing partition {Partition} failed to process {Kind} {Input}", Partition, item.Kind, item.Input?.GetType().Name);
            item.Done?.TrySetException(ex);
        }
        finally
        {
            _engine.Outputs.Clear();
        }
    }

    /// <summary>
    /// Publishes the engine's effects: every effect waiting is handed to the bus in the order it was made, then their
    /// confirmations are awaited together (over RabbitMQ one publisher-confirm round trip serves them all, instead of one
    /// each in series). An input's sender completes once its effects are confirmed. Consumers never relied on delivery
    /// order (they run concurrently and drop stale state by <c>OccurredAt</c>).
    /// </summary>
    private async Task DispatchLoopAsync()
    {
        var batch = new List<Outbound>(MaxBatch);
        var sends = new List<Task>(MaxBatch * 4);
        var endpoints = new Dictionary<string, ISendEndpoint>(StringComparer.Ordinal);
        var reader = _outbox.Reader;
        IBus? bus = null;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            Exception? unavailable = null;
            try
            {
                // Resolved once (a singleton); a process without a bus (engine-only tests) has nothing to publish.
                bus ??= _services.GetService(typeof(IBus)) as IBus;
            }
            catch (ObjectDisposedException ex)
            {
                // The host is stopping and its services are gone: these effects cannot be published. Their inputs
                // are journaled; their bus messages are not acknowledged and come again after the restart.
                unavailable = new InvalidOperationException("routing is stopping", ex);
            }
            if (bus is null)
            {
                foreach (var outbound in batch)
                {
                    if (unavailable is null)
                    {
                        outbound.Done?.TrySetResult(null);
                    }
                    else
                    {
                        outbound.Done?.TrySetException(unavailable);
                    }
                }
                continue;
            }
            foreach (var outbound in batch)
            {
                var first = sends.Count;
                try
                {
                    if (outbound.Outputs is { } outputs)
                    {
                        await StartDispatchAsync(bus, outputs, endpoints, sends).ConfigureAwait(false);
                    }
                    if (outbound.Statistics is { } statistics)
                    {
                        foreach (var s in statistics)
                        {
                            sends.Add(bus.Publish(s, _dispatchAbort.Token));
                        }
                    }
                }
                catch (Exception ex)
                {
                    sends.Add(Task.FromException(ex));
                }
                outbound.Sends = (first, sends.Count);
            }
            foreach (var outbound in batch)
            {
                Exception? failure = null;
                for (var i = outbound.Sends.From; i < outbound.Sends.To; i++)
                {
                    try
                    {
                        await sends[i].ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        failure ??= ex;
                    }
                }
                if (failure is null)
                {
                    outbound.Done?.TrySetResult(null);
                }
                else
                {
                    // The sender's message is not acknowledged and comes again; consumers of the effects are idempotent.
                    _log.LogError(failure, "Routing partition {Partition} failed to publish {Count} effects", Partition, outbound.Sends.To - outbound.Sends.From);
                    outbound.Done?.TrySetException(failure);
                }
            }
            sends.Clear();
        }
    }

    private static async ValueTask<ISendEndpoint> GatewayEndpointAsync(IBus bus, string gatewayId, Dictionary<string, ISendEndpoint> endpoints)
    {
        if (!endpoints.TryGetValue(gatewayId, out var endpoint))
        {
            endpoint = await bus.GetSendEndpoint(GatewayAddress(gatewayId)).ConfigureAwait(false);
            endpoints[gatewayId] = endpoint;
        }
        return endpoint;
    }

    /// <summary>Hands one input's effects to the bus, in order, without waiting for their confirmations.</summary>
    private async ValueTask StartDispatchAsync(IBus bus, EngineOutput[] outputs, Dictionary<string, ISendEndpoint> endpoints, List<Task> sends)
    {
        foreach (var output in outputs)
        {
            switch (output)
            {
                case ReservationMade r:
                    {
                        var d = r.Decision;
                        sends.Add(bus.Publish(new AgentReserved
                        {
                            CallId = d.CallId,
                            AgentId = d.AgentId,
                            Queue = d.Queue,
                            Caller = r.Caller,
                            IvrPath = r.IvrPath,
                            Waited = d.Waited,
                            Reason = d.Summary(),
                            IsCallback = r.IsCallback,
                            Offer = r.Offer,
                            OfferExpiresAt = r.Offer == OfferKind.None ? null : d.At + r.OfferTimeout,
                            OccurredAt = d.At,
                        }, _dispatchAbort.Token));
                        if (r.Offer != OfferKind.None)
                        {
                            // Offered on the desktop first: the gateway hears of it only if the agent accepts (PreviewAccepted).
                            break;
                        }
                        var endpoint = await GatewayEndpointAsync(bus, r.GatewayId, endpoints).ConfigureAwait(false);
                        sends.Add(endpoint.Send(new ConnectCallToAgent
                        {
                            CallId = d.CallId,
                            AgentId = d.AgentId,
                            Queue = d.Queue,
                            RingTimeout = r.RingTimeout,
                            Phone = r.Phone,
                            Record = r.Record,
                            IsCallback = r.IsCallback,
                            Caller = r.Caller,
                            IvrPath = r.IvrPath,
                            QueuedAt = d.At - d.Waited,
                            OccurredAt = d.At,
                        }, _dispatchAbort.Token));
                        break;
                    }
                case AgentStateChange s:
                    sends.Add(bus.Publish(new AgentStateChanged
                    {
                        AgentId = s.AgentId,
                        State = s.State,
                        Previous = s.Previous,
                        Reason = s.Reason,
                        CallId = s.CallId,
                        OccurredAt = s.At,
                    }, _dispatchAbort.Token));
                    break;
                case CallDiverted c:
                    {
                        var endpoint = await GatewayEndpointAsync(bus, c.GatewayId, endpoints).ConfigureAwait(false);
                        sends.Add(endpoint.Send(new DivertQueuedCall
                        {
                            CallId = c.CallId,
                            Queue = c.Queue,
                            Action = c.Action switch
                            {
                                "voicemail" => DivertAction.Voicemail,
                                "callback" => DivertAction.Callback,
                                "queue-full" => DivertAction.QueueFull,
                                _ => DivertAction.NoAgents,
                            },
                            Reason = c.Reason,
                            OccurredAt = c.At,
                        }, _dispatchAbort.Token));
                        break;
                    }
                case OutboundAccepted o:
                    {
                        var endpoint = await GatewayEndpointAsync(bus, o.GatewayId, endpoints).ConfigureAwait(false);
                        sends.Add(endpoint.Send(new ConnectOutboundCall
                        {
                            CallId = o.CallId,
                            AgentId = o.AgentId,
                            Number = o.Number,
                            CustomerId = o.CustomerId,
                            RingTimeout = o.RingTimeout,
                            OccurredAt = o.At,
                        }, _dispatchAbort.Token));
                        break;
                    }
                case OfferTaken t:
                    sends.Add(bus.Publish(new OfferAccepted
                    {
                        CallId = t.CallId,
                        AgentId = t.AgentId,
                        Queue = t.Queue,
                        Offer = t.Offer,
                        OccurredAt = t.At,
                    }, _dispatchAbort.Token));
                    break;
                case OfferEnded e:
                    sends.Add(bus.Publish(new OfferWithdrawn
                    {
                        CallId = e.CallId,
                        AgentId = e.AgentId,
                        Queue = e.Queue,
                        Offer = e.Offer,
                        Reason = e.Reason,
                        OccurredAt = e.At,
                    }, _dispatchAbort.Token));
                    break;
                case PreviewAccepted p:
                    {
                        var endpoint = await GatewayEndpointAsync(bus, p.GatewayId, endpoints).ConfigureAwait(false);
                        sends.Add(endpoint.Send(new ConnectCallToAgent
                        {
                            CallId = p.CallId,
                            AgentId = p.AgentId,
                            Queue = p.Queue,
                            RingTimeout = p.RingTimeout,
                            Phone = p.Phone,
                            Record = p.Record,
                            IsCallback = true,
                            Caller = p.Caller,
                            IvrPath = p.IvrPath,
                            QueuedAt = p.QueuedAt,
                            OccurredAt = p.At,
                        }, _dispatchAbort.Token));
                        break;
                    }
                case OutboundRefused o:
                    sends.Add(bus.Publish(new OutboundCallRefused
                    {
                        CallId = o.CallId,
                        AgentId = o.AgentId,
                        Number = o.Number,
                        Reason = o.Reason,
                        OccurredAt = o.At,
                    }, _dispatchAbort.Token));
                    break;
                case QueueLeft q:
                    sends.Add(bus.Publish(new CallLeftQueue
                    {
                        CallId = q.CallId,
                        Queue = q.Queue,
                        Reason = q.Reason,
                        Waited = q.Waited,
                        Position = q.Position,
                        AgentId = q.AgentId,
                        ToQueue = q.ToQueue,
                        OccurredAt = q.At,
                    }, _dispatchAbort.Token));
                    break;
                case HandlingEnded h:
                    sends.Add(bus.Publish(new CallHandled
                    {
                        CallId = h.CallId,
                        AgentId = h.AgentId,
                        Queue = h.Queue,
                        TalkTime = h.Talk,
                        WrapUpTime = h.WrapUp,
                        OccurredAt = h.At,
                    }, _dispatchAbort.Token));
                    break;
                default:
                    _log.LogWarning("Unknown engine output {Output}", output.GetType().Name);
                    break;
            }
        }
    }

    private void ArmDeadlineTimer()
    {
        var next = _engine.NextDeadline;
        if (next == _timerDue)
        {
            return;
        }
        _timerDue = next;
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
        if (next is { } due)
        {
            var delay = due - _time.GetUtcNow();
            if (delay < TimeSpan.Zero)
            {
                delay = TimeSpan.Zero;
            }
            _deadlineTimer = _time.CreateTimer(_ => Post(new WorkItem(WorkKind.Input, new Tick(), null)), null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The gateway's command endpoint (DESIGN.md: each Telephony instance has its own).</summary>
    public static Uri GatewayAddress(string gatewayId) => new($"queue:telephony-{gatewayId}");

    /// <summary>Statistics of the queues that changed (and, once a second, of queues with waiting calls), computed on the engine's thread.</summary>
    private List<QueueStatistics>? CollectStatistics()
    {
        _dirty.Clear();
        _engine.DrainDirty(_dirty);
        // Waits grow while calls wait: refresh queues with waiting calls once a second even without events.
        if (++_statsTicks % Math.Max(1, (int)(TimeSpan.FromSeconds(1) / _options.StatisticsInterval)) == 0)
        {
            for (var i = 0; i < _engine.QueueCount; i++)
            {
                if (!_dirty.Contains(i) && _engine.Statistics(i).Waiting > 0)
                {
                    _dirty.Add(i);
                }
            }
        }
        if (_dirty.Count == 0)
        {
            return null;
        }
        var list = new List<QueueStatistics>(_dirty.Count);
        foreach (var i in _dirty)
        {
            var statistics = _engine.Statistics(i);
            if (i >= _engine.QueueCount && _overallName != "*")
            {
                statistics = statistics with { Queue = _overallName };
            }
            _metrics?.Published(statistics);
            list.Add(statistics);
        }
        return list;
    }

    /// <summary>
    /// Ends this term: inputs still waiting are journaled and applied (or fail when the lease is gone), effects waiting are
    /// published for up to <paramref name="publishTimeout"/> (a broker that is gone makes them fail: their inputs are journaled
    /// and their messages come again to the next active instance, which drops them as duplicates), then timers stop.
    /// </summary>
    public async ValueTask StopAsync(TimeSpan publishTimeout)
    {
        _inbox.CompleteAdding();
        if (_statsTimer is not null)
        {
            await _statsTimer.DisposeAsync().ConfigureAwait(false);
        }
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _outbox.Writer.TryComplete();
        if (_dispatcher is not null)
        {
            try
            {
                await _dispatcher.WaitAsync(publishTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _log.LogWarning("Routing partition {Partition}: effects not confirmed by the broker within {Timeout}; abandoned (their inputs are journaled)", Partition, publishTimeout);
                await _dispatchAbort.CancelAsync().ConfigureAwait(false);
                await _dispatcher.ConfigureAwait(false);
            }
        }
        if (_deadlineTimer is not null)
        {
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _metrics?.Forget([.. _engine.Configuration.Queues.Select(q => q.Name), _overallName]);
        _journal.Dispose();
        _inbox.Dispose();
        _dispatchAbort.Dispose();
    }

    private enum WorkKind
    {
        Input,
        Query,
        Statistics,
        /// <summary>An input the partition gate left out: nothing to journal or apply.</summary>
        Dropped,
    }

    /// <summary>Effects of one input (with its sender's completion) or one round of statistics, for the dispatcher.</summary>
    private sealed record Outbound(EngineOutput[]? Outputs, List<QueueStatistics>? Statistics, TaskCompletionSource<object?>? Done)
    {
        /// <summary>This item's range in the dispatcher's list of sends in flight.</summary>
        public (int From, int To) Sends { get; set; }
    }

    private sealed record WorkItem(WorkKind Kind, EngineInput? Input, TaskCompletionSource<object?>? Done)
    {
        public Func<RoutingEngine, object?>? Query { get; init; }
    }
}
