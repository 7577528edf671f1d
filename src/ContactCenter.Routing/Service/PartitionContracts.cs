using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Service;

/// <summary>
/// The journal of one partition's engine inputs, opened by the holder of the partition's lease: a JSON-lines file
/// (<see cref="EngineJournal"/>) or database rows (<see cref="Database.DatabaseJournal"/>). Used by the actor's thread only.
/// </summary>
internal interface IEngineJournal : IDisposable
{
    /// <summary>Where the journal lives, for logs.</summary>
    string Location { get; }

    /// <summary>Entries since the last compaction.</summary>
    int EntriesSinceSnapshot { get; }

    /// <summary>The compaction snapshot, if any; entries up to its sequence number are not replayed.</summary>
    JournalSnapshot? ReadSnapshot();

    /// <summary>Every entry in the journal, oldest first.</summary>
    List<JournalEntry> ReadAll();

    /// <summary>Buffers one entry; it is durable only after <see cref="Commit"/>, and must not be applied before.</summary>
    void Write(DateTimeOffset at, EngineInput input);

    /// <summary>Makes the buffered entries durable at once (group commit). Throws <see cref="LeaseLostException"/> when fenced.</summary>
    void Commit();

    /// <summary>Drops entries written but not committed.</summary>
    void Discard();

    /// <summary>Writes the snapshot of the state after the last committed entry and empties the journal.</summary>
    void Compact(DateTimeOffset at, EngineState state);
}

/// <summary>The right to be a partition's active instance, held until released or lost.</summary>
internal interface IPartitionLease : IAsyncDisposable
{
    /// <summary>Who holds it (this process), for logs.</summary>
    string Holder { get; }

    /// <summary>Cancelled when the lease is lost (another instance took it over); the holder must stop processing at once.</summary>
    CancellationToken Lost { get; }
}

/// <summary>Where a partition's journal, snapshot and lease live (<c>Routing:JournalStore</c>).</summary>
internal interface IJournalStore
{
    /// <summary>Where, for logs.</summary>
    string Location { get; }

    /// <summary>Takes the lease, waiting as a standby while another instance holds it; <paramref name="canLead"/> false postpones trying.</summary>
    Task<IPartitionLease> AcquireAsync(Func<bool> canLead, CancellationToken cancellationToken);

    /// <summary>Opens the journal under a lease just taken.</summary>
    IEngineJournal Open(IPartitionLease lease);
}

/// <summary>Another instance took the partition's lease over: this one's appends are fenced off and it must stop processing.</summary>
internal sealed class LeaseLostException : Exception
{
    public LeaseLostException() { }
    public LeaseLostException(string message) : base(message) { }
    public LeaseLostException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The partition is not active in this process (standby, stepping down or stopping). Not a cancellation: callers that wait for
/// the next term (<see cref="RoutingPartition.Submit"/>) or answer 503 (the API) catch it by name, and a term that meets it
/// ends like any failed term, so the partition competes for its lease again.
/// </summary>
internal sealed class PartitionInactiveException : Exception
{
    public PartitionInactiveException() { }
    public PartitionInactiveException(string message) : base(message) { }
    public PartitionInactiveException(string message, Exception inner) : base(message, inner) { }
}
