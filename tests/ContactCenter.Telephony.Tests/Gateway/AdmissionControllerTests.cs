using System.Net;
using ContactCenter.Telephony.Gateway.Admission;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Gateway;

public sealed class AdmissionControllerTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    private sealed class Fixture : IDisposable
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        public ListLogger Log { get; } = new();
        public int PoolQueue { get; set; }
        public int BusInFlight { get; set; }
        public TimeSpan MediaLag { get; set; }
        public int LiveCalls { get; set; }
        public long Shed { get; set; }
        public List<AdmissionStatus> Published { get; } = [];
        public AdmissionController Controller { get; }

        public Fixture(Action<AdmissionOptions>? configure = null)
        {
            var options = new AdmissionOptions { MinAdmissionRate = 10 };
            configure?.Invoke(options);
            Controller = new AdmissionController(options, new AdmissionSignals(() => PoolQueue, () => BusInFlight, () => MediaLag, () => LiveCalls, () => Shed), Time, Log);
            Controller.StatusChanged += Published.Add;
            Controller.Start();
        }

        /// <summary>Offers a call from <paramref name="source"/> that arrived now; the ticket or null.</summary>
        public AdmissionTicket? Offer(IPAddress source, TimeSpan? queueDelay = null) =>
            Controller.TryAdmit(source, queueDelay ?? TimeSpan.Zero, queuedBehind: 1, Time.GetTimestamp(), out _);

        public RefusalReason? RefusalOf(IPAddress source)
        {
            var ticket = Controller.TryAdmit(source, TimeSpan.Zero, queuedBehind: 0, Time.GetTimestamp(), out var reason);
            if (ticket is null)
            {
                return reason;
            }

            ticket.Answered();
            return null;
        }

        /// <summary>One evaluation interval in which <paramref name="calls"/> calls are answered after <paramref name="setup"/> each.</summary>
        public void IntervalWithAnsweredCalls(int calls, TimeSpan setup)
        {
            var tickets = new List<AdmissionTicket>();
            for (var i = 0; i < calls; i++)
            {
                tickets.Add(Offer(A) ?? throw new InvalidOperationException("refused"));
            }

            Time.Advance(setup);
            tickets.ForEach(t => t.Answered());
            var interval = Controller.Options.EvaluationInterval;
            Time.Advance(interval - TimeSpan.FromTicks(setup.Ticks % interval.Ticks));
        }

        public void Dispose() => Controller.Dispose();
    }

    internal sealed class ListLogger : ILogger<AdmissionController>
    {
        private readonly List<(LogLevel Level, string Message)> entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (entries)
                {
                    return [.. entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }

    [Fact]
    public void Admits_every_call_while_the_measurements_are_within_their_goals()
    {
        using var f = new Fixture();
        for (var step = 0; step < 10; step++)
        {
            f.IntervalWithAnsweredCalls(50, TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(500, f.Controller.Offered);
        Assert.Equal(500, f.Controller.Admitted);
        Assert.False(f.Controller.Status.Overloaded);
        Assert.Null(f.Controller.Status.RateLimit);
        Assert.Equal(0, f.Controller.CallsInSetup);
        Assert.Empty(f.Log.Entries);
    }

    [Fact]
    public void Slow_setup_throttles_to_what_was_answered_refuses_the_rest_logs_once_and_recovers_by_itself()
    {
        using var f = new Fixture(o => o.TargetSetupTime = TimeSpan.FromMilliseconds(50));
        f.IntervalWithAnsweredCalls(50, TimeSpan.FromMilliseconds(20));
        // 100 calls answered in an interval, each after 80 ms (goal 50 ms): congested; 100 answered per 100 ms = 1,000/s.
        // One congested interval is a spike, not overload; the second acts.
        f.IntervalWithAnsweredCalls(100, TimeSpan.FromMilliseconds(80));
        Assert.Null(f.Controller.Status.RateLimit);
        f.IntervalWithAnsweredCalls(100, TimeSpan.FromMilliseconds(80));

        var limit = f.Controller.Status.RateLimit;
        Assert.NotNull(limit);
        Assert.Equal(900, limit.Value, 3);

        // A burst far above the limit: some admitted (the token bucket), the rest refused for set-up time.
        var refused = new List<RefusalReason>();
        var admitted = 0;
        for (var i = 0; i < 500; i++)
        {
            if (f.RefusalOf(A) is { } reason)
            {
                refused.Add(reason);
            }
            else
            {
                admitted++;
            }

            f.Time.Advance(TimeSpan.FromMilliseconds(0.2));
        }

        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal(RefusalReason.SetupTime, r));
        Assert.InRange(admitted, 1, (int)Math.Ceiling(limit.Value * 0.2) + (int)limit.Value / 10 + 20);
        Assert.True(f.Controller.Status.Overloaded);
        Assert.Equal(refused.Count, f.Controller.RefusedFor(RefusalReason.SetupTime));
        var began = Assert.Single(f.Log.Entries, e => e.Message.StartsWith("Overload:", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, began.Level);
        Assert.Contains("setup-time", began.Message, StringComparison.Ordinal);
        Assert.True(f.Published[0].Overloaded);

        // The surge passes: calls are answered quickly, nothing is refused; after RecoveryQuietTime (1 s) overload is over.
        for (var step = 0; step < 15; step++)
        {
            f.IntervalWithAnsweredCalls(1, TimeSpan.FromMilliseconds(10));
        }

        Assert.False(f.Controller.Status.Overloaded);
        Assert.Null(f.Controller.Status.RateLimit);
        var over = Assert.Single(f.Log.Entries, e => e.Message.StartsWith("Overload over", StringComparison.Ordinal));
        Assert.Contains($"{refused.Count} refused", over.Message, StringComparison.Ordinal);
        Assert.Equal(2, f.Log.Entries.Count);
        Assert.False(f.Published[^1].Overloaded);
        Assert.Equal(refused.Count, f.Published[^1].RefusedThisSurge);

        // Admissions are back: a burst of 200 goes through.
        for (var i = 0; i < 200; i++)
        {
            Assert.Null(f.RefusalOf(A));
        }
    }

    [Fact]
    public void An_invite_that_waited_too_long_in_the_sip_receive_thread_is_refused_at_once()
    {
        using var f = new Fixture(o => o.MaxSipQueueDelay = TimeSpan.FromMilliseconds(40));

        Assert.NotNull(f.Offer(A, TimeSpan.FromMilliseconds(39)));
        // One slow INVITE with nothing behind it (a pause of the process) is no backlog.
        Assert.NotNull(f.Controller.TryAdmit(A, TimeSpan.FromMilliseconds(41), queuedBehind: 0, f.Time.GetTimestamp(), out _));
        Assert.Null(f.Controller.TryAdmit(A, TimeSpan.FromMilliseconds(41), queuedBehind: 3, f.Time.GetTimestamp(), out var reason));

        Assert.Equal(RefusalReason.SipQueue, reason);
        Assert.True(f.Controller.Status.Overloaded);
    }

    [Fact]
    public void Calls_in_setup_and_the_live_call_ceiling_are_hard_limits()
    {
        using var f = new Fixture(o =>
        {
            o.MaxCallsInSetup = 3;
            o.MaxLiveCalls = 10;
        });
        var tickets = Enumerable.Range(0, 3).Select(_ => f.Offer(A)!).ToList();
        Assert.Equal(RefusalReason.CallsInSetup, f.RefusalOf(A));
        tickets[0].Answered();
        tickets[0].Answered(); // once only
        Assert.Equal(2, f.Controller.CallsInSetup);
        Assert.Null(f.RefusalOf(A));

        f.LiveCalls = 10;
        Assert.Equal(RefusalReason.LiveCalls, f.RefusalOf(A));
        f.LiveCalls = 9;
        Assert.Null(f.RefusalOf(A));
    }

    [Theory]
    [InlineData("pool", "ThreadPool")]
    [InlineData("bus", "Bus")]
    [InlineData("media", "Media")]
    public void Queueing_in_the_pool_the_bus_or_the_media_threads_throttles_new_calls(string signal, string expectedReason)
    {
        var expected = Enum.Parse<RefusalReason>(expectedReason);
        using var f = new Fixture();
        f.IntervalWithAnsweredCalls(20, TimeSpan.FromMilliseconds(5));
        switch (signal)
        {
            case "pool":
                f.PoolQueue = 5_000;
                break;
            case "bus":
                f.BusInFlight = 5_000;
                break;
            default:
                f.MediaLag = TimeSpan.FromMilliseconds(200);
                break;
        }

        f.IntervalWithAnsweredCalls(20, TimeSpan.FromMilliseconds(5));
        Assert.Null(f.Controller.Status.RateLimit);
        f.IntervalWithAnsweredCalls(20, TimeSpan.FromMilliseconds(5));
        // 20 answered in 100 ms = 200/s; the throttle starts at 180/s with an empty bucket.
        Assert.Equal(180, f.Controller.Status.RateLimit!.Value, 3);
        Assert.Equal(expected, f.RefusalOf(A));
    }

    [Fact]
    public void While_throttled_one_flooding_source_cannot_take_the_share_of_another()
    {
        using var f = new Fixture(o => o.MinAdmissionRate = 100);
        f.PoolQueue = 5_000;
        f.IntervalWithAnsweredCalls(5, TimeSpan.FromMilliseconds(5));
        f.IntervalWithAnsweredCalls(5, TimeSpan.FromMilliseconds(5));
        // Throttled at the minimum, 100 calls/s: 10 per 100 ms interval.
        Assert.Equal(100, f.Controller.Status.RateLimit!.Value, 3);
        var admittedB = 0;
        var admittedA = 0;
        for (var interval = 0; interval < 10; interval++)
        {
            for (var i = 0; i < 40; i++)
            {
                f.Time.Advance(TimeSpan.FromMilliseconds(2));
                admittedA += f.RefusalOf(A) is null ? 1 : 0;
                if (i % 10 == 0)
                {
                    admittedB += f.RefusalOf(B) is null ? 1 : 0;
                }
            }

            f.Time.Advance(TimeSpan.FromMilliseconds(20));
        }

        // B offered 40 calls (4 an interval, under its half of 10): nearly all admitted despite A's 400.
        Assert.InRange(admittedB, 36, 40);
        Assert.InRange(admittedA, 30, 70);
        Assert.True(f.Controller.RefusedFor(RefusalReason.FairShare) > 0);
    }

    [Fact]
    public void The_early_gate_refuses_only_a_throttled_source_whose_part_is_used_up_and_counts_it()
    {
        using var f = new Fixture();
        Assert.True(f.Controller.MayAdmit(A));
        Assert.Equal(0, f.Controller.Offered);

        f.PoolQueue = 5_000;
        f.IntervalWithAnsweredCalls(20, TimeSpan.FromMilliseconds(5));
        f.IntervalWithAnsweredCalls(20, TimeSpan.FromMilliseconds(5));
        Assert.NotNull(f.Controller.Status.RateLimit);
        var offered = f.Controller.Offered;

        // Throttled at 180/s with an empty bucket: refused at the gate, counted, and the episode begins.
        Assert.False(f.Controller.MayAdmit(A));
        Assert.Equal(offered + 1, f.Controller.Offered);
        Assert.Equal(1, f.Controller.RefusedFor(RefusalReason.ThreadPool));
        Assert.True(f.Controller.Status.Overloaded);

        // Once its part has refilled the gate lets the call through to the full decision, which takes the token.
        f.Time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(f.Controller.MayAdmit(A));
        Assert.Null(f.RefusalOf(A));
        Assert.False(f.Controller.MayAdmit(A));
    }

    [Fact]
    public void Calls_the_sip_stack_shed_itself_count_as_offered_and_refused_and_as_overload()
    {
        using var f = new Fixture();
        f.Shed = 25;
        f.Time.Advance(f.Controller.Options.EvaluationInterval);

        Assert.Equal(25, f.Controller.Offered);
        Assert.Equal(25, f.Controller.RefusedFor(RefusalReason.SipQueueFull));
        Assert.True(f.Controller.Status.Overloaded);
        Assert.Equal(25, f.Published.Single().RefusedThisSurge);
        Assert.Single(f.Log.Entries);

        f.Time.Advance(TimeSpan.FromSeconds(1.1));
        Assert.False(f.Controller.Status.Overloaded);
        Assert.Equal(2, f.Log.Entries.Count);
    }

    [Fact]
    public void Disabled_admits_everything_but_still_counts()
    {
        using var f = new Fixture(o =>
        {
            o.Enabled = false;
            o.MaxCallsInSetup = 1;
        });
        f.PoolQueue = 1_000_000;
        f.IntervalWithAnsweredCalls(30, TimeSpan.FromSeconds(0.09));

        Assert.NotNull(f.Offer(A, TimeSpan.FromSeconds(10)));
        Assert.NotNull(f.Offer(A));
        Assert.Equal(32, f.Controller.Admitted);
        Assert.False(f.Controller.Status.Overloaded);
    }

    [Fact]
    public void Every_bad_setting_is_named()
    {
        var options = new AdmissionOptions
        {
            EvaluationInterval = TimeSpan.Zero,
            TargetSetupTime = TimeSpan.Zero,
            MaxSipQueueDelay = TimeSpan.FromMinutes(1),
            MaxCallsInSetup = 0,
            MaxThreadPoolQueue = 0,
            MaxBusPublishesInFlight = 0,
            MaxMediaClockLag = TimeSpan.Zero,
            MaxLiveCalls = -1,
            MinAdmissionRate = 0,
            RecoveryQuietTime = TimeSpan.FromMilliseconds(-1),
        };

        var failures = options.Validate().ToList();

        foreach (var key in new[]
        {
            "EvaluationInterval", "TargetSetupTime", "MaxSipQueueDelay", "MaxCallsInSetup", "MaxThreadPoolQueue", "MaxBusPublishesInFlight",
            "MaxMediaClockLag", "MaxLiveCalls", "MinAdmissionRate", "RecoveryQuietTime",
        })
        {
            Assert.Contains(failures, f => f.StartsWith("Telephony:Admission:" + key + " ", StringComparison.Ordinal));
        }

        Assert.Empty(new AdmissionOptions().Validate());
    }
}
