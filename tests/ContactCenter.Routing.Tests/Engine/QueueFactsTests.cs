using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>
/// What routing publishes for the reports (CallLeftQueue, CallHandled) is what the board counted: the same wait, the same
/// classification (QueueFigures), the same talk and wrap-up; and each queue's service-level denominator is carried out.
/// </summary>
public class QueueFactsTests
{
    [Fact]
    public void Every_exit_is_published_with_the_wait_the_board_counted()
    {
        var f = EngineFixture.Demo();
        var answered = f.Call("support");
        var abandoned = f.Call("support");
        f.Seconds(12);
        f.Ready("bob");
        f.Connect(answered, "bob");
        f.Seconds(3);
        f.Abandon(abandoned);
        f.Seconds(60);
        f.Hangup(answered);
        f.Seconds(8);
        f.Apply(new FinishWrapUp(answered, "bob"));

        var left = f.Outputs.OfType<QueueLeft>().ToList();
        Assert.Equal(2, left.Count);
        var a = left.Single(l => l.CallId == answered);
        Assert.Equal((QueueExitReason.Answered, TimeSpan.FromSeconds(12), "bob", "support"), (a.Reason, a.Waited, a.AgentId, a.Queue));
        var b = left.Single(l => l.CallId == abandoned);
        // It was second in line until the first call was taken: first when the caller gave up.
        Assert.Equal((QueueExitReason.Abandoned, TimeSpan.FromSeconds(15), 1), (b.Reason, b.Waited, b.Position));
        var handled = Assert.Single(f.Outputs.OfType<HandlingEnded>());
        Assert.Equal((answered, "bob", "support", TimeSpan.FromSeconds(63), TimeSpan.FromSeconds(8)),
            (handled.CallId, handled.AgentId, handled.Queue, handled.Talk, handled.WrapUp));

        var s = f.Engine.Statistics(0);
        Assert.Equal(TimeSpan.FromSeconds(71), s.TotalHandleTime);
        Assert.Equal(TimeSpan.FromSeconds(12), s.TotalAnswerWait);
    }

    [Fact]
    public void Overflow_and_refusals_are_published_as_exits()
    {
        var f = new EngineFixture("""
            queues:
              - name: support
                maxWaitSeconds: 30
                maxWaitAction: overflow
                overflowQueue: billing
              - name: billing
                maxLength: 1
            """);
        var first = f.Call("support");
        f.Seconds(31);
        var refused = f.Call("billing");
        var left = f.Outputs.OfType<QueueLeft>().ToList();
        var overflow = left.Single(l => l.CallId == first);
        Assert.Equal((QueueExitReason.Overflowed, "support", "billing", 1), (overflow.Reason, overflow.Queue, overflow.ToQueue, overflow.Position));
        var full = left.Single(l => l.CallId == refused);
        Assert.Equal((QueueExitReason.QueueFull, "billing", TimeSpan.Zero), (full.Reason, full.Queue, full.Waited));
        Assert.Equal(1, f.Engine.Statistics(0).Diverted);
        Assert.Equal(2, f.Engine.Statistics(1).Offered);
        Assert.Equal(1, f.Engine.Statistics(1).Diverted);
    }

    [Theory]
    [InlineData("left-queue", 1, 4)]
    [InlineData("answered-and-abandoned", 1, 3)]
    [InlineData("answered", 1, 2)]
    [InlineData("abandoned-within-threshold-met", 2, 3)]
    public void The_queue_denominator_setting_decides_its_service_level(string denominator, int met, int counted)
    {
        var f = new EngineFixture($$"""
            shortAbandonSeconds: 5
            queues:
              - name: support
                serviceLevel: { percent: 80, seconds: 20, denominator: {{denominator}} }
                maxWaitSeconds: 100
                maxWaitAction: voicemail
            """);
        f.Agent("bob", "support", ("support", 3));
        // Answered at 10 s (met), answered at 30 s (missed), abandoned at 15 s (within the threshold), abandoned at 2 s
        // (short: never counted), sent to voicemail at 100 s (diverted).
        var fast = f.Call("support");
        var slow = f.Call("support", waitedBefore: TimeSpan.FromSeconds(20));
        var gaveUp = f.Call("support", waitedBefore: TimeSpan.FromSeconds(5));
        var shortAbandon = f.Call("support");
        f.Seconds(2);
        f.Abandon(shortAbandon);
        f.Seconds(8);
        f.Abandon(gaveUp);
        f.Ready("bob");
        f.Connect(f.Reservations.Last().Decision.CallId, "bob");
        f.Hangup(f.Reservations.Last().Decision.CallId);
        f.Apply(new FinishWrapUp(f.Reservations.Last().Decision.CallId, "bob"));
        f.Connect(f.Reservations.Last().Decision.CallId, "bob");
        f.Call("support", waitedBefore: TimeSpan.FromSeconds(99));
        f.Seconds(1);

        var s = f.Engine.Statistics(0);
        Assert.Equal(2, s.Answered);
        Assert.Equal(1, s.AnsweredWithinTarget);
        Assert.Equal(1, s.Abandoned);
        Assert.Equal(1, s.ShortAbandoned);
        Assert.Equal(1, s.Diverted);
        Assert.Equal((met, counted), (s.ServiceLevelMet, s.ServiceLevelCounted));
        Assert.Equal(QueueFigures.ServiceLevel(met, counted), s.ServiceLevel);
        Assert.Contains(f.Outputs.OfType<QueueLeft>(), l => l.CallId == fast || l.CallId == slow);
    }

    [Fact]
    public void An_unknown_denominator_is_refused_with_file_line_and_field()
    {
        var error = Assert.Throws<ContactCenter.Routing.Configuration.RoutingConfigurationException>(() =>
            ContactCenter.Routing.Configuration.QueueConfigLoader.Parse("""
                queues:
                  - name: support
                    serviceLevel: { percent: 80, seconds: 20, denominator: offered }
                """, "queues.yaml"));
        Assert.Contains("queues.yaml:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("queues[0].serviceLevel.denominator: 'offered' is not one of", error.Message, StringComparison.Ordinal);
    }
}
