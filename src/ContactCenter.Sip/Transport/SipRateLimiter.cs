using System.Collections.Concurrent;
using System.Net;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// Per-source token bucket. A source over its rate gets one 503 (the caller sends it) and is then
/// ignored for the cool-off; other sources are unaffected. Memory is bounded by sweeping idle sources.
/// </summary>
internal sealed class SipRateLimiter
{
    private readonly ConcurrentDictionary<IPAddress, Bucket> buckets = new();
    private readonly TimeProvider time;
    private readonly double rate;
    private readonly double burst;
    private readonly long coolOffTicks;
    private long lastSweep;

    private sealed class Bucket
    {
        public double Tokens;
        public long LastTimestamp;
        public long BlockedUntil;
    }

    private IPNetwork[] exempt;

    public SipRateLimiter(int perSecond, int burst, TimeSpan coolOff, TimeProvider time, string exempt = "")
    {
        rate = perSecond;
        this.burst = Math.Max(burst, perSecond);
        coolOffTicks = (long)(coolOff.TotalSeconds * time.TimestampFrequency);
        this.time = time;
        this.exempt = ParseExempt(exempt, out var error) ?? throw new ArgumentException(error, nameof(exempt));
    }

    public bool Enabled => rate > 0;

    /// <summary>Adds networks the limit does not apply to (the gateway's trunks).</summary>
    public void AddExempt(IEnumerable<IPNetwork> networks)
    {
        lock (buckets)
        {
            exempt = [.. exempt, .. networks];
        }
    }

    /// <summary>Parses "a.b.c.d, x::/64, ..." (addresses or CIDRs); null with <paramref name="error"/> when one is not.</summary>
    internal static IPNetwork[]? ParseExempt(string? text, out string? error)
    {
        error = null;
        var list = new List<IPNetwork>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(part, out var n) : TryHost(part, out n))
            {
                list.Add(n);
                continue;
            }
            error = $"'{part}' is not an IP address or CIDR range";
            return null;
        }
        return [.. list];

        static bool TryHost(string s, out IPNetwork n)
        {
            if (IPAddress.TryParse(s, out var a))
            {
                n = new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
                return true;
            }
            n = default;
            return false;
        }
    }

    private bool IsExempt(IPAddress source)
    {
        var list = Volatile.Read(ref exempt);
        for (var i = 0; i < list.Length; i++)
        {
            if (list[i].Contains(source))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True while the source is in its cool-off (drop everything from it).</summary>
    public bool IsBlocked(IPAddress source)
    {
        if (!Enabled || !buckets.TryGetValue(source, out var b))
        {
            return false;
        }
        return Volatile.Read(ref b.BlockedUntil) > time.GetTimestamp();
    }

    /// <summary>Takes a token; false means the source just went over the limit (send 503, then block).</summary>
    public bool TryAcquire(IPAddress source)
    {
        if (!Enabled || IsExempt(source))
        {
            return true;
        }
        var now = time.GetTimestamp();
        Sweep(now);
        var b = buckets.GetOrAdd(source, _ => new Bucket { Tokens = burst, LastTimestamp = now });
        lock (b)
        {
            var elapsed = (now - b.LastTimestamp) / (double)time.TimestampFrequency;
            b.LastTimestamp = now;
            b.Tokens = Math.Min(burst, b.Tokens + (elapsed * rate));
            if (b.Tokens >= 1)
            {
                b.Tokens -= 1;
                return true;
            }
            b.BlockedUntil = now + coolOffTicks;
            b.Tokens = burst;
            return false;
        }
    }

    private void Sweep(long now)
    {
        var freq = time.TimestampFrequency;
        if (now - Interlocked.Read(ref lastSweep) < freq * 10 && buckets.Count < 100_000)
        {
            return;
        }
        Interlocked.Exchange(ref lastSweep, now);
        foreach (var kv in buckets)
        {
            if (kv.Value.BlockedUntil < now && now - kv.Value.LastTimestamp > freq * 60)
            {
                buckets.TryRemove(kv.Key, out _);
            }
        }
    }
}
