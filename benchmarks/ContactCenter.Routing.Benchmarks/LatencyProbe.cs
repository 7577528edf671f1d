using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// Per-decision latency distribution (BenchmarkDotNet's percentiles are over iteration means, not single decisions): times each
/// deciding input alone with Stopwatch timestamps, for the engine and the scan, and prints p50/p99/p99.9.
/// Run: <c>dotnet run -c Release --project benchmarks/ContactCenter.Routing.Benchmarks -- --latency [decisions] [rounds]</c>.
/// <list type="bullet">
/// <item>Engine and scan are measured in alternating blocks (<c>rounds</c> of each, the first side swapped every round), so that a
/// change in the machine's load during the run falls on both sides; the ratio is also given per round (lowest–highest).</item>
/// <item>A selection takes tens of nanoseconds, about as long as reading the clock twice: the probe measures an empty timed
/// interval first and gives the selection percentiles both raw and less that overhead's median ("net"), and also times the
/// selections in whole blocks (two clock reads per block: the mean without the clock's cost).</item>
/// </list>
/// </summary>
internal static class LatencyProbe
{
    public static void Run(int decisions, int rounds)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at start: {LoadAverage()}"));
        var world = new RoutingWorld();
        var before = GC.GetTotalMemory(true);
        var engine = world.BuildEngine(new FixedClock(world.Start));
        var after = GC.GetTotalMemory(true);
        var scan = new ScanRouter(world);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"world: {RoutingWorld.Agents} agents, {RoutingWorld.Queues} queues, {RoutingWorld.Skills} skills, {engine.QueueSnapshots().Sum(q => q.Waiting.Count)} waiting calls; engine state {(after - before) / 1024.0 / 1024.0:0.0} MiB"));
        var model = new AppQueueModel(world);
        var probe = new Probe(world, engine, scan, model);
        probe.CheckModel();
        probe.WarmUp();

        var perRound = Math.Max(1, decisions / rounds);
        var overhead = probe.TimerOverhead(perRound * rounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clock: an empty timed interval takes p50 {Ns(overhead.P50)} ns, p99 {Ns(overhead.P99)} ns; Stopwatch ticks of {1e9 / Stopwatch.Frequency:0} ns, smallest step seen {Ns(overhead.Step)} ns; 'net' figures below subtract the p50"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} rounds of {perRound:N0} decisions per side, engine and scan alternating"));

        Compare("new call, whole input (CallQueued; the hang-up that undoes it is not timed)", rounds, perRound, overhead, net: false,
            new Side("engine", probe.EngineNewCall, null), new Side("scan", probe.ScanNewCall, null));
        Compare("freed agent, whole input (Available; the NotReady that undoes it is not timed)", rounds, perRound, overhead, net: false,
            new Side("engine", probe.EngineFreedAgent, null), new Side("scan", probe.ScanFreedAgent, null));
        Compare("selection only, new call (which agent; nothing changes)", rounds, perRound, overhead, net: true,
            new Side("engine", probe.EngineSelectAgent, probe.EngineSelectAgentBlock), new Side("scan", probe.ScanSelectAgent, probe.ScanSelectAgentBlock),
            new Side("app_queue model", probe.ModelSelectAgent, probe.ModelSelectAgentBlock));
        Compare("selection only, freed agent (which call; nothing changes)", rounds, perRound, overhead, net: true,
            new Side("engine", probe.EngineSelectCall, probe.EngineSelectCallBlock),
            new Side("scan, every member for each head call", probe.ScanByMembersSelectCall, probe.ScanByMembersSelectCallBlock),
            new Side("scan, agent-driven", probe.ScanSelectCall, probe.ScanSelectCallBlock),
            new Side("app_queue model", probe.ModelSelectCall, probe.ModelSelectCallBlock));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated per whole-input pair: engine new call + hang-up {probe.NewCallBytes} B, available + not ready {probe.FreedAgentBytes} B; gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));

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
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at end: {LoadAverage()}"));
    }

    /// <summary>One side of a comparison: per-decision timing into a sample array (returns decisions matched), and optionally a block timing.</summary>
    private sealed record Side(string Name, Func<long[], int, int, int> Timed, Func<int, long>? Block);

    /// <summary>
    /// Times one kind of decision on every side in alternating rounds (the order rotates each round, so no side always runs on the
    /// caches another left behind) and prints the distributions and each baseline's ratio to the first side, the engine.
    /// </summary>
    private static void Compare(string title, int rounds, int perRound, Stats overhead, bool net, params Side[] sides)
    {
        var samples = new long[sides.Length][];
        var blocks = new long[sides.Length][];
        var matched = new int[sides.Length];
        for (var k = 0; k < sides.Length; k++)
        {
            samples[k] = new long[rounds * perRound];
            blocks[k] = new long[rounds];
        }
        for (var r = 0; r < rounds; r++)
        {
            for (var j = 0; j < sides.Length; j++)
            {
                var k = (j + r) % sides.Length;
                matched[k] += sides[k].Timed(samples[k], r * perRound, perRound);
                blocks[k][r] = sides[k].Block?.Invoke(perRound) ?? 0;
            }
        }
        var stats = Array.ConvertAll(samples, Stats.Of);
        Console.WriteLine(title);
        for (var k = 0; k < sides.Length; k++)
        {
            Print("  " + sides[k].Name, stats[k], matched[k], overhead, net);
        }
        if (net)
        {
            var byRound = string.Join("; ", Enumerable.Range(0, sides.Length).Select(k =>
                sides[k].Name + " " + string.Join("/", blocks[k].Select(b => Ns(b / (double)perRound)))));
            Console.WriteLine($"  block means per round (ns): {byRound}");
        }
        var e = stats[0];
        for (var k = 1; k < sides.Length; k++)
        {
            var s = stats[k];
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  {sides[k].Name}/engine: p50 {s.P50 / Math.Max(1e-9, e.P50):0.0}x, p99 {s.P99 / Math.Max(1e-9, e.P99):0.0}x");
            var perRoundRatios = new List<double>(rounds);
            if (net)
            {
                // A round preempted by another process inflates its block mean: the median round is the robust figure.
                var engineMedian = Median(blocks[0]) / perRound;
                var sideMedian = Median(blocks[k]) / perRound;
                line += string.Create(CultureInfo.InvariantCulture,
                    $"; net p50 {(s.P50 - overhead.P50) / Math.Max(1, e.P50 - overhead.P50):0.0}x; block means (median round) {Ns(engineMedian)} / {Ns(sideMedian)} ns = {sideMedian / Math.Max(1e-9, engineMedian):0.0}x");
                for (var r = 0; r < rounds; r++)
                {
                    perRoundRatios.Add((double)blocks[k][r] / Math.Max(1, blocks[0][r]));
                }
            }
            else
            {
                for (var r = 0; r < rounds; r++)
                {
                    perRoundRatios.Add(Median(samples[k].AsSpan(r * perRound, perRound)) / Math.Max(1, Median(samples[0].AsSpan(r * perRound, perRound))));
                }
            }
            perRoundRatios.Sort();
            line += string.Create(CultureInfo.InvariantCulture,
                $"; per round ({(net ? "block means" : "p50")}) median {perRoundRatios[perRoundRatios.Count / 2]:0.0}x, {perRoundRatios[0]:0.0}x-{perRoundRatios[^1]:0.0}x");
            Console.WriteLine(line);
        }
    }

    private static void Print(string name, Stats st, int matched, Stats overhead, bool net)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{name,-8} n={st.Count} matched={matched} p50={Us(st.P50)}us p99={Us(st.P99)}us p99.9={Us(st.P999)}us max={Us(st.Max)}us mean={Us(st.Mean)}us => {Stopwatch.Frequency / Math.Max(1e-9, st.Mean):N0} decisions/s");
        if (net)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" | net p50={Ns(st.P50 - overhead.P50)}ns p99={Ns(st.P99 - overhead.P50)}ns");
        }
        Console.WriteLine(text);
    }

    private static double Median(ReadOnlySpan<long> samples)
    {
        var copy = samples.ToArray();
        Array.Sort(copy);
        return copy[copy.Length / 2];
    }

    private static string Us(double ticks) => (ticks * 1_000_000.0 / Stopwatch.Frequency).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Ns(double ticks) => (ticks * 1e9 / Stopwatch.Frequency).ToString("0.0", CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>A distribution of Stopwatch ticks; <see cref="Step"/> is the smallest non-zero gap between sorted samples (the clock's granularity, when many samples are alike).</summary>
    private readonly record struct Stats(int Count, double P50, double P99, double P999, double Max, double Mean, double Step)
    {
        public static Stats Of(long[] samples)
        {
            var sorted = (long[])samples.Clone();
            Array.Sort(sorted);
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            var step = long.MaxValue;
            for (var i = 1; i < sorted.Length; i++)
            {
                var gap = sorted[i] - sorted[i - 1];
                if (gap > 0 && gap < step)
                {
                    step = gap;
                }
            }
            return new Stats(sorted.Length, At(0.50), At(0.99), At(0.999), sorted[^1], sorted.Average(), step == long.MaxValue ? 0 : step);
        }
    }

    /// <summary>The timed operations, on one engine and one scan that both stay in the world's steady state.</summary>
    private sealed class Probe(RoutingWorld world, RoutingEngine engine, ScanRouter scan, AppQueueModel model)
    {
        private int _call = RoutingWorld.WaitingCalls;
        private int _queue;
        private int _agent;

        public long NewCallBytes { get; private set; }

        public long FreedAgentBytes { get; private set; }

        /// <summary>Every measured path runs enough to be tiered up (and the background JIT gets time to finish), as in BenchmarkDotNet's runs.</summary>
        public void WarmUp()
        {
            var sink = new long[20_000];
            for (var round = 0; round < 2; round++)
            {
                EngineNewCall(sink, 0, sink.Length);
                EngineFreedAgent(sink, 0, sink.Length);
                ScanNewCall(sink, 0, sink.Length);
                ScanFreedAgent(sink, 0, sink.Length);
                EngineSelectAgent(sink, 0, sink.Length);
                ScanSelectAgent(sink, 0, sink.Length);
                EngineSelectCall(sink, 0, sink.Length);
                ScanSelectCall(sink, 0, sink.Length);
                EngineSelectAgentBlock(sink.Length);
                ScanSelectAgentBlock(sink.Length);
                EngineSelectCallBlock(sink.Length);
                ScanSelectCallBlock(sink.Length);
                ScanByMembersSelectCall(sink, 0, sink.Length);
                ScanByMembersSelectCallBlock(sink.Length);
                ModelSelectAgent(sink, 0, sink.Length / 10);
                ModelSelectCall(sink, 0, sink.Length / 10);
                ModelSelectAgentBlock(sink.Length / 10);
                ModelSelectCallBlock(sink.Length / 10);
                TimerOverhead(sink.Length);
                Thread.Sleep(1000);
            }
        }

        public Stats TimerOverhead(int count)
        {
            var samples = new long[count];
            for (var i = 0; i < samples.Length; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                samples[i] = Stopwatch.GetTimestamp() - t0;
            }
            return Stats.Of(samples);
        }

        private int NextQueue() => 250 + (_queue++ % 250);

        private int NextAgent() => 5000 + (_agent++ % 5000);

        public int EngineNewCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < count; i++)
            {
                var n = _call++;
                var input = world.Call(n, 250 + (n % 250), TimeSpan.Zero);
                var t0 = Stopwatch.GetTimestamp();
                engine.Handle(input);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += engine.Outputs.Count > 0 ? 1 : 0;
                engine.Handle(new EndCall(RoutingWorld.CallId(n), null, CallOutcome.Abandoned, CallParty.Caller, "bench"));
                engine.Outputs.Clear();
            }
            NewCallBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / count;
            return matched;
        }

        public int EngineFreedAgent(long[] samples, int offset, int count)
        {
            var matched = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < count; i++)
            {
                var id = world.Profiles[NextAgent()].AgentId;
                var input = new ChangeAgentState(id, AgentState.Available, null, "bench");
                var t0 = Stopwatch.GetTimestamp();
                engine.Handle(input);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                foreach (var o in engine.Outputs)
                {
                    matched += o is ReservationMade ? 1 : 0;
                }
                engine.Handle(new ChangeAgentState(id, AgentState.NotReady, "busy", "bench"));
                engine.Outputs.Clear();
            }
            FreedAgentBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / count;
            return matched;
        }

        public int ScanNewCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var queue = NextQueue();
                var t0 = Stopwatch.GetTimestamp();
                var agent = scan.NewCall(queue);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                if (agent >= 0)
                {
                    matched++;
                    scan.Release(agent);
                }
            }
            return matched;
        }

        public int ScanFreedAgent(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var agent = NextAgent();
                var t0 = Stopwatch.GetTimestamp();
                var call = scan.FreedAgent(agent);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                if (call is not null)
                {
                    matched++;
                    scan.Requeue(call);
                }
            }
            return matched;
        }

        public int EngineSelectAgent(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var queue = NextQueue();
                var t0 = Stopwatch.GetTimestamp();
                var agent = engine.SelectAgentForNewCall(queue);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += agent >= 0 ? 1 : 0;
            }
            return matched;
        }

        public int ScanSelectAgent(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var queue = NextQueue();
                var t0 = Stopwatch.GetTimestamp();
                var agent = scan.BestAgent(queue);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += agent >= 0 ? 1 : 0;
            }
            return matched;
        }

        public int EngineSelectCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var agent = NextAgent();
                var t0 = Stopwatch.GetTimestamp();
                var call = engine.SelectCallForFreedAgent(agent);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += call is not null ? 1 : 0;
            }
            return matched;
        }

        public int ScanSelectCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var agent = NextAgent();
                var t0 = Stopwatch.GetTimestamp();
                var call = scan.BestCall(agent);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += call is not null ? 1 : 0;
            }
            return matched;
        }

        /// <summary>The app_queue model gives a new call the scan's agent; for a freed agent it finds a call whenever the scan does (not always the same one).</summary>
        public void CheckModel()
        {
            var same = 0;
            for (var q = 250; q < 500; q++)
            {
                same += model.BestAgent(q) == scan.BestAgent(q) ? 1 : 0;
            }
            var both = 0;
            for (var a = 5000; a < 10_000; a++)
            {
                both += (model.BestCall(a) >= 0) == (scan.BestCall(a) is not null) ? 1 : 0;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"app_queue model: same agent as the scan for {same} of 250 new calls; finds a call exactly when the scan does for {both} of 5,000 freed agents"));
            var agree = 0;
            var engineAgree = 0;
            for (var a = 5000; a < 10_000; a++)
            {
                var byMembers = scan.BestCallByMembers(a);
                agree += byMembers?.Id == scan.BestCall(a)?.Id ? 1 : 0;
                var chosen = engine.SelectCallForFreedAgent(a);
                engineAgree += (chosen is null) == (byMembers is null) && (chosen is null || chosen.Id == RoutingWorld.CallId(byMembers!.Id)) ? 1 : 0;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"freed agents: the scan of every member for each head call takes the same call as the agent-driven scan for {agree} of 5,000, the engine's call for {engineAgree} of 5,000"));
        }

        public int ModelSelectAgent(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var queue = NextQueue();
                var t0 = Stopwatch.GetTimestamp();
                var agent = model.BestAgent(queue);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += agent >= 0 ? 1 : 0;
            }
            return matched;
        }

        public int ModelSelectCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var agent = NextAgent();
                var t0 = Stopwatch.GetTimestamp();
                var call = model.BestCall(agent);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += call >= 0 ? 1 : 0;
            }
            return matched;
        }

        public long ModelSelectAgentBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += model.BestAgent(NextQueue());
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }

        public long ModelSelectCallBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += model.BestCall(NextAgent());
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }

        public long EngineSelectAgentBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += engine.SelectAgentForNewCall(NextQueue());
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }

        public long ScanSelectAgentBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += scan.BestAgent(NextQueue());
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }

        public long EngineSelectCallBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += engine.SelectCallForFreedAgent(NextAgent()) is null ? 0 : 1;
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }

        public int ScanByMembersSelectCall(long[] samples, int offset, int count)
        {
            var matched = 0;
            for (var i = 0; i < count; i++)
            {
                var agent = NextAgent();
                var t0 = Stopwatch.GetTimestamp();
                var call = scan.BestCallByMembers(agent);
                samples[offset + i] = Stopwatch.GetTimestamp() - t0;
                matched += call is not null ? 1 : 0;
            }
            return matched;
        }

        public long ScanByMembersSelectCallBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += scan.BestCallByMembers(NextAgent()) is null ? 0 : 1;
            }
            var elapsed = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return elapsed;
        }

        public long ScanSelectCallBlock(int count)
        {
            var sink = 0;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                sink += scan.BestCall(NextAgent()) is null ? 0 : 1;
            }
            var ticks = Stopwatch.GetTimestamp() - t0;
            GC.KeepAlive(sink);
            return ticks;
        }
    }
}
