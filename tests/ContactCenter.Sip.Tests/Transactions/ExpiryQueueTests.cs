using ContactCenter.Sip.Transactions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transactions;

public class ExpiryQueueTests
{
    private readonly FakeTimeProvider time = new();

    [Fact]
    public void Items_expire_in_deadline_order_never_early_and_in_batches_under_load()
    {
        var expired = new List<(string Item, long Deadline, long At)>();
        using var queue = new ExpiryQueue<string>(time, (item, deadline) => expired.Add((item, deadline, time.GetTimestamp())), NullLogger.Instance);
        queue.Schedule("c", queue.DeadlineAfter(TimeSpan.FromSeconds(3)));
        queue.Schedule("a", queue.DeadlineAfter(TimeSpan.FromSeconds(1)));
        queue.Schedule("b", queue.DeadlineAfter(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(5)));
        time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(expired);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["a"], expired.ConvertAll(e => e.Item));
        // "b" is 5 ms later: the next sweep waits the minimum interval and takes it then.
        time.Advance(TimeSpan.FromMilliseconds(ExpiryQueue<string>.MinSweepMilliseconds));
        Assert.Equal(["a", "b"], expired.ConvertAll(e => e.Item));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["a", "b", "c"], expired.ConvertAll(e => e.Item));
        Assert.All(expired, e => Assert.True(e.At >= e.Deadline));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void An_earlier_deadline_rearms_the_timer_and_disposal_stops_it()
    {
        var expired = new List<string>();
        var queue = new ExpiryQueue<string>(time, (item, _) => expired.Add(item), NullLogger.Instance);
        queue.Schedule("late", queue.DeadlineAfter(TimeSpan.FromSeconds(32)));
        queue.Schedule("early", queue.DeadlineAfter(TimeSpan.FromSeconds(5)));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["early"], expired);
        queue.Dispose();
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["early"], expired);
    }
}
