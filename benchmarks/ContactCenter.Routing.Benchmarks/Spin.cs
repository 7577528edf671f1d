using System.Diagnostics;
using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// One kind of operation in a tight loop for a profiler (no timing per operation): <c>--spin select-agent|select-call|scan-agent|
/// scan-call|model-agent|model-call|new-call|freed-agent [seconds]</c>. Run it under <c>perf record -e cpu-clock</c> with <c>DOTNET_PerfMapEnabled=1</c> to
/// see where the time of one kind of decision goes; it prints the mean time per operation (loop overhead included).
/// </summary>
internal static class Spin
{
    private const int Batch = 10_000;

    public static void Run(string what, int seconds)
    {
        var world = new RoutingWorld();
        var engine = world.BuildEngine(new FixedClock(world.Start));
        var scan = new ScanRouter(world);
        var model = new AppQueueModel(world);
        var n = RoutingWorld.WaitingCalls;
        var ops = 0L;
        var sink = 0L;
        var i = 0;
        var until = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            switch (what)
            {
                case "select-agent":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += engine.SelectAgentForNewCall(250 + (i % 250));
                    }
                    break;
                case "select-call":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += engine.SelectCallForFreedAgent(5000 + (i % 5000)) is null ? 0 : 1;
                    }
                    break;
                case "scan-agent":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += scan.BestAgent(250 + (i % 250));
                    }
                    break;
                case "scan-call":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += scan.BestCall(5000 + (i % 5000))?.Id ?? 0;
                    }
                    break;
                case "model-agent":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += model.BestAgent(250 + (i % 250));
                    }
                    break;
                case "model-call":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        sink += model.BestCall(5000 + (i % 5000));
                    }
                    break;
                case "new-call":
                    for (var k = 0; k < Batch; k++, n++)
                    {
                        engine.Handle(world.Call(n, 250 + (n % 250), TimeSpan.Zero));
                        engine.Handle(new EndCall(RoutingWorld.CallId(n), null, CallOutcome.Abandoned, CallParty.Caller, "spin"));
                        engine.Outputs.Clear();
                    }
                    break;
                case "freed-agent":
                    for (var k = 0; k < Batch; k++, i++)
                    {
                        var id = world.Profiles[5000 + (i % 5000)].AgentId;
                        engine.Handle(new ChangeAgentState(id, AgentState.Available, null, "spin"));
                        engine.Handle(new ChangeAgentState(id, AgentState.NotReady, "busy", "spin"));
                        engine.Outputs.Clear();
                    }
                    break;
                default:
                    throw new ArgumentException($"unknown spin '{what}'", nameof(what));
            }
            ops += Batch;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {ops:N0} operations in {seconds} s, {seconds * 1e9 / ops:0.0} ns each (checksum {sink})"));
    }
}
