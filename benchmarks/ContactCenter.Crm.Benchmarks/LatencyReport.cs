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
        using var adoPerCall = new AdoCustomer360(env.ConnectionString, 10, reuseCommand: false);
        var now = BenchmarkData.Now; // the EF path's TimeProvider is fixed at the same instant
        var rnd = new Random(7);

        // The paths must return the same 360, field by field, before their speed means anything.
        for (var i = 0; i < 500; i++)
        {
            var phone = BenchmarkData.PhoneOf(rnd.Next(env.Customers));
            var ef = await env.EfByPhoneAsync(phone) ?? throw new InvalidOperationException($"EF found no customer for {phone}");
            var baseline = await ado.ByPhoneAsync(phone, now) ?? throw new InvalidOperationException($"ADO found no customer for {phone}");
            var perCall = await adoPerCall.ByPhoneAsync(phone, now) ?? throw new InvalidOperationException($"ADO found no customer for {phone}");
            if (!Same(ef, baseline) || !Same(perCall, baseline))
            {
                throw new InvalidOperationException($"EF and ADO.NET disagree for {phone}");
            }
        }

        var paths = new (string Name, Func<string, Task> Run, double[] Times)[]
        {
            ("ADO.NET one round trip, prepared once (baseline)", p => ado.ByPhoneAsync(p, now), new double[lookups]),
            ("ADO.NET one round trip, command per lookup      ", p => adoPerCall.ByPhoneAsync(p, now), new double[lookups]),
            ("EF Core Customer360Query                        ", p => env.EfByPhoneAsync(p), new double[lookups]),
        };
        for (var i = 0; i < lookups; i++)
        {
            var phone = BenchmarkData.PhoneOf(rnd.Next(env.Customers));
            for (var k = 0; k < paths.Length; k++)
            {
                // Rotate which path goes first: the first one pays for any page the lookup brings into the cache.
                var path = paths[(i + k) % paths.Length];
                var start = Stopwatch.GetTimestamp();
                await path.Run(phone);
                path.Times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        foreach (var path in paths)
        {
            Array.Sort(path.Times);
        }
        static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"customer-360 by phone, {lookups:N0} lookups each, {env.Customers:N0} customers:");
        foreach (var (name, _, times) in paths)
        {
            Console.WriteLine($"  {name}: p50 {P(times, 0.50),6:F0} µs  p99 {P(times, 0.99),6:F0} µs  mean {times.Average(),6:F0} µs");
        }
        var baseTimes = paths[0].Times;
        foreach (var (name, _, times) in paths.Skip(1))
        {
            Console.WriteLine($"  ratio {name.Trim()} / baseline: p50 {P(times, 0.50) / P(baseTimes, 0.50):F2}x  p99 {P(times, 0.99) / P(baseTimes, 0.99):F2}x  mean {times.Average() / baseTimes.Average():F2}x");
        }

        await IngestAsync(env, calls, workers: 1);
        await IngestAsync(env, calls, workers: 8);
    }

    private static bool Same(Customers.Customer360 a, Customers.Customer360 b) =>
        a.Customer with { Phones = [] } == b.Customer with { Phones = [] }
        && a.Customer.Phones.SequenceEqual(b.Customer.Phones)
        && a.OpenCases.SequenceEqual(b.OpenCases)
        && a.RecentInteractions.SequenceEqual(b.RecentInteractions)
        && a.Totals == b.Totals;

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
