using ContactCenter.Media.Codecs;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Sessions;

[Collection("rtp")]
public class EngineTests
{
    [Fact]
    public async Task No_rtp_for_the_media_timeout_raises_one_event_with_a_reason()
    {
        var time = new FakeTimeProvider();
        await using var engine = TestEngine.Create(time, o => o.MediaTimeout = TimeSpan.FromSeconds(30), runClock: false);
        await using var peer = new RtpPeer();
        await using IMediaSession session = engine.CreateSession("timeout");
        var timeouts = new List<MediaTimeoutEventArgs>();
        session.MediaTimeout += (_, e) => timeouts.Add(e);
        session.Configure(TestEngine.To(peer));

        for (int i = 0; i < 290; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Empty(timeouts);

        // RTP arriving resets the timer.
        peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        await PlaybackTests.WaitUntilAsync(() => session.GetStatistics().PacketsReceived == 1);
        for (int i = 0; i < 290; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Empty(timeouts);
        for (int i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var timeout = Assert.Single(timeouts);
        Assert.Equal(TimeSpan.FromSeconds(30), timeout.Silence);
        Assert.Contains("No RTP received for 30 s", timeout.Reason, StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(timeouts);
    }

    [Fact]
    public async Task A_leg_we_do_not_expect_media_from_never_times_out()
    {
        var time = new FakeTimeProvider();
        await using var engine = TestEngine.Create(time, o => o.MediaTimeout = TimeSpan.FromSeconds(5), runClock: false);
        await using var peer = new RtpPeer();
        await using IMediaSession session = engine.CreateSession("held");
        int timeouts = 0;
        session.MediaTimeout += (_, _) => timeouts++;
        session.Configure(TestEngine.To(peer) with { Direction = MediaDirection.SendOnly });
        for (int i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(0, timeouts);

        // Resuming starts the timer afresh.
        session.SetDirection(MediaDirection.SendRecv);
        for (int i = 0; i < 49; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(0, timeouts);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, timeouts);
    }

    [Fact]
    public async Task Sessions_use_even_ports_of_the_range_and_exhaustion_is_a_clear_error()
    {
        var options = new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 0, PortRangeEnd = 0 };
        await using var probe = TestEngine.Create();
        options.PortRangeStart = probe.CreateSession("probe").LocalPort + 10;
        options.PortRangeEnd = options.PortRangeStart + 3;
        await using var engine = new MediaEngine(options, TimeProvider.System, NullLoggerFactory.Instance);

        IMediaSession first = engine.CreateSession("1");
        IMediaSession second = engine.CreateSession("2");
        Assert.All(new[] { first, second }, s => Assert.Equal(0, s.LocalPort % 2));
        Assert.All(new[] { first, second }, s => Assert.InRange(s.LocalPort, options.PortRangeStart, options.PortRangeEnd - 1));
        var error = Assert.Throws<InvalidOperationException>(() => engine.CreateSession("3"));
        Assert.Contains("Media:PortRangeStart", error.Message, StringComparison.Ordinal);

        int freed = first.LocalPort;
        await first.DisposeAsync();
        Assert.Equal(freed, engine.CreateSession("4").LocalPort);
        Assert.Equal(2, engine.SessionCount);
        await second.DisposeAsync();
    }

    [Fact]
    public void Bad_settings_name_their_key()
    {
        var options = new MediaOptions { BindAddress = "nowhere", PortRangeStart = 30000, PortRangeEnd = 20000, RtcpInterval = TimeSpan.Zero };
        string message = Assert.Throws<ArgumentException>(() => new MediaEngine(options, TimeProvider.System, NullLoggerFactory.Instance)).Message;
        Assert.Contains("Media:BindAddress", message, StringComparison.Ordinal);
        Assert.Contains("Media:PortRangeEnd", message, StringComparison.Ordinal);
        Assert.Contains("Media:RtcpInterval", message, StringComparison.Ordinal);
        Assert.Empty(new MediaOptions().Validate());
    }

    [Fact]
    public async Task Bad_negotiated_values_are_refused()
    {
        await using var engine = TestEngine.Create();
        await using var peer = new RtpPeer();
        await using IMediaSession session = engine.CreateSession("bad");
        Assert.Throws<ArgumentException>(() => session.Configure(TestEngine.To(peer) with { PayloadType = 200 }));
        Assert.Throws<ArgumentException>(() => session.Configure(TestEngine.To(peer, telephoneEvent: 0)));
        Assert.Throws<InvalidOperationException>(() => session.SetDirection(MediaDirection.Inactive));
        await Assert.ThrowsAsync<ArgumentException>(() => session.SendDtmfAsync('x'));
        Assert.Null(session.Remote);
    }

    [Fact]
    public async Task Garbage_datagrams_do_not_disturb_a_session()
    {
        await using var engine = TestEngine.Create();
        await using var peer = new RtpPeer();
        await using IMediaSession session = engine.CreateSession("garbage");
        session.Configure(TestEngine.To(peer));
        var random = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            byte[] junk = new byte[random.Next(0, 300)];
            random.NextBytes(junk);
            peer.SendRaw(session.LocalEndPoint, junk);
            peer.SendRaw(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, session.LocalPort + 1), junk);
        }

        peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        await PlaybackTests.WaitUntilAsync(() => session.GetStatistics().PacketsReceived >= 1);
        await session.SendDtmfAsync('1').WaitAsync(TimeSpan.FromSeconds(2));
    }
}
