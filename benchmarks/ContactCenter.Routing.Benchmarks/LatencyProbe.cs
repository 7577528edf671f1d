using System.Diagnostics;
using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// Per-decision latency distribution (BenchmarkDotNet's percentiles are over iteration means, not single decisions):
/// times each deciding input alone with Stopwatch timestamps, for the engine and the scan, and prints p50/p99/p99.9.
/// Run: <c>dotnet run -c Release --project benchmarks/ContactCenter.Routing.Benchmarks -- --latency</c>.
/// </summary>
internal static class LatencyProbe
{
    public static void Run(int decisions)
    {
        var world = new RoutingWorld();
        var before = GC.GetTotalMemory(true);
        var engine = world.BuildEngine(new FixedClock(world.Start));
        var after = GC.GetTotalMemory(true);
        var scan = new ScanRouter(world);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"world: {RoutingWorld.Agents} agents, {RoutingWorld.Queues} queues, {RoutingWorld.Skills} skills, {engine.QueueSnapshots().Sum(q => q.Waiting.Count)} waiting calls; engine state {(after - before) / 1024.0 / 1024.0:0.0} MiB"));
        GC.KeepAlive(scan);

        var samples = new long[decisions];
        var n = RoutingWorld.WaitingCalls;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var matched = 0;
        for (var i = 0; i < decisions; i++)
        {
            var queue = 250 + (n % 250);
            var input = world.Call(n, queue, TimeSpan.Zero);
            var t0 = Stopwatch.GetTimestamp();
            engine.Handle(input);
            samples[i] = Stopwatch.GetTimestamp() - t0;
            matched += engine.Outputs.Count > 0 ? 1 : 0;
            engine.Handle(new EndCall(RoutingWorld.CallId(n), null, CallOutcome.Abandoned, CallParty.Caller, "bench"));
            engine.Outputs.Clear();
            n++;
        }
        Report("engine new call", samples, matched);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated {(GC.GetAllocatedBytesForCurrentThread() - allocated) / decisions} B per new call + hang-up; gen0/1/2 collections so far {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));
        allocated = GC.GetAllocatedBytesForCurrentThread();

        matched = 0;
        for (var i = 0; i < decisions; i++)
        {
            var id = world.Profiles[5000 + (i % 5000)].AgentId;
            var input = new ChangeAgentState(id, AgentState.Available, null, "bench");
            var t0 = Stopwatch.GetTimestamp();
            engine.Handle(input);
            samples[i] = Stopwatch.GetTimestamp() - t0;
            matched += engine.Outputs.OfType<ReservationMade>().Any() ? 1 : 0;
            engine.Handle(new ChangeAgentState(id, AgentState.NotReady, "busy", "bench"));
            engine.Outputs.Clear();
        }
        Report("engine freed agent", samples, matched);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated {(GC.GetAllocatedBytesForCurrentThread() - allocated) / decisions} B per available + not ready; gen0/1/2 collections so far {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));

        matched = 0;
        for (var i = 0; i < decisions; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var agent = scan.NewCall(250 + (i % 250));
            samples[i] = Stopwatch.GetTimestamp() - t0;
            if (agent >= 0)
            {
                matched++;
                scan.Release(agent);
            }
        }
        Report("scan new call", samples, matched);

        matched = 0;
        for (var i = 0; i < decisions; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var call = scan.FreedAgent(5000 + (i % 5000));
            samples[i] = Stopwatch.GetTimestamp() - t0;
            if (call is not null)
            {
                matched++;
                scan.Requeue(call);
            }
        }
        Report("scan freed agent", samples, matched);
    }

    private static void Report(string name, long[] samples, int matched)
    {
        var sorted = (long[])samples.Clone();
        Array.Sort(sorted);
        double Us(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))] * 1_000_000.0 / Stopwatch.Frequency;
        var mean = sorted.Average() * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-20} n={sorted.Length} matched={matched} mean={mean:0.000}us p50={Us(0.50):0.000}us p99={Us(0.99):0.000}us p99.9={Us(0.999):0.000}us max={Us(1.0):0.0}us => {1_000_000 / mean:N0} decisions/s"));
    }
}
