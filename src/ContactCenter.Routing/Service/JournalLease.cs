using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Service;

/// <summary>
/// The active-instance lease: an exclusive lock on <c>{journal}.lock</c> (on Linux an advisory <c>flock</c>, released by the
/// kernel when the holder dies). Only the holder opens, replays and appends to the journal; a standby instance on the same
/// journal volume waits here, then replays everything the active one wrote and carries on. On RabbitMQ the <c>routing</c>
/// queue's single active consumer hands messages to one instance; the lease makes sure the engine it feeds has the whole state.
/// </summary>
internal sealed partial class JournalLease : IPartitionLease, IDisposable
{
    private readonly FileStream _lock;

    private JournalLease(FileStream lockFile) => _lock = lockFile;

    public static string LockPath(string journalPath) => journalPath + ".lock";

    /// <summary>Takes the lease now, or returns null if another instance holds it.</summary>
    public static JournalLease? TryAcquire(string journalPath)
    {
        var path = LockPath(journalPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        try
        {
            return new JournalLease(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits (as a standby) until the lease is free, polling every <paramref name="retry"/>.</summary>
    public static async Task<JournalLease> AcquireAsync(string journalPath, TimeSpan retry, TimeProvider time, ILogger log, CancellationToken cancellationToken, Func<bool>? canLead = null)
    {
        var waiting = false;
        while (true)
        {
            if ((canLead is null || canLead()) && TryAcquire(journalPath) is { } lease)
            {
                if (waiting)
                {
                    LogTakeOver(log, journalPath);
                }
                return lease;
            }
            if (!waiting)
            {
                LogStandby(log, journalPath);
                waiting = true;
            }
            await Task.Delay(retry, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The kernel holds the lock for the process's lifetime: never lost while this process runs.</summary>
    public CancellationToken Lost => CancellationToken.None;

    public void Dispose() => _lock.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing standby: another instance holds the journal {Path}; waiting to take over")]
    private static partial void LogStandby(ILogger log, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing standby taking over the journal {Path}")]
    private static partial void LogTakeOver(ILogger log, string path);
}

/// <summary>The embedded default: the journal in a JSON-lines file, its snapshot beside it, the lease a lock file (one host).</summary>
internal sealed class FileJournalStore(string journalPath, TimeSpan retry, TimeProvider time, ILogger log) : IJournalStore
{
    public string Location => journalPath;

    public async Task<IPartitionLease> AcquireAsync(Func<bool> canLead, CancellationToken cancellationToken) =>
        await JournalLease.AcquireAsync(journalPath, retry, time, log, cancellationToken, canLead).ConfigureAwait(false);

    public IEngineJournal Open(IPartitionLease lease) => new EngineJournal(journalPath);
}
