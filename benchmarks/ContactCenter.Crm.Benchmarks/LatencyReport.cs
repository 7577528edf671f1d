using System.Diagnostics;
using ContactCenter.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- latency</c>: the customer-360 by phone, EF path vs the ADO.NET
/// one-round-trip baseline, interleaved on random phones, p50/p99 per path and their ratio;
/// then interaction ingestion (call events per second) through the real recorder.
/// </summary>
internal static class LatencyReport
{
    public static async Task RunAsync(int lookups, int calls)
    {
        await using var env = await BenchmarkEnvironment.CreateAsync();
        using var ado = new AdoCustomer360(env.ConnectionString, 10);
        var now = TimeProvider.System.GetUtcNow();
        var rnd = new Random(7);

        // The two paths must agree before their speed means anything.
        for (var i = 0; i < 200; i++)
        {
            var phone = BenchmarkData.PhoneOf(rnd.Next(env.Customers));
            var ef = await env.EfByPhoneAsync(phone) ?? throw new InvalidOperationException($"EF found no customer for {phone}");
            var baseline = await ado.ByPhoneAsync(phone, now) ?? throw new InvalidOperationException($"ADO found no customer for {phone}");
            if (ef.Customer.Id != baseline.Customer.Id || ef.Totals.Interactions != baseline.Totals.Interactions
                || !ef.OpenCases.Select(c => c.Id).SequenceEqual(baseline.OpenCases.Select(c => c.Id))
                || !ef.RecentInteractions.Select(x => x.CallId).SequenceEqual(baseline.RecentInteractions.Select(x => x.CallId)))
            {
                throw new InvalidOperationException($"EF and ADO.NET disagree for {phone}");
            }
        }

        var efTimes = new double[lookups];
        var adoTimes = new double[lookups];
        for (var i = 0; i < lookups; i++)
        {
            var phone = BenchmarkData.PhoneOf(rnd.Next(env.Customers));
            var efFirst = (i & 1) == 0;
            for (var pass = 0; pass < 2; pass++)
            {
                var start = Stopwatch.GetTimestamp();
                if ((pass == 0) == efFirst)
                {
                    _ = await env.EfByPhoneAsync(phone);
                    efTimes[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                }
                else
                {
                    _ = await ado.ByPhoneAsync(phone, now);
                    adoTimes[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                }
            }
        }
        Array.Sort(efTimes);
        Array.Sort(adoTimes);
        static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"customer-360 by phone, {lookups:N0} lookups each, {env.Customers:N0} customers:");
        Console.WriteLine($"  ADO.NET one round trip (baseline): p50 {P(adoTimes, 0.50):F0} µs  p99 {P(adoTimes, 0.99):F0} µs  mean {adoTimes.Average():F0} µs");
        Console.WriteLine($"  EF Core (3 queries, untracked):    p50 {P(efTimes, 0.50):F0} µs  p99 {P(efTimes, 0.99):F0} µs  mean {efTimes.Average():F0} µs");
        Console.WriteLine($"  ratio EF/ADO: p50 {P(efTimes, 0.50) / P(adoTimes, 0.50):F2}x  p99 {P(efTimes, 0.99) / P(adoTimes, 0.99):F2}x  mean {efTimes.Average() / adoTimes.Average():F2}x");

        await IngestAsync(env, calls, workers: 1);
        await IngestAsync(env, calls, workers: 8);
    }

    private static async Task IngestAsync(BenchmarkEnvironment env, int calls, int workers)
    {
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        var baseTime = TimeProvider.System.GetUtcNow();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < calls)
            {
                await RecordCallAsync(env, Guid.NewGuid(), BenchmarkData.PhoneOf(n % env.Customers), baseTime.AddSeconds(n));
            }
        })));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"ingestion, {workers} worker(s): {calls * 6:N0} call events in {seconds:F1} s = {calls * 6 / seconds:N0} events/s");
    }

    /// <summary>One call's six events, each in its own scope as a consumer would get them.</summary>
    public static async Task RecordCallAsync(BenchmarkEnvironment env, Guid callId, string caller, DateTimeOffset t0)
    {
        var ct = CancellationToken.None;
        async Task One(Func<Interactions.InteractionRecorder, Task> record)
        {
            await using var scope = env.Services.CreateAsyncScope();
            await record(env.Recorder(scope));
        }
        await One(r => r.RecordAsync(new CallReceived { CallId = callId, Caller = caller, Did = "+442079460999", GatewayId = "gw-1", OccurredAt = t0 }, ct));
        await One(r => r.RecordAsync(new CallQueued { CallId = callId, Queue = "support", Caller = caller, GatewayId = "gw-1", IvrPath = "main>1", QueuedAt = t0.AddSeconds(10), OccurredAt = t0.AddSeconds(10) }, ct));
        await One(r => r.RecordAsync(new AgentReserved { CallId = callId, AgentId = "alice", Queue = "support", Caller = caller, IvrPath = "main>1", Waited = TimeSpan.FromSeconds(20), Reason = "idle", OccurredAt = t0.AddSeconds(30) }, ct));
        await One(r => r.RecordAsync(new CallConnected { CallId = callId, AgentId = "alice", Queue = "support", OccurredAt = t0.AddSeconds(35) }, ct));
        await One(r => r.RecordAsync(new CallEnded { CallId = callId, AgentId = "alice", Queue = "support", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE", OccurredAt = t0.AddSeconds(300) }, ct));
        await One(r => r.RecordAsync(new CompleteWrapUp { CallId = callId, AgentId = "alice", Disposition = "resolved", OccurredAt = t0.AddSeconds(330) }, ct));
    }
}
