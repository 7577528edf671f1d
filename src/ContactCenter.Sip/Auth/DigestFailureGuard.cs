using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Auth;

/// <summary>What a blocked source is answered (Sip:AuthBlockResponse).</summary>
public enum AuthBlockResponse
{
    /// <summary>Nothing: its requests are dropped (the attacker waits on its own timers).</summary>
    Silence,
    /// <summary>403 Forbidden, statelessly, to every request but ACK.</summary>
    Forbidden,
}

/// <summary>Settings of <see cref="DigestFailureGuard"/>.</summary>
public sealed record DigestFailureGuardOptions
{
    /// <summary>Failed digest answers from one source address, within <see cref="Window"/>, that block it (0 = never).</summary>
    public int SourceLimit { get; init; } = 10;
    /// <summary>
    /// Failed digest answers for one user (from any source) within <see cref="Window"/> after which the user is
    /// "targeted": every source that then fails for that user is blocked at its first failure (0 = never).
    /// </summary>
    public int UserLimit { get; init; } = 30;
    /// <summary>The window failures are counted in.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a blocked source stays blocked.</summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>What a blocked source is answered.</summary>
    public AuthBlockResponse Response { get; init; } = AuthBlockResponse.Silence;
}

/// <summary>A source address blocked for guessing digest passwords.</summary>
/// <param name="Address">The source address.</param>
/// <param name="BlockedAt">When it was blocked.</param>
/// <param name="Until">When the block lapses.</param>
/// <param name="Failures">Failed answers counted in the window when it was blocked.</param>
/// <param name="LastUser">The user name of its last failed answer.</param>
public sealed record BlockedSipSource(IPAddress Address, DateTimeOffset BlockedAt, DateTimeOffset Until, int Failures, string? LastUser);

/// <summary>A user name with failed digest answers in the current window.</summary>
/// <param name="User">The user name tried.</param>
/// <param name="Failures">Failed answers in the window.</param>
/// <param name="Targeted">True when over the per-user limit (any failing source is blocked at once).</param>
public sealed record TargetedSipUser(string User, int Failures, bool Targeted);

/// <summary>
/// Brute-force protection of digest authentication (fail2ban/pike for the registrar): failed answers are counted per
/// source address and per user name in a sliding window; a source over its limit, or failing for a user over its limit,
/// is blocked for <see cref="DigestFailureGuardOptions.BlockTime"/> (its requests are dropped or answered 403 before any
/// parsing beyond the first line's transaction). Each block is logged once. Memory is bounded: at most
/// <see cref="MaxTracked"/> sources and users are tracked, idle ones are swept.
/// </summary>
public sealed class DigestFailureGuard
{
    /// <summary>Most sources (and users) tracked at once; beyond it the oldest idle entries are swept first.</summary>
    public const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<IPAddress, Counter> sources = new();
    private readonly ConcurrentDictionary<string, Counter> users = new(StringComparer.Ordinal);
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private long failures;
    private long blocks;
    private long dropped;
    private long lastSweepTicks;

    private sealed class Counter
    {
        public readonly Queue<long> Failures = new();
        public long BlockedAtTicks;
        public long BlockedUntilTicks;
        public int FailuresWhenBlocked;
        public string? LastUser;
        public long LastTicks;
    }

    /// <summary>Creates a guard.</summary>
    public DigestFailureGuard(DigestFailureGuardOptions options, TimeProvider time, ILogger<DigestFailureGuard> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>The settings.</summary>
    public DigestFailureGuardOptions Options { get; }

    /// <summary>Failed digest answers counted since start.</summary>
    public long FailuresTotal => Interlocked.Read(ref failures);

    /// <summary>Sources blocked since start (a source blocked twice counts twice).</summary>
    public long BlocksTotal => Interlocked.Read(ref blocks);

    /// <summary>Requests from blocked sources dropped or answered 403 since start.</summary>
    public long BlockedRequestsTotal => Interlocked.Read(ref dropped);

    /// <summary>Raised once when a source becomes blocked.</summary>
    public event Action<BlockedSipSource>? SourceBlocked;

    /// <summary>
    /// True while <paramref name="source"/> is blocked; counts the request as refused (the caller drops it or answers 403
    /// per <see cref="DigestFailureGuardOptions.Response"/>).
    /// </summary>
    public bool IsBlocked(IPAddress source)
    {
        if (sources.IsEmpty || !sources.TryGetValue(source, out var c))
        {
            return false;
        }
        if (Volatile.Read(ref c.BlockedUntilTicks) <= time.GetUtcNow().UtcTicks)
        {
            return false;
        }
        Interlocked.Increment(ref dropped);
        return true;
    }

    /// <summary>Records a failed digest answer from <paramref name="source"/> for <paramref name="user"/>.</summary>
    public void RecordFailure(IPAddress source, string? user)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = time.GetUtcNow().UtcTicks;
        Interlocked.Increment(ref failures);
        Sweep(now);
        var windowStart = now - Options.Window.Ticks;
        var userTargeted = false;
        if (user is not null && Options.UserLimit > 0 && (users.Count < MaxTracked || users.ContainsKey(user)))
        {
            var u = users.GetOrAdd(user, _ => new Counter());
            lock (u)
            {
                Trim(u, windowStart);
                u.Failures.Enqueue(now);
                if (u.Failures.Count > 1000)
                {
                    u.Failures.Dequeue();
                }
                u.LastTicks = now;
                userTargeted = u.Failures.Count > Options.UserLimit;
            }
        }
        if (Options.SourceLimit <= 0 && !userTargeted)
        {
            return;
        }
        if (sources.Count >= MaxTracked && !sources.ContainsKey(source))
        {
            return;
        }
        var c = sources.GetOrAdd(source, _ => new Counter());
        BlockedSipSource? blocked = null;
        lock (c)
        {
            Trim(c, windowStart);
            c.Failures.Enqueue(now);
            c.LastTicks = now;
            c.LastUser = user;
            var over = (Options.SourceLimit > 0 && c.Failures.Count >= Options.SourceLimit) || userTargeted;
            if (over && c.BlockedUntilTicks <= now)
            {
                c.BlockedAtTicks = now;
                c.FailuresWhenBlocked = c.Failures.Count;
                Volatile.Write(ref c.BlockedUntilTicks, now + Options.BlockTime.Ticks);
                c.Failures.Clear();
                blocked = Snapshot(source, c);
            }
        }
        if (blocked is not null)
        {
            Interlocked.Increment(ref blocks);
            logger.LogWarning(
                "SIP source {Source} blocked until {Until:u} after {Failures} failed digest answer(s) (last user '{User}'{Targeted})",
                source, blocked.Until, blocked.Failures, user, userTargeted ? ", a user over its own failure limit" : "");
            try
            {
                SourceBlocked?.Invoke(blocked);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "SourceBlocked handler failed");
            }
        }
    }

    /// <summary>Lifts the block of <paramref name="source"/> (an operator's decision); false when it was not blocked.</summary>
    public bool Unblock(IPAddress source)
    {
        if (!sources.TryRemove(source, out var c))
        {
            return false;
        }
        var was = Volatile.Read(ref c.BlockedUntilTicks) > time.GetUtcNow().UtcTicks;
        if (was)
        {
            logger.LogInformation("SIP source {Source} unblocked", source);
        }
        return was;
    }

    /// <summary>The sources blocked now, most recent first.</summary>
    public IReadOnlyList<BlockedSipSource> GetBlockedSources()
    {
        var now = time.GetUtcNow().UtcTicks;
        var list = new List<BlockedSipSource>();
        foreach (var kv in sources)
        {
            lock (kv.Value)
            {
                if (kv.Value.BlockedUntilTicks > now)
                {
                    list.Add(Snapshot(kv.Key, kv.Value));
                }
            }
        }
        list.Sort((a, b) => b.BlockedAt.CompareTo(a.BlockedAt));
        return list;
    }

    /// <summary>Count of sources blocked now (a gauge).</summary>
    public int BlockedSourceCount
    {
        get
        {
            var now = time.GetUtcNow().UtcTicks;
            var n = 0;
            foreach (var kv in sources)
            {
                if (Volatile.Read(ref kv.Value.BlockedUntilTicks) > now)
                {
                    n++;
                }
            }
            return n;
        }
    }

    /// <summary>User names with failures in the current window, most failures first (at most <paramref name="max"/>).</summary>
    public IReadOnlyList<TargetedSipUser> GetTargetedUsers(int max = 20)
    {
        var windowStart = time.GetUtcNow().UtcTicks - Options.Window.Ticks;
        var list = new List<TargetedSipUser>();
        foreach (var kv in users)
        {
            lock (kv.Value)
            {
                Trim(kv.Value, windowStart);
                if (kv.Value.Failures.Count > 0)
                {
                    list.Add(new TargetedSipUser(kv.Key, kv.Value.Failures.Count, Options.UserLimit > 0 && kv.Value.Failures.Count > Options.UserLimit));
                }
            }
        }
        list.Sort((a, b) => b.Failures.CompareTo(a.Failures));
        return list.Count > max ? list[..max] : list;
    }

    private static BlockedSipSource Snapshot(IPAddress address, Counter c) => new(
        address,
        new DateTimeOffset(c.BlockedAtTicks, TimeSpan.Zero),
        new DateTimeOffset(c.BlockedUntilTicks, TimeSpan.Zero),
        c.FailuresWhenBlocked,
        c.LastUser);

    private static void Trim(Counter c, long windowStart)
    {
        while (c.Failures.Count > 0 && c.Failures.Peek() < windowStart)
        {
            c.Failures.Dequeue();
        }
    }

    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref lastSweepTicks);
        if (now - last < TimeSpan.TicksPerMinute && sources.Count < MaxTracked && users.Count < MaxTracked)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref lastSweepTicks, now, last) != last)
        {
            return;
        }
        var idle = now - Options.Window.Ticks;
        foreach (var kv in sources)
        {
            if (Volatile.Read(ref kv.Value.BlockedUntilTicks) <= now && kv.Value.LastTicks < idle)
            {
                sources.TryRemove(kv.Key, out _);
            }
        }
        foreach (var kv in users)
        {
            if (kv.Value.LastTicks < idle)
            {
                users.TryRemove(kv.Key, out _);
            }
        }
    }
}
