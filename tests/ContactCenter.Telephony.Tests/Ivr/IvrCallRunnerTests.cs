using System.Collections.Concurrent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Ivr;

public sealed class IvrCallRunnerTests
{
    private static readonly TelephonyConfig Demo = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);

    [Fact]
    public void Runner_fires_the_engines_timers_on_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var seen = new List<IvrAction>();
        using var runner = new IvrCallRunner(new IvrEngine(Demo, time).CreateSession("1000")!, time, seen.Add);

        runner.Post(new CallStarted("+442079460018", "1000"));
        Assert.Single(seen.OfType<LookUpCaller>());
        Assert.DoesNotContain(seen, a => a is StartTimer or CancelTimer);

        time.Advance(TimeSpan.FromSeconds(1.5));
        var greeting = Assert.Single(seen.OfType<PlayPrompts>());
        Assert.Equal("greeting/welcome", greeting.Prompts[0].Name);
        runner.Post(new PromptFinished(greeting.PlayId));
        var menu = seen.OfType<PlayPrompts>().Last();
        runner.Post(new PromptFinished(menu.PlayId));
        time.Advance(TimeSpan.FromSeconds(5));
        runner.Post(new PromptFinished(seen.OfType<PlayPrompts>().Last().PlayId));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("main>timeout>support", Assert.Single(seen.OfType<QueueCall>()).IvrPath);
    }

    [Fact]
    public void Sink_may_post_events_back_without_reentering_the_session()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var seen = new List<IvrAction>();
        IvrCallRunner? runner = null;
        void Sink(IvrAction action)
        {
            seen.Add(action);
            switch (action)
            {
                case LookUpCaller lookup:
                    runner!.Post(new CallerLookupCompleted(lookup.RequestId, null));
                    break;
                case PlayPrompts { Loop: false } play:
                    runner!.Post(new PromptFinished(play.PlayId));
                    break;
                default:
                    break;
            }
        }

        runner = new IvrCallRunner(new IvrEngine(Demo, time).CreateSession("1000")!, time, Sink);
        using (runner)
        {
            runner.Post(new CallStarted("+442079460018", "1000"));
            runner.Post(new DigitPressed('3'));
        }

        Assert.Equal("main>3>billing", Assert.Single(seen.OfType<QueueCall>()).IvrPath);
    }

    [Fact]
    public async Task Events_posted_from_many_threads_are_handled_one_at_a_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var seen = new ConcurrentQueue<IvrAction>();
        using var runner = new IvrCallRunner(new IvrEngine(Demo, time).CreateSession("1001")!, time, seen.Enqueue);
        runner.Post(new CallStarted("+442079460018", "1001"));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 200; n++)
            {
                runner.Post(new QueuePositionChanged(i + n, TimeSpan.FromSeconds(n)));
                runner.Post(new DigitPressed('5'));
            }
        })));

        Assert.Single(seen.OfType<QueueCall>());
        Assert.False(runner.Session.IsFinished);
    }

    [Fact]
    public void Disposed_runner_stops_its_timers_and_ignores_events()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var seen = new List<IvrAction>();
        var runner = new IvrCallRunner(new IvrEngine(Demo, time).CreateSession("1000")!, time, seen.Add);
        runner.Post(new CallStarted("+442079460018", "1000"));

        runner.Dispose();
        time.Advance(TimeSpan.FromMinutes(1));
        runner.Post(new DigitPressed('2'));

        Assert.Single(seen);
    }
}
