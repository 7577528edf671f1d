using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Sessions;

public class MediaClockTests
{
    private sealed class Recorder : IClockClient
    {
        public List<long> Ticks { get; } = [];

        public void OnTick(long now) => Ticks.Add(now);
    }

    private readonly FakeTimeProvider time = new();

    private long Ms(double milliseconds) => (long)(milliseconds * time.TimestampFrequency / 1000);

    [Fact]
    public void Sixty_seconds_of_late_wake_ups_give_exactly_3000_ticks_on_the_grid()
    {
        using var clock = new MediaClock(time, NullLogger.Instance);
        var client = new Recorder();
        clock.Register(client);
        var random = new Random(1);
        long start = time.GetTimestamp();
        long deadline = clock.RunDue(start);
        while (time.GetElapsedTime(start) < TimeSpan.FromSeconds(60) - TimeSpan.FromMilliseconds(1))
        {
            // Every wake-up is late by 0-3 ms (a sleeping thread), sometimes by 50 ms (a stall).
            long late = Ms(random.Next(0, 3000) / 1000.0) + (random.Next(100) == 0 ? Ms(50) : 0);
            long wake = Math.Max(deadline + late, time.GetTimestamp());
            time.Advance(TimeSpan.FromTicks((wake - time.GetTimestamp()) * TimeSpan.TicksPerSecond / time.TimestampFrequency));
            deadline = clock.RunDue(time.GetTimestamp());
        }

        // Finish the last tick at exactly 60 s - 20 ms.
        time.Advance(TimeSpan.FromMilliseconds(100));
        clock.RunDue(start + Ms(60_000 - 20));
        Assert.InRange(client.Ticks.Count, 3000, 3001);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(start + (i * Ms(20)), client.Ticks[i]);
        }

        Assert.Equal(0, clock.TicksSkipped);
    }

    [Fact]
    public void A_long_stall_skips_ahead_on_the_grid_instead_of_bursting()
    {
        using var clock = new MediaClock(time, NullLogger.Instance);
        var client = new Recorder();
        clock.Register(client);
        long start = time.GetTimestamp();
        clock.RunDue(start);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        long next = clock.RunDue(time.GetTimestamp());

        Assert.Equal(1 + MediaClock.MaxCatchUpTicks, client.Ticks.Count);
        Assert.Equal(50 - MediaClock.MaxCatchUpTicks, clock.TicksSkipped);
        Assert.Equal(0, (next - start) % Ms(20));
        Assert.True(next > time.GetTimestamp());
    }

    [Fact]
    public void Unregistered_clients_get_no_more_ticks()
    {
        using var clock = new MediaClock(time, NullLogger.Instance);
        var client = new Recorder();
        clock.Register(client);
        clock.Register(client);
        clock.RunDue(time.GetTimestamp());
        clock.Unregister(client);
        time.Advance(TimeSpan.FromMilliseconds(100));
        clock.RunDue(time.GetTimestamp());
        Assert.Single(client.Ticks);
        Assert.Equal(0, clock.ClientCount);
    }
}
