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

    public SipRateLimiter(int perSecond, int burst, TimeSpan coolOff, TimeProvider time)
    {
        rate = perSecond;
        this.burst = Math.Max(burst, perSecond);
        coolOffTicks = (long)(coolOff.TotalSeconds * time.TimestampFrequency);
        this.time = time;
    }

    public bool Enabled => rate > 0;

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
        if (!Enabled)
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
