using System.Text.Json;
using ContactCenter.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Callbacks;

/// <summary>Which attempt of which promise a callback call is.</summary>
internal sealed record CallbackAttempt(Guid CallId, Guid Origin, int Attempt);

/// <summary>
/// The gateway's durable part of keeping callbacks: a JSON-lines file (<c>Telephony:DataPath</c>/callbacks-{gateway}.jsonl)
/// of the attempts it began and finished and of the retries it owes. Routing's journal holds a callback while it waits in
/// its queue; this ledger holds it between attempts (the retry interval) and across a restart of the gateway:
/// <list type="bullet">
/// <item>a retry is written before it is due and published as a <see cref="CallQueued"/> when due (an id derived from the
/// promise and the attempt number, so a publish repeated after a crash is the same call to routing);</item>
/// <item>an attempt begun and never finished (the gateway stopped or died during it) is owed again at the next start;</item>
/// <item>a finished attempt is remembered, so a redelivered <see cref="ConnectCallToAgent"/> never dials the customer twice;</item>
/// <item>a published callback that routing refuses (queue full, no agents) is owed again after the retry interval; so is a
/// voicemail handed to routing as a work item (kept for a day after it was handed over: routing refuses at once or not at all).</item>
/// </list>
/// </summary>
internal sealed class CallbackLedger : IAsyncDisposable
{
    private static readonly TimeSpan DoneKeptFor = TimeSpan.FromDays(3);
    private static readonly TimeSpan WorkItemKeptFor = TimeSpan.FromDays(1);
    private static readonly TimeSpan PublishRetry = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string path;
    private readonly IPublishEndpoint bus;
    private readonly TimeProvider time;
    private readonly ILogger<CallbackLedger> logger;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim fileLock = new(1, 1);
    private readonly Dictionary<Guid, Entry> pending = [];
    private readonly Dictionary<Guid, Entry> published = [];
    private readonly Dictionary<Guid, Entry> started = [];
    private readonly Dictionary<Guid, DateTimeOffset> done = [];
    private readonly Dictionary<Guid, (Guid Origin, int Attempt)> attempts = [];
    private readonly Dictionary<Guid, ITimer> timers = [];
    private FileStream? file;
    private bool disposed;

    public CallbackLedger(string path, IPublishEndpoint bus, TimeProvider time, ILogger<CallbackLedger> logger)
    {
        this.path = path;
        this.bus = bus;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Retries owed and not yet handed to routing.</summary>
    public int PendingCount
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>Reads the file, owes again what a stopped gateway left unfinished, rewrites the file compacted and arms the timers.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var now = time.GetUtcNow();
        if (File.Exists(path))
        {
            var lineNumber = 0;
            foreach (var line in await File.ReadAllLinesAsync(path).ConfigureAwait(false))
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                Entry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<Entry>(line, Json);
                }
                catch (JsonException error)
                {
                    // A line cut short by a crash mid-write: everything before it stands.
                    logger.LogWarning("Callback ledger {Path} line {Line} unreadable, skipped: {Error}", path, lineNumber, error.Message);
                    continue;
                }

                if (entry is not null)
                {
                    Apply(entry);
                }
            }
        }

        foreach (var interrupted in started.Values.ToList())
        {
            // Begun, never finished: the gateway stopped during the attempt. Owed again at once; a stop is not the customer's fault.
            started.Remove(interrupted.Id);
            done[interrupted.Id] = now;
            if (interrupted.Message is { } template)
            {
                var next = Retry(new CallbackAttempt(interrupted.Id, interrupted.Origin ?? interrupted.Id, interrupted.Attempt), template, now);
                pending[next.Id] = next;
                attempts[next.Id] = (next.Origin!.Value, next.Attempt);
                logger.LogWarning("Callback {CallId} (attempt {Attempt}) was interrupted by a stop of the gateway; attempt {Next} is owed now as {Retry}",
                    interrupted.Id, interrupted.Attempt, next.Attempt, next.Id);
            }
        }

        foreach (var handed in published.Values.ToList())
        {
            // A voicemail handed to routing as a work item never comes back here to be placed: once routing has kept it for a
            // day (a refusal comes at once, or as soon as this gateway is back), the ledger owes nothing more for it.
            if (handed.Message is { VoicemailPath: not null, IsCallback: false } && now - handed.At > WorkItemKeptFor)
            {
                published.Remove(handed.Id);
                done[handed.Id] = now;
            }
        }

        foreach (var (id, at) in done.ToList())
        {
            if (now - at > DoneKeptFor)
            {
                done.Remove(id);
            }
        }

        await CompactAsync(now).ConfigureAwait(false);
        List<Entry> toArm;
        lock (gate)
        {
            toArm = [.. pending.Values];
        }

        foreach (var entry in toArm)
        {
            Arm(entry);
        }

        logger.LogInformation("Callback ledger {Path}: {Pending} retries owed, {Published} callbacks with routing", path, toArm.Count, published.Count);
    }

    /// <summary>Which attempt a callback call is: a retry the ledger made, else the first attempt of its own promise.</summary>
    public CallbackAttempt AttemptFor(Guid callId)
    {
        lock (gate)
        {
            return attempts.TryGetValue(callId, out var a) ? new CallbackAttempt(callId, a.Origin, a.Attempt) : new CallbackAttempt(callId, callId, 1);
        }
    }

    /// <summary>True when this callback call was already placed (finished): a redelivered command must not dial again.</summary>
    public bool IsDone(Guid callId)
    {
        lock (gate)
        {
            return done.ContainsKey(callId) || started.ContainsKey(callId);
        }
    }

    /// <summary>An attempt begins: if the gateway stops before <see cref="FinishAsync"/>, the next start owes the next attempt.</summary>
    public Task BeginAsync(CallbackAttempt attempt, CallQueued template)
    {
        var entry = new Entry("started", attempt.CallId, attempt.Origin, attempt.Attempt, null, template, time.GetUtcNow());
        lock (gate)
        {
            published.Remove(attempt.CallId);
            started[attempt.CallId] = entry;
        }

        return AppendAsync(entry);
    }

    /// <summary>An attempt that never reached the customer's dialling (the agent was not reached): routing keeps the call, nothing is owed here.</summary>
    public Task AbandonAsync(CallbackAttempt attempt)
    {
        lock (gate)
        {
            if (!started.Remove(attempt.CallId, out var entry))
            {
                return Task.CompletedTask;
            }

            published[attempt.CallId] = entry;
        }

        return AppendAsync(new Entry("released", attempt.CallId, attempt.Origin, attempt.Attempt, null, null, time.GetUtcNow()));
    }

    /// <summary>An attempt ended; with <paramref name="retryAt"/> the next attempt is owed then (built from <paramref name="template"/>).</summary>
    public async Task<CallbackAttempt?> FinishAsync(CallbackAttempt attempt, CallQueued template, DateTimeOffset? retryAt)
    {
        var now = time.GetUtcNow();
        Entry? next = retryAt is { } due ? Retry(attempt, template, due) : null;
        lock (gate)
        {
            started.Remove(attempt.CallId);
            done[attempt.CallId] = now;
            if (next is not null)
            {
                pending[next.Id] = next;
                attempts[next.Id] = (attempt.Origin, next.Attempt);
            }
        }

        await AppendAsync(new Entry("done", attempt.CallId, attempt.Origin, attempt.Attempt, null, null, now)).ConfigureAwait(false);
        if (next is null)
        {
            return null;
        }

        await AppendAsync(next).ConfigureAwait(false);
        Arm(next);
        return new CallbackAttempt(next.Id, attempt.Origin, next.Attempt);
    }

    /// <summary>Hands a new callback to routing now, through the ledger (so that a refusal by routing is retried, not lost).</summary>
    public async Task QueueAsync(CallQueued message)
    {
        var entry = new Entry("retry", message.CallId, message.CallbackOf ?? message.CallId, Math.Max(1, message.Attempt), time.GetUtcNow(), message, time.GetUtcNow());
        lock (gate)
        {
            if (pending.ContainsKey(entry.Id) || published.ContainsKey(entry.Id) || done.ContainsKey(entry.Id))
            {
                return;
            }

            pending[entry.Id] = entry;
            attempts[entry.Id] = (entry.Origin!.Value, entry.Attempt);
        }

        await AppendAsync(entry).ConfigureAwait(false);
        await PublishAsync(entry.Id).ConfigureAwait(false);
    }

    /// <summary>
    /// Routing took a callback out of its queue (queue full, no agents). A callback this ledger handed over is owed again
    /// after its retry interval; returns false for a call the ledger does not know.
    /// </summary>
    public async Task<bool> OnRefusedAsync(Guid callId, string reason, TimeSpan retryAfter)
    {
        Entry again;
        lock (gate)
        {
            if (!published.Remove(callId, out var entry))
            {
                return false;
            }

            again = entry with { Op = "retry", Due = time.GetUtcNow() + retryAfter, At = time.GetUtcNow() };
            pending[callId] = again;
        }

        logger.LogWarning("Callback {CallId} refused by routing ({Reason}); handed over again at {Due:O}", callId, reason, again.Due);
        await AppendAsync(again).ConfigureAwait(false);
        Arm(again);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            disposed = true;
            foreach (var timer in timers.Values)
            {
                timer.Dispose();
            }

            timers.Clear();
        }

        await fileLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
                file = null;
            }
        }
        finally
        {
            fileLock.Release();
        }
    }

    private static Entry Retry(CallbackAttempt attempt, CallQueued template, DateTimeOffset due)
    {
        var next = attempt.Attempt + 1;
        var id = CallbackIds.Derive(attempt.Origin, "retry", next);
        var message = template with
        {
            CallId = id,
            IsCallback = true,
            CallbackOf = attempt.Origin,
            Attempt = next,
        };
        return new Entry("retry", id, attempt.Origin, next, due, message, due);
    }

    private void Apply(Entry entry)
    {
        switch (entry.Op)
        {
            case "retry":
                pending[entry.Id] = entry;
                published.Remove(entry.Id);
                attempts[entry.Id] = (entry.Origin ?? entry.Id, entry.Attempt);
                break;
            case "queued":
                if (pending.Remove(entry.Id, out var queued))
                {
                    published[entry.Id] = queued;
                }
                break;
            case "started":
                pending.Remove(entry.Id);
                published.Remove(entry.Id);
                started[entry.Id] = entry;
                break;
            case "released":
                if (started.Remove(entry.Id, out var released))
                {
                    published[entry.Id] = released;
                }
                break;
            case "done":
                started.Remove(entry.Id);
                pending.Remove(entry.Id);
                published.Remove(entry.Id);
                done[entry.Id] = entry.At;
                break;
        }
    }

    private void Arm(Entry entry)
    {
        lock (gate)
        {
            if (disposed || !pending.ContainsKey(entry.Id))
            {
                return;
            }

            var delay = (entry.Due ?? time.GetUtcNow()) - time.GetUtcNow();
            if (timers.Remove(entry.Id, out var old))
            {
                old.Dispose();
            }

            timers[entry.Id] = time.CreateTimer(_ => _ = PublishAsync(entry.Id), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task PublishAsync(Guid id)
    {
        Entry? entry;
        lock (gate)
        {
            if (disposed || !pending.TryGetValue(id, out entry) || entry.Message is null)
            {
                return;
            }

            if (timers.Remove(id, out var timer))
            {
                timer.Dispose();
            }
        }

        try
        {
            await bus.Publish(entry.Message with { OccurredAt = time.GetUtcNow() }).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            logger.LogWarning("Callback {CallId} not handed to routing yet ({Error}); trying again in {Delay}", id, error.Message, PublishRetry);
            Arm(entry with { Due = time.GetUtcNow() + PublishRetry });
            return;
        }

        // Written before it leaves the pending set, so that what the ledger reports owed is what a restart would owe.
        await AppendAsync(new Entry("queued", id, entry.Origin, entry.Attempt, null, null, time.GetUtcNow())).ConfigureAwait(false);
        lock (gate)
        {
            if (!pending.Remove(id))
            {
                return;
            }

            published[id] = entry;
        }

        logger.LogInformation("Callback {CallId} (attempt {Attempt} of promise {Origin}) handed to routing in {Queue}", id, entry.Attempt, entry.Origin, entry.Message.Queue);
    }

    private async Task AppendAsync(Entry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, Json);
        await fileLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            file ??= new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await file.WriteAsync(line).ConfigureAwait(false);
            file.WriteByte((byte)'\n');
            await file.FlushAsync().ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            fileLock.Release();
        }
    }

    private async Task CompactAsync(DateTimeOffset now)
    {
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var (id, at) in done)
            {
                await WriteAsync(stream, new Entry("done", id, null, 0, null, null, at)).ConfigureAwait(false);
            }

            foreach (var entry in published.Values)
            {
                await WriteAsync(stream, entry with { Op = "retry" }).ConfigureAwait(false);
                await WriteAsync(stream, new Entry("queued", entry.Id, entry.Origin, entry.Attempt, null, null, now)).ConfigureAwait(false);
            }

            foreach (var entry in pending.Values)
            {
                await WriteAsync(stream, entry).ConfigureAwait(false);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);

        static async Task WriteAsync(Stream stream, Entry entry)
        {
            await stream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(entry, Json)).ConfigureAwait(false);
            stream.WriteByte((byte)'\n');
        }
    }

    /// <summary>One line of the ledger.</summary>
    private sealed record Entry(string Op, Guid Id, Guid? Origin, int Attempt, DateTimeOffset? Due, CallQueued? Message, DateTimeOffset At);
}
