using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>The decision log: a bounded ring, chained per call, whose index forgets evicted calls.</summary>
public class DecisionLogTests
{
    [Fact]
    public void The_log_keeps_the_last_decisions_chained_per_call_and_forgets_evicted_calls()
    {
        var log = new DecisionLog(4);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        log.Append(a).Ring = 1;
        log.Append(b).Ring = 2;
        log.Append(a).Ring = 3;
        Assert.Equal(2, log.Newest(a));
        Assert.Equal(0, log.At(2).Previous);
        Assert.Equal(-1, log.At(1).Previous);

        var others = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var c in others)
        {
            log.Append(c);
        }
        Assert.Equal(6, log.Count);
        Assert.Equal(-1, log.Newest(b));          // its only decision was overwritten
        Assert.Equal(2, log.Newest(a));           // its newest survives, its older one does not
        Assert.False(log.IsLive(log.At(2).Previous));
        Assert.Equal(4, log.CallsIndexed);
        Assert.Equal(3, log.At(2).Ring);
        for (var i = 0; i < 100; i++)
        {
            log.Append(Guid.NewGuid());
        }
        Assert.Equal(4, log.CallsIndexed);
        Assert.Equal(-1, log.Newest(a));
    }

    [Fact]
    public void Decisions_for_a_call_come_oldest_first_from_the_engine()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Apply(new RingNoAnswer(call, "alice", "busy"));
        f.Ready("bob");
        var decisions = f.Engine.DecisionsFor(call)!;
        Assert.Equal(["alice", "bob"], decisions.Select(d => d.AgentId));
        Assert.Null(f.Engine.DecisionsFor(Guid.NewGuid()));
    }
}
