using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContactCenter.Routing.Service;
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

        // Warm-up: every measured path runs enough to be tiered up (and the background JIT gets time to finish), so the
        // samples below are of optimised code, as in BenchmarkDotNet's runs.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 20_000; i++)
            {
                engine.Handle(world.Call(n, 250 + (n % 250), TimeSpan.Zero));
                engine.Handle(new EndCall(RoutingWorld.CallId(n), null, CallOutcome.Abandoned, CallParty.Caller, "bench"));
                n++;
                var id = world.Profiles[5000 + (i % 5000)].AgentId;
                engine.Handle(new ChangeAgentState(id, AgentState.Available, null, "bench"));
                engine.Handle(new ChangeAgentState(id, AgentState.NotReady, "busy", "bench"));
                engine.Outputs.Clear();
                if (scan.NewCall(250 + (i % 250)) is var agent and >= 0)
                {
                    scan.Release(agent);
                }
                if (scan.FreedAgent(5000 + (i % 5000)) is { } call)
                {
                    scan.Requeue(call);
                }
                engine.SelectAgentForNewCall(250 + (i % 250));
                engine.SelectCallForFreedAgent(5000 + (i % 5000));
                scan.BestAgent(250 + (i % 250));
                scan.BestCall(5000 + (i % 5000));
            }
            Thread.Sleep(1000);
        }
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

        // The selection alone, like for like: which agent / which call, nothing reserved on either side.
        Console.WriteLine("selection only (no state change on either side):");
        var scanSamples = new long[decisions];
        var engineMatched = 0;
        matched = 0;
        // Separate loops (as in BenchmarkDotNet): interleaving would let the scan evict the engine's indexes from the cache.
        for (var i = 0; i < decisions; i++)
        {
            var queue = 250 + (i % 250);
            var t0 = Stopwatch.GetTimestamp();
            var e = engine.SelectAgentForNewCall(queue);
            samples[i] = Stopwatch.GetTimestamp() - t0;
            engineMatched += e >= 0 ? 1 : 0;
        }
        for (var i = 0; i < decisions; i++)
        {
            var queue = 250 + (i % 250);
            var t0 = Stopwatch.GetTimestamp();
            var s = scan.BestAgent(queue);
            scanSamples[i] = Stopwatch.GetTimestamp() - t0;
            matched += s >= 0 ? 1 : 0;
        }
        Report("engine select agent", samples, engineMatched);
        Report("scan select agent", scanSamples, matched);
        Ratio(samples, scanSamples);
        engineMatched = 0;
        matched = 0;
        for (var i = 0; i < decisions; i++)
        {
            var agent = 5000 + (i % 5000);
            var t0 = Stopwatch.GetTimestamp();
            var e = engine.SelectCallForFreedAgent(agent);
            samples[i] = Stopwatch.GetTimestamp() - t0;
            engineMatched += e is not null ? 1 : 0;
        }
        for (var i = 0; i < decisions; i++)
        {
            var agent = 5000 + (i % 5000);
            var t0 = Stopwatch.GetTimestamp();
            var s = scan.BestCall(agent);
            scanSamples[i] = Stopwatch.GetTimestamp() - t0;
            matched += s is not null ? 1 : 0;
        }
        Report("engine select call", samples, engineMatched);
        Report("scan select call", scanSamples, matched);
        Ratio(samples, scanSamples);

        // Journal compaction at this size: how long the engine pauses to snapshot, and how long a restart takes to restore.
        var t = Stopwatch.GetTimestamp();
        var state = engine.Capture();
        var json = JsonSerializer.SerializeToUtf8Bytes(new JournalSnapshot(1, world.Start, state), EngineJournal.SnapshotJson);
        var captured = Stopwatch.GetElapsedTime(t);
        t = Stopwatch.GetTimestamp();
        var snapshot = JsonSerializer.Deserialize<JournalSnapshot>(json, EngineJournal.SnapshotJson)!;
        var deserialised = Stopwatch.GetElapsedTime(t);
        var restored = new RoutingEngine(world.Config, new FixedClock(world.Start));
        restored.Restore(snapshot.State);
        var restoredIn = Stopwatch.GetElapsedTime(t);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"snapshot: {json.Length / 1024.0 / 1024.0:0.0} MiB JSON, capture + serialise {captured.TotalMilliseconds:0} ms, deserialise + restore {restoredIn.TotalMilliseconds:0} ms (of which deserialise {deserialised.TotalMilliseconds:0} ms; {restored.CheckInvariants().Count} invariant violations)"));
    }

    private static void Ratio(long[] engine, long[] scan)
    {
        var e = (long[])engine.Clone();
        var s = (long[])scan.Clone();
        Array.Sort(e);
        Array.Sort(s);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  scan/engine: mean {s.Average() / Math.Max(1e-9, e.Average()):0.0}x, p50 {(double)s[s.Length / 2] / Math.Max(1, e[e.Length / 2]):0.0}x (Stopwatch ticks of {1e9 / Stopwatch.Frequency:0} ns)"));
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
