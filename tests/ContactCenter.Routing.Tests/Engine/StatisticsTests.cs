using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

public class StatisticsTests
{
    [Fact]
    public void Figures_follow_the_industry_definitions()
    {
        var f = EngineFixture.Demo();
        // Answered in 10 s (within the 20 s target), talk 100 s, wrap-up 20 s.
        var a = f.Call("support");
        f.Seconds(10);
        f.Ready("alice");
        f.Connect(a, "alice");
        f.Seconds(100);
        f.Hangup(a);
        f.Seconds(20);
        f.Apply(new FinishWrapUp(a, "alice"));
        f.NotReady("alice");
        // Answered in 40 s (late).
        var b = f.Call("support");
        f.Seconds(40);
        f.Ready("bob");
        f.Connect(b, "bob");
        // Abandoned after 30 s; short abandon after 2 s (excluded).
        var c = f.Call("support");
        var d = f.Call("support");
        f.Seconds(2);
        f.Abandon(d);
        f.Seconds(28);
        f.Abandon(c);
        // One waiting 15 s.
        f.Call("support");
        f.Seconds(15);

        var s = f.Engine.Statistics(0);
        Assert.Equal("support", s.Queue);
        Assert.Equal(5, s.Offered);
        Assert.Equal(2, s.Answered);
        Assert.Equal(1, s.Abandoned);
        Assert.Equal(1, s.Waiting);
        Assert.Equal(TimeSpan.FromSeconds(15), s.LongestWait);
        Assert.Equal(1.0 / 3, s.ServiceLevel, 6);
        Assert.Equal(1.0 / 4, s.AbandonmentRate, 6);
        Assert.Equal(TimeSpan.FromSeconds(25), s.AverageSpeedOfAnswer);
        Assert.Equal(TimeSpan.FromSeconds(120), s.AverageHandleTime);
        Assert.Equal(1, s.AgentsByState[AgentState.OnCall]);
        Assert.Equal(1, s.AgentsByState[AgentState.NotReady]);
        Assert.InRange(s.Occupancy, 0.01, 1.0);
        // The counters behind the rates travel with them (so the board can merge partitions' rows exactly).
        Assert.Equal(1, s.AnsweredWithinTarget);
        Assert.Equal(1, s.ShortAbandoned);
        Assert.Equal(0, s.Diverted);
        Assert.Equal(1, s.Handled);
        Assert.Equal(TimeSpan.FromSeconds(50), s.TotalAnswerWait);
        Assert.Equal(TimeSpan.FromSeconds(120), s.TotalHandleTime);
        Assert.Equal(s.Occupancy, s.BusyTime / s.StaffedTime, 9);
        var overall = f.Engine.Statistics(f.Engine.QueueCount);
        Assert.Equal("*", overall.Queue);
        Assert.Equal(5, overall.Offered);
    }

    [Fact]
    public void Counters_restart_at_midnight_in_the_queue_time_zone()
    {
        var f = new EngineFixture("""
            queues:
              - name: ny
                timeZone: America/New_York
            """);
        // 09:00 UTC on 2 March is 04:00 in New York (EST); local midnight is 05:00 UTC on 3 March.
        var c = f.Call("ny");
        f.Abandon(c);
        Assert.Equal(1, f.Engine.Statistics(0).Offered);
        f.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 3, 4, 59, 0, TimeSpan.Zero));
        Assert.Equal(1, f.Engine.Statistics(0).Offered);
        f.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 3, 5, 1, 0, TimeSpan.Zero));
        Assert.Equal(0, f.Engine.Statistics(0).Offered);
    }

    [Fact]
    public void Estimated_wait_grows_with_the_queue_and_shrinks_with_staffed_agents()
    {
        var f = EngineFixture.Demo();
        Assert.Equal(TimeSpan.FromSeconds(180), f.Engine.Statistics(0).EstimatedWait);
        f.Call("support");
        f.Call("support");
        Assert.Equal(TimeSpan.FromSeconds(540), f.Engine.Statistics(0).EstimatedWait);
        f.Ready("alice");
        f.Ready("bob");
        var busy = f.Engine.Statistics(0);
        Assert.Equal(0, busy.Waiting);
        Assert.Equal(TimeSpan.FromSeconds(90), busy.EstimatedWait);
    }

    [Fact]
    public void Changes_mark_their_queue_for_publication()
    {
        var f = EngineFixture.Demo();
        var dirty = new List<int>();
        f.Engine.DrainDirty(dirty);
        dirty.Clear();
        f.Call("billing");
        f.Engine.DrainDirty(dirty);
        Assert.Equal([1, 2], dirty);
        dirty.Clear();
        f.Engine.DrainDirty(dirty);
        Assert.Empty(dirty);
    }
}
