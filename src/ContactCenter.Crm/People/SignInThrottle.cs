using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.People;

/// <summary>
/// Locks sign-in out after repeated failures: <c>Auth:LockoutFailures</c> failures for one login from one address within
/// <c>Auth:LockoutWindow</c> lock that login from that address for <c>Auth:LockoutDuration</c>; <c>Auth:LockoutFailuresPerLogin</c>
/// failures for one login from any addresses lock it everywhere (guessing spread over many addresses; 0 = off). A success clears
/// the login's count from that address. Counts live in this process (a CRM instance); a restart forgets them.
/// </summary>
internal sealed class SignInThrottle(IOptions<CrmAuthOptions> options, TimeProvider time)
{
    /// <summary>Entries kept at most; beyond it, expired ones are swept first and then the oldest go.</summary>
    internal const int MaxEntries = 100_000;

    private readonly object gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>How long the login stays locked (from this address), or null when it may try.</summary>
    public TimeSpan? LockedOut(string login, string address)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            var longest = TimeSpan.Zero;
            foreach (var key in Keys(login, address))
            {
                if (entries.TryGetValue(key, out var entry) && entry.LockedUntil > now && entry.LockedUntil - now > longest)
                {
                    longest = entry.LockedUntil - now;
                }
            }
            return longest > TimeSpan.Zero ? longest : null;
        }
    }

    /// <summary>Counts a failure; true when it locked the login (from the address or everywhere) just now.</summary>
    public bool Failed(string login, string address)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (entries.Count >= MaxEntries)
            {
                Sweep(now);
            }
            var locked = Count(PairKey(login, address), o.LockoutFailures, now, o);
            if (o.LockoutFailuresPerLogin > 0)
            {
                locked |= Count(LoginKey(login), o.LockoutFailuresPerLogin, now, o);
            }
            return locked;
        }
    }

    /// <summary>A right password: the count for this login from this address starts again.</summary>
    public void Succeeded(string login, string address)
    {
        lock (gate)
        {
            entries.Remove(PairKey(login, address));
        }
    }

    private bool Count(string key, int limit, DateTimeOffset now, CrmAuthOptions o)
    {
        if (!entries.TryGetValue(key, out var entry) || entry.WindowStart + o.LockoutWindow <= now)
        {
            entry = new Entry { WindowStart = now };
        }
        entry.Failures++;
        var lockedNow = false;
        if (entry.Failures >= limit && entry.LockedUntil <= now)
        {
            entry.LockedUntil = now + o.LockoutDuration;
            entry.Failures = 0;
            entry.WindowStart = now;
            lockedNow = true;
        }
        entries[key] = entry;
        return lockedNow;
    }

    private void Sweep(DateTimeOffset now)
    {
        var window = options.Value.LockoutWindow;
        foreach (var (key, entry) in entries.ToList())
        {
            if (entry.LockedUntil <= now && entry.WindowStart + window <= now)
            {
                entries.Remove(key);
            }
        }
        if (entries.Count >= MaxEntries)
        {
            foreach (var key in entries.OrderBy(e => e.Value.WindowStart).Take(entries.Count - MaxEntries / 2).Select(e => e.Key).ToList())
            {
                entries.Remove(key);
            }
        }
    }

    private static IEnumerable<string> Keys(string login, string address) => [PairKey(login, address), LoginKey(login)];

    private static string PairKey(string login, string address) => $"{login}\n{address}";

    private static string LoginKey(string login) => $"{login}\n*";

    private struct Entry
    {
        public DateTimeOffset WindowStart;
        public int Failures;
        public DateTimeOffset LockedUntil;
    }
}
