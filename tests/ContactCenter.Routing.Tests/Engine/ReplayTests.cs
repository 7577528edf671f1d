using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Engine;

public class ReplayTests
{
    /// <summary>A busy morning: 300 calls over three queues, agents going ready, missing calls, wrapping up.</summary>
    internal static EngineFixture Day(int seed)
    {
        var f = new EngineFixture();
        var rng = new Random(seed);
        for (var i = 0; i < 12; i++)
        {
            f.Agent($"agent{i}", i % 3 == 0 ? "support,billing" : i % 3 == 1 ? "support" : "billing",
                ("support", 1 + rng.Next(5)), ("billing", 1 + rng.Next(5)), ("lang-fr", rng.Next(3)));
            f.Ready($"agent{i}");
        }
        var live = new List<(Guid Call, string? Agent)>();
        for (var n = 0; n < 300; n++)
        {
            f.Seconds(rng.Next(1, 20));
            var call = f.Call(rng.Next(2) == 0 ? "support" : "billing", priority: rng.Next(3) == 0 ? 1 : 0, tier: (CustomerTier)rng.Next(4),
                preferred: rng.Next(6) == 0 ? $"agent{rng.Next(12)}" : null,
                skills: rng.Next(4) == 0 ? [("lang-fr", 2)] : []);
            live.Add((call, null));
            foreach (var r in f.Reservations.ToList())
            {
                var id = r.Decision.CallId;
                if (f.Engine.Agent(r.Decision.AgentId)!.State == AgentState.Reserved && f.Engine.Agent(r.Decision.AgentId)!.CallId == id)
                {
                    switch (rng.Next(10))
                    {
                        case 0:
                            f.Apply(new RingNoAnswer(id, r.Decision.AgentId, "busy"));
                            break;
                        case 1:
                            break;
                        default:
                            f.Connect(id, r.Decision.AgentId);
                            break;
                    }
                }
                else if (f.Engine.Agent(r.Decision.AgentId)!.State == AgentState.OnCall && f.Engine.Agent(r.Decision.AgentId)!.CallId == id && rng.Next(3) == 0)
                {
                    f.Hangup(id);
                    if (rng.Next(2) == 0)
                    {
                        f.Apply(new FinishWrapUp(id, r.Decision.AgentId));
                    }
                }
            }
            if (rng.Next(15) == 0)
            {
                f.Abandon(live[rng.Next(live.Count)].Call);
            }
            var a = $"agent{rng.Next(12)}";
            if (f.State(a) == AgentState.NotReady && rng.Next(2) == 0)
            {
                f.Ready(a);
            }
        }
        return f;
    }

    [Fact]
    public void Replaying_the_recorded_inputs_reproduces_every_decision_exactly()
    {
        var day = Day(42);
        var original = day.Reservations.Select(r => r.Decision).ToList();
        Assert.True(original.Count > 150, $"only {original.Count} decisions");

        var clock = new FakeTimeProvider(day.Log[0].At);
        var replayed = new RoutingEngine(day.Config, clock);
        var decisions = new List<RoutingDecision>();
        foreach (var (at, input) in day.Log)
        {
            clock.SetUtcNow(at);
            replayed.Handle(input);
            decisions.AddRange(replayed.Outputs.OfType<ReservationMade>().Select(r => r.Decision));
            replayed.Outputs.Clear();
        }
        Assert.Equal(Json(original), Json(decisions));
        Assert.Equal(Json(day.Engine.AgentSnapshots()), Json(replayed.AgentSnapshots()));
    }

    [Fact]
    public void The_journal_file_round_trips_every_input_and_replays_to_the_same_decisions()
    {
        var day = Day(7);
        var path = Path.Combine(Path.GetTempPath(), $"routing-journal-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var journal = new EngineJournal(path))
            {
                journal.ReadAll();
                foreach (var (at, input) in day.Log)
                {
                    journal.Append(at, input);
                }
            }
            File.AppendAllText(path, "{\"seq\":99999,\"at\":\"2026-03-");
            using var reopened = new EngineJournal(path);
            var entries = reopened.ReadAll();
            Assert.Equal(day.Log.Count, entries.Count);
            var clock = new ReplayClock(new FakeTimeProvider(day.Log[0].At));
            var engine = new RoutingEngine(day.Config, clock);
            var decisions = EngineJournal.Replay(entries, engine, clock);
            Assert.Equal(Json(day.Reservations.Select(r => r.Decision).ToList()), Json(decisions));
            Assert.Equal(Json(day.Engine.QueueSnapshots()), Json(engine.QueueSnapshots()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
