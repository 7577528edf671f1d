using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Service.Database;

/// <summary>
/// A partition's journal, snapshot and lease in routing's own tables, so that the active instance and its standby need not share
/// a file system. The lease is a row: the holder renews it every third of <c>Routing:LeaseDuration</c>; a standby that sees the
/// row unchanged (same token, same heartbeat) for a whole lease duration on its own clock takes it over, adding one to the
/// fencing token, which every journal append of the deposed holder then fails on.
/// </summary>
internal sealed partial class DatabaseJournalStore(
    string partition, RoutingDatabase database, TimeSpan leaseDuration, TimeSpan retry, TimeProvider time, ILogger log) : IJournalStore
{
    public string Location => $"{database.Provider} tables RoutingJournal/RoutingSnapshot/RoutingLease, partition '{partition}'";

    public async Task<IPartitionLease> AcquireAsync(Func<bool> canLead, CancellationToken cancellationToken)
    {
        var holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        holder = holder[..Math.Min(holder.Length, 200)];
        (long Token, long Heartbeat)? seen = null;
        var seenAt = 0L;
        var waitingLogged = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (canLead())
            {
                try
                {
                    var taken = await TryTakeAsync(holder, seen, seenAt, cancellationToken).ConfigureAwait(false);
                    if (taken.Token is long token)
                    {
                        if (waitingLogged)
                        {
                            LogTakeOver(log, partition, token);
                        }
                        return new DatabaseLease(partition, holder, token, database, leaseDuration, time, log);
                    }
                    if (taken.Seen != seen)
                    {
                        seen = taken.Seen;
                        seenAt = time.GetTimestamp();
                    }
                    if (!waitingLogged)
                    {
                        LogStandby(log, partition, taken.Holder ?? "?");
                        waitingLogged = true;
                    }
                }
                catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
                {
                    LogPollFailed(log, partition, ex.Message);
                }
            }
            await Task.Delay(retry, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One look at the lease row; takes it when free, released, or unchanged for a lease duration.</summary>
    private async Task<(long? Token, (long, long)? Seen, string? Holder)> TryTakeAsync(string holder, (long Token, long Heartbeat)? seen, long seenAt, CancellationToken ct)
    {
        await using var db = database.Create();
        var row = await db.Leases.AsNoTracking().SingleOrDefaultAsync(l => l.Partition == partition, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (row is null)
        {
            db.Leases.Add(new LeaseRow { Partition = partition, Holder = holder, Token = 1, Heartbeat = 0, RenewedAt = now });
            try
            {
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                return (1, null, holder);
            }
            catch (DbUpdateException)
            {
                // Another instance created the row first: look again next time.
                return (null, null, null);
            }
        }
        var current = (row.Token, row.Heartbeat);
        var expired = row.Holder is null
            || (seen == current && time.GetElapsedTime(seenAt) >= leaseDuration);
        if (!expired)
        {
            return (null, current, row.Holder);
        }
        var next = row.Token + 1;
        var changed = await db.Leases
            .Where(l => l.Partition == partition && l.Token == row.Token && l.Heartbeat == row.Heartbeat)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Holder, holder)
                .SetProperty(l => l.Token, next)
                .SetProperty(l => l.Heartbeat, 0L)
                .SetProperty(l => l.RenewedAt, now), ct).ConfigureAwait(false);
        if (changed == 1 && row.Holder is not null)
        {
            LogExpired(log, partition, row.Holder, leaseDuration);
        }
        return changed == 1 ? (next, null, holder) : (null, current, row.Holder);
    }

    public IEngineJournal Open(IPartitionLease lease) => new DatabaseJournal(partition, database, (DatabaseLease)lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing standby for partition {Partition}: {Holder} holds the lease; waiting to take over")]
    private static partial void LogStandby(ILogger log, string partition, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing taking over partition {Partition} (fencing token {Token})")]
    private static partial void LogTakeOver(ILogger log, string partition, long token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition}: the lease of {Holder} was not renewed for {Duration}; taking it over")]
    private static partial void LogExpired(ILogger log, string partition, string holder, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition}: could not read the lease: {Message}")]
    private static partial void LogPollFailed(ILogger log, string partition, string message);
}

/// <summary>
/// A lease row held by this process: renewed every third of the lease duration. Lost when a renewal finds another token (taken
/// over) or when no renewal succeeded for a whole lease duration (a standby may have taken it: stop before it does anything).
/// </summary>
internal sealed partial class DatabaseLease : IPartitionLease
{
    private readonly string _partition;
    private readonly RoutingDatabase _database;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewals;

    public DatabaseLease(string partition, string holder, long token, RoutingDatabase database, TimeSpan duration, TimeProvider time, ILogger log)
    {
        _partition = partition;
        Holder = holder;
        Token = token;
        _database = database;
        _duration = duration;
        _time = time;
        _log = log;
        _renewals = Task.Run(RenewAsync);
    }

    public string Holder { get; }

    /// <summary>The fencing token every append checks.</summary>
    public long Token { get; }

    public CancellationToken Lost => _lost.Token;

    /// <summary>An append found another token: the lease is gone.</summary>
    public void MarkLost()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RenewAsync()
    {
        var lastRenewal = _time.GetTimestamp();
        var period = _duration / 3;
        while (!_stop.IsCancellationRequested && !_lost.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await using var db = _database.Create();
                var now = _time.GetUtcNow();
                var renewed = await db.Leases
                    .Where(l => l.Partition == _partition && l.Token == Token && l.Holder == Holder)
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.Heartbeat, l => l.Heartbeat + 1).SetProperty(l => l.RenewedAt, now), _stop.Token)
                    .ConfigureAwait(false);
                if (renewed == 0)
                {
                    LogDeposed(_log, _partition, Token);
                    MarkLost();
                    return;
                }
                lastRenewal = _time.GetTimestamp();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException or TimeoutException)
            {
                if (_time.GetElapsedTime(lastRenewal) >= _duration)
                {
                    LogRenewalFailed(_log, _partition, _duration, ex.Message);
                    MarkLost();
                    return;
                }
            }
        }
    }

    /// <summary>Stops renewing and releases the row (when still ours), so a standby takes over without waiting for it to expire.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewals.ConfigureAwait(false);
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                await using var db = _database.Create();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await db.Leases.Where(l => l.Partition == _partition && l.Token == Token && l.Holder == Holder)
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, (string?)null), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException or OperationCanceledException)
            {
                // It expires by itself: the standby takes over after one lease duration instead of at once.
                LogReleaseFailed(_log, _partition, ex.Message);
            }
        }
        MarkLost();
        _lost.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Routing partition {Partition}: another instance took the lease over (our token {Token}); stepping down")]
    private static partial void LogDeposed(ILogger log, string partition, long token);

    [LoggerMessage(Level = LogLevel.Error, Message = "Routing partition {Partition}: the lease could not be renewed for {Duration} ({Message}); stepping down")]
    private static partial void LogRenewalFailed(ILogger log, string partition, TimeSpan duration, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing partition {Partition}: could not release the lease ({Message}); it expires by itself")]
    private static partial void LogReleaseFailed(ILogger log, string partition, string message);
}
