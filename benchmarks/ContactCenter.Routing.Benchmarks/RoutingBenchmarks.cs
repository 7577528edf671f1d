using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// Time per routing decision at 10,000 agents / 500 queues / 50 skills / 5,000 waiting calls, against the app_queue-style
/// scan in the same run. Each operation is one decision plus the input that undoes it (so the world stays the same size):
/// new call = CallQueued (decision) + caller hang-up; freed agent = Available (decision) + NotReady (call back to its place).
/// The "selection" categories compare like with like: the choice alone (engine: its indexes plus the losers' explanation;
/// scan: the walk), with no state change on either side. The scan is THE baseline (ratios are to it); the app_queue model
/// (<see cref="AppQueueModel"/>, a second baseline: app_queue's own steps for one caller's routing pass) is reported beside it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PercentileConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RoutingBenchmarks
{
    private RoutingWorld _world = null!;
    private RoutingEngine _engine = null!;
    private ScanRouter _scan = null!;
    private AppQueueModel _model = null!;
    private int _n;
    private int _agent;

    [GlobalSetup]
    public void Setup()
    {
        _world = new RoutingWorld();
        _engine = _world.BuildEngine(new FixedClock(_world.Start));
        _scan = new ScanRouter(_world);
        _model = new AppQueueModel(_world);
        _n = RoutingWorld.WaitingCalls;
    }

    [Benchmark(Baseline = true, Description = "scan: new call")]
    [BenchmarkCategory("new call")]
    public int ScanNewCall()
    {
        var agent = _scan.NewCall(250 + (_n++ % 250));
        if (agent >= 0)
        {
            _scan.Release(agent);
        }
        return agent;
    }

    [Benchmark(Description = "engine: new call")]
    [BenchmarkCategory("new call")]
    public int EngineNewCall()
    {
        var n = _n++;
        var queue = 250 + (n % 250);
        _engine.Handle(_world.Call(n, queue, TimeSpan.Zero));
        var made = _engine.Outputs.Count;
        _engine.Handle(new EndCall(RoutingWorld.CallId(n), null, CallOutcome.Abandoned, CallParty.Caller, "bench"));
        _engine.Outputs.Clear();
        return made;
    }

    [Benchmark(Baseline = true, Description = "scan: freed agent")]
    [BenchmarkCategory("freed agent")]
    public int ScanFreedAgent()
    {
        var agent = 5000 + (_agent++ % 5000);
        var call = _scan.FreedAgent(agent);
        if (call is not null)
        {
            _scan.Requeue(call);
        }
        return agent;
    }

    [Benchmark(Description = "engine: freed agent")]
    [BenchmarkCategory("freed agent")]
    public int EngineFreedAgent()
    {
        var id = _world.Profiles[5000 + (_agent++ % 5000)].AgentId;
        _engine.Handle(new ChangeAgentState(id, AgentState.Available, null, "bench"));
        var made = _engine.Outputs.Count;
        _engine.Handle(new ChangeAgentState(id, AgentState.NotReady, "busy", "bench"));
        _engine.Outputs.Clear();
        return made;
    }

    [Benchmark(Baseline = true, Description = "scan: select agent for a call")]
    [BenchmarkCategory("selection: new call")]
    public int ScanSelectAgent() => _scan.BestAgent(250 + (_n++ % 250));

    [Benchmark(Description = "engine: select agent for a call")]
    [BenchmarkCategory("selection: new call")]
    public int EngineSelectAgent() => _engine.SelectAgentForNewCall(250 + (_n++ % 250));

    [Benchmark(Baseline = true, Description = "scan, agent-driven: select call for a freed agent")]
    [BenchmarkCategory("selection: freed agent")]
    public int ScanSelectCall() => _scan.BestCall(5000 + (_agent++ % 5000))?.Id ?? -1;

    [Benchmark(Description = "scan, every member for each head call: select call for a freed agent")]
    [BenchmarkCategory("selection: freed agent")]
    public int ScanByMembersSelectCall() => _scan.BestCallByMembers(5000 + (_agent++ % 5000))?.Id ?? -1;

    [Benchmark(Description = "engine: select call for a freed agent")]
    [BenchmarkCategory("selection: freed agent")]
    public bool EngineSelectCall() => _engine.SelectCallForFreedAgent(5000 + (_agent++ % 5000)) is not null;

    [Benchmark(Description = "app_queue model: select agent for a call")]
    [BenchmarkCategory("selection: new call")]
    public int ModelSelectAgent() => _model.BestAgent(250 + (_n++ % 250));

    [Benchmark(Description = "app_queue model: select call for a freed agent")]
    [BenchmarkCategory("selection: freed agent")]
    public int ModelSelectCall() => _model.BestCall(5000 + (_agent++ % 5000));

    private sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig()
        {
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.P100, StatisticColumn.OperationsPerSecond);
        }
    }
}
