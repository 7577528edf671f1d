using System.Collections.Concurrent;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Phones;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Interactions;

/// <summary>
/// One writer for the interaction rows of this process (group commit). Events waiting to be recorded (under load,
/// those arriving within <see cref="CrmOptions.InteractionLinger"/>) and audit rows are written together: one query
/// reads every row the batch touches, one transaction writes them all, and each event's consumer completes (so the broker's message is acknowledged) only once its row is committed. Two events of one call
/// never race inside the process. A conflict with a writer in another process (concurrency token or primary key) sends
/// the batch's events one by one through the re-read-and-merge path.
/// </summary>
internal sealed class InteractionWriter(
    IServiceScopeFactory scopes, PhoneNumberNormalizer phones, IOptions<CrmOptions> options, TimeProvider time, ILogger<InteractionWriter> logger)
    : IAsyncDisposable
{
    /// <summary>Events per second from which the writer lingers for more before committing.</summary>
    private const int LingerFromRate = 20;

    private const int MaxBatch = 128;
    private const int MaxAttempts = 8;

    /// <summary>Merges waiting for the writer's own thread: SQLite's calls are synchronous, so they stay off the thread pool.</summary>
    private readonly BlockingCollection<Pending> _inbox = new(new ConcurrentQueue<Pending>());
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startGate = new();
    private Thread? _thread;

    /// <summary>Queues a merge for a call's row; completes when the row holding it is committed.</summary>
    public Task MergeAsync(Guid callId, Action<Interaction> merge, CancellationToken ct)
    {
        return EnqueueAsync(new Pending(callId, merge, null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)), ct);
    }

    /// <summary>
    /// Queues an audit row to be written with the next batch; completes when it is committed. The screen pop's audit goes
    /// this way so that no consumer holds a thread-pool thread waiting for SQLite's write lock.
    /// </summary>
    public Task AuditAsync(AuditEntry entry, CancellationToken ct) =>
        EnqueueAsync(new Pending(Guid.Empty, null, entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)), ct);

    private Task EnqueueAsync(Pending pending, CancellationToken ct)
    {
        EnsureStarted();
        try
        {
            _inbox.Add(pending, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            throw new InvalidOperationException("the interaction writer is stopping", ex);
        }
        return pending.Done.Task.WaitAsync(ct);
    }

    private void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }
        lock (_startGate)
        {
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "crm-interactions" };
                _thread.Start();
            }
        }
    }

    private void Run()
    {
        try
        {
            RunLoop();
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void RunLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        var linger = options.Value.InteractionLinger;
        var windowStart = time.GetTimestamp();
        int eventsThisWindow = 0, eventsLastWindow = 0;
        while (_inbox.TryTake(out var first, Timeout.Infinite))
        {
            batch.Clear();
            batch.Add(first);
            var busy = eventsLastWindow >= LingerFromRate || eventsThisWindow >= LingerFromRate;
            var batchStarted = time.GetTimestamp();
            while (batch.Count < MaxBatch)
            {
                var wait = busy ? linger - time.GetElapsedTime(batchStarted) : TimeSpan.Zero;
                if (!_inbox.TryTake(out var next, wait > TimeSpan.Zero ? wait : TimeSpan.Zero))
                {
                    break;
                }
                batch.Add(next);
            }
            if (time.GetElapsedTime(windowStart) >= TimeSpan.FromSeconds(1))
            {
                windowStart = time.GetTimestamp();
                eventsLastWindow = eventsThisWindow;
                eventsThisWindow = 0;
            }
            eventsThisWindow += batch.Count;
            try
            {
                WriteBatch(batch);
                foreach (var p in batch)
                {
                    p.Done.TrySetResult();
                }
            }
            catch (DbUpdateException ex)
            {
                logger.LogDebug(ex, "Interactions: {Count} events conflicted with another writer; merging them one by one", batch.Count);
                foreach (var p in batch)
                {
                    WriteOne(p);
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Interactions: could not record {Count} events", batch.Count);
                foreach (var p in batch)
                {
                    p.Done.TrySetException(ex);
                }
            }
        }
    }

    private void WriteBatch(List<Pending> batch)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var ids = new List<Guid>(batch.Count);
        foreach (var p in batch)
        {
            if (p.Merge is not null && !ids.Contains(p.CallId))
            {
                ids.Add(p.CallId);
            }
        }
        var rows = ids.Count == 0 ? [] : db.Interactions.Where(i => ids.Contains(i.CallId)).ToDictionary(i => i.CallId);
        foreach (var p in batch)
        {
            if (p.Audit is not null)
            {
                db.AuditEntries.Add(p.Audit);
                continue;
            }
            if (!rows.TryGetValue(p.CallId, out var row))
            {
                row = new Interaction { CallId = p.CallId };
                rows.Add(p.CallId, row);
                db.Interactions.Add(row);
            }
            p.Merge!(row);
        }
        foreach (var row in rows.Values)
        {
            InteractionRecorder.Derive(row);
            ResolveCustomer(db, row);
        }
        db.SaveChanges();
    }

    /// <summary>The conflict path: read the row again and merge on top until this write wins.</summary>
    private void WriteOne(Pending p)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                WriteBatch([p]);
                p.Done.TrySetResult();
                return;
            }
            catch (DbUpdateException ex) when (attempt < MaxAttempts)
            {
                logger.LogDebug(ex, "Interaction {CallId}: concurrent write, merging again (attempt {Attempt})", p.CallId, attempt);
                Thread.Sleep(5 * attempt);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Interaction {CallId}: could not record the event", p.CallId);
                p.Done.TrySetException(ex);
                return;
            }
        }
    }

    private void ResolveCustomer(CrmDbContext db, Interaction row)
    {
        if (row.CustomerId is null && phones.TryNormalize(row.Caller, out var e164))
        {
            row.CustomerId = db.CustomerPhones.AsNoTracking()
                .Where(p => p.E164 == e164)
                .Select(p => (Guid?)p.CustomerId)
                .FirstOrDefault();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inbox.CompleteAdding();
        if (_thread is not null)
        {
            await _stopped.Task.ConfigureAwait(false);
        }
    }

    /// <summary>A merge into a call's interaction row, or an audit row to insert.</summary>
    private sealed record Pending(Guid CallId, Action<Interaction>? Merge, AuditEntry? Audit, TaskCompletionSource Done);
}
