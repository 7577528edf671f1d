using System.Text.Json;
using ContactCenter.Routing.Engine;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Routing.Service.Database;

/// <summary>
/// A partition's journal as rows. Group commit as the file journal does it: the inputs of one batch are inserted in one
/// transaction (one log flush instead of one fsync), and that transaction first updates the partition's lease row where the
/// fencing token is still ours; when it is not, nothing is written and <see cref="LeaseLostException"/> stops the deposed
/// instance. The lease row update also orders appends against a take-over: both write the same row, so the take-over sees
/// every append committed before it and none commits after it. Used by the actor's thread only (synchronous by design).
/// </summary>
internal sealed class DatabaseJournal(string partition, RoutingDatabase database, DatabaseLease lease) : IEngineJournal
{
    private readonly List<JournalRow> _pending = [];
    private long _seq;

    public string Location => $"{database.Provider} table RoutingJournal, partition '{partition}'";

    public int EntriesSinceSnapshot { get; private set; }

    public JournalSnapshot? ReadSnapshot()
    {
        using var db = database.Create();
        var row = db.Snapshots.AsNoTracking().SingleOrDefault(s => s.Partition == partition);
        if (row is null)
        {
            return null;
        }
        var state = JsonSerializer.Deserialize<EngineState>(row.State, EngineJournal.SnapshotJson)
            ?? throw new InvalidDataException($"{Location}: empty snapshot");
        _seq = Math.Max(_seq, row.Seq);
        return new JournalSnapshot(row.Seq, row.At, state);
    }

    public List<JournalEntry> ReadAll()
    {
        using var db = database.Create();
        var rows = db.Journal.AsNoTracking().Where(r => r.Partition == partition).OrderBy(r => r.Seq).ToList();
        var entries = new List<JournalEntry>(rows.Count);
        foreach (var r in rows)
        {
            var input = JsonSerializer.Deserialize<EngineInput>(r.Input, EngineJournal.Json)
                ?? throw new InvalidDataException($"{Location}: entry {r.Seq} is empty");
            entries.Add(new JournalEntry(r.Seq, r.At, input));
            _seq = Math.Max(_seq, r.Seq);
        }
        EntriesSinceSnapshot = entries.Count;
        return entries;
    }

    public void Write(DateTimeOffset at, EngineInput input) =>
        _pending.Add(new JournalRow { Partition = partition, Seq = _seq + _pending.Count + 1, At = at, Input = JsonSerializer.Serialize(input, EngineJournal.Json) });

    public void Commit()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        var last = _pending[^1].Seq;
        try
        {
            using var db = database.Create();
            using var transaction = db.Database.BeginTransaction();
            Fence(db, last);
            db.Journal.AddRange(_pending);
            db.SaveChanges();
            transaction.Commit();
        }
        catch (Exception ex) when (ex is not LeaseLostException)
        {
            if (JournalEndsBefore(_pending[0].Seq))
            {
                throw;
            }
            // The commit failed, but the table may hold this batch anyway (a connection lost after the server committed): the
            // engine will not apply it, and the next batch would reuse its sequence numbers. Step down; the next term replays
            // the journal as it really is, and the redelivered messages are dropped there as duplicates.
            lease.MarkLost();
            throw new LeaseLostException(
                $"routing partition '{partition}': a journal commit failed ({ex.Message}) and the journal may hold entry {_pending[0].Seq} or later; stepping down to replay it",
                ex);
        }
        _seq = last;
        EntriesSinceSnapshot += _pending.Count;
        _pending.Clear();
    }

    public void Discard() => _pending.Clear();

    /// <summary>True when the table is known to hold no entry from <paramref name="seq"/> on (false when it cannot be read either).</summary>
    private bool JournalEndsBefore(long seq)
    {
        try
        {
            using var db = database.Create();
            return !db.Journal.Any(r => r.Partition == partition && r.Seq >= seq);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    public void Compact(DateTimeOffset at, EngineState state)
    {
        var json = JsonSerializer.Serialize(state, EngineJournal.SnapshotJson);
        using (var db = database.Create())
        using (var transaction = db.Database.BeginTransaction())
        {
            Fence(db, _seq);
            var row = db.Snapshots.SingleOrDefault(s => s.Partition == partition);
            if (row is null)
            {
                db.Snapshots.Add(new SnapshotRow { Partition = partition, Seq = _seq, At = at, State = json });
            }
            else
            {
                row.Seq = _seq;
                row.At = at;
                row.State = json;
            }
            db.SaveChanges();
            var seq = _seq;
            db.Journal.Where(r => r.Partition == partition && r.Seq <= seq).ExecuteDelete();
            transaction.Commit();
        }
        EntriesSinceSnapshot = 0;
    }

    /// <summary>Claims the lease row inside the transaction; fails (nothing written) when another instance holds the lease now.</summary>
    private void Fence(RoutingDbContext db, long lastSeq)
    {
        var token = lease.Token;
        var holder = lease.Holder;
        var ours = db.Leases
            .Where(l => l.Partition == partition && l.Token == token && l.Holder == holder)
            .ExecuteUpdate(s => s.SetProperty(l => l.LastSeq, lastSeq));
        if (ours != 1)
        {
            lease.MarkLost();
            throw new LeaseLostException($"routing partition '{partition}': the lease was taken over (fencing token {token} is stale); nothing was journaled");
        }
    }

    public void Dispose()
    {
    }
}
