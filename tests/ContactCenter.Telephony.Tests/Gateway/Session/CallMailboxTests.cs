using ContactCenter.Telephony.Gateway.Session;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>A call's mailbox: one item at a time in order, timers on the injected clock, nothing after the end.</summary>
public sealed class CallMailboxTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Work_runs_in_the_order_posted_one_item_at_a_time()
    {
        var mailbox = new CallMailbox(time);
        var ran = new List<int>();
        var inside = 0;
        var overlapped = false;
        for (var i = 0; i < 50; i++)
        {
            var n = i;
            mailbox.Post(async () =>
            {
                overlapped |= Interlocked.Increment(ref inside) > 1;
                await Task.Yield();
                ran.Add(n);
                Interlocked.Decrement(ref inside);
            });
        }

        Assert.Equal(50, mailbox.Pending);
        var loop = mailbox.RunAsync(error => throw error);
        await TestGateway.DrainAsync(mailbox);
        mailbox.Complete();
        await loop;

        Assert.Equal(Enumerable.Range(0, 50), ran);
        Assert.False(overlapped);
        Assert.Equal(0, mailbox.Pending);
    }

    [Fact]
    public async Task After_complete_what_was_queued_still_runs_and_new_work_is_refused()
    {
        var mailbox = new CallMailbox(time);
        var ran = new List<string>();
        mailbox.Post(() =>
        {
            ran.Add("ending");
            mailbox.Complete();
        });
        mailbox.Post(() => ran.Add("queued before the end"));

        await mailbox.RunAsync(error => throw error);

        Assert.False(mailbox.Post(() => ran.Add("too late")));
        Assert.Equal(["ending", "queued before the end"], ran);
    }

    [Fact]
    public async Task A_failing_item_is_reported_and_the_next_ones_still_run()
    {
        var mailbox = new CallMailbox(time);
        var failures = new List<string>();
        var ran = false;
        mailbox.Post(() => throw new InvalidOperationException("boom"));
        mailbox.Post(() =>
        {
            ran = true;
            mailbox.Complete();
        });

        await mailbox.RunAsync(error =>
        {
            failures.Add(error.Message);
            return Task.CompletedTask;
        });

        Assert.Equal(["boom"], failures);
        Assert.True(ran);
    }

    [Fact]
    public async Task Timers_post_their_work_when_the_clock_reaches_them_and_stop_with_the_mailbox()
    {
        var mailbox = new CallMailbox(time);
        var fired = new List<string>();
        var loop = mailbox.RunAsync(error => throw error);
        mailbox.Post(() =>
        {
            mailbox.StartTimer(1, TimeSpan.FromSeconds(2), () => Record(fired, "keyed 1"));
            mailbox.StartTimer(2, TimeSpan.FromSeconds(3), () => Record(fired, "keyed 2"));
        });
        await TestGateway.DrainAsync(mailbox);
        using var once = mailbox.After(TimeSpan.FromSeconds(1), () => fired.Add("once"));
        var disposed = mailbox.After(TimeSpan.FromSeconds(1), () => fired.Add("disposed"));
        disposed.Dispose();

        time.Advance(TimeSpan.FromSeconds(2));
        await TestGateway.DrainAsync(mailbox);
        Assert.Equal(["once", "keyed 1"], fired);

        mailbox.Complete(); // the call ends: keyed timers stop
        await loop;
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["once", "keyed 1"], fired);
    }

    private static Task Record(List<string> fired, string what)
    {
        fired.Add(what);
        return Task.CompletedTask;
    }
}
