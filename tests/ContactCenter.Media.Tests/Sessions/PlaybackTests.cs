using System.Diagnostics;
using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;
using Xunit.Abstractions;

namespace ContactCenter.Media.Tests.Sessions;

[CollectionDefinition("rtp", DisableParallelization = true)]
public class RtpCollection
{
}

[Collection("rtp")]
public class PlaybackTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string folder = TestAudio.TempDirectory();
    private readonly MediaEngine engine = TestEngine.Create();
    private readonly RtpPeer peer = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(folder, recursive: true);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Prompt_is_paced_every_20_ms_without_drift_and_decodes_to_the_tone()
    {
        string prompt = TestAudio.WriteSine(folder, "tone.wav", 1000, 4000);
        await using IMediaSession session = engine.CreateSession("pacing");
        session.Configure(TestEngine.To(peer));

        PlaybackResult result = await session.PlayAsync([prompt]).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PlaybackOutcome.Completed, result.Outcome);
        var packets = await peer.WaitForAsync(p => p.Count >= 200, TimeSpan.FromSeconds(1));

        // 4 s at 20 ms: 200 packets (± 1).
        Assert.InRange(packets.Count, 199, 201);
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Header.SequenceNumber + 1), packets[i].Header.SequenceNumber);
            Assert.Equal(packets[i - 1].Header.Timestamp + 160, packets[i].Header.Timestamp);
            Assert.Equal(session.Ssrc, packets[i].Header.Ssrc);
            Assert.False(packets[i].Header.Marker);
            Assert.Equal(0, packets[i].Header.PayloadType);
            Assert.Equal(160, packets[i].Payload.Length);
        }

        Assert.True(packets[0].Header.Marker);

        // Pacing against the ideal 20 ms grid: the least-delayed packet anchors the grid, every
        // packet's lateness is measured from it. No drift means lateness does not grow over the
        // run; jitter is the spread of lateness. Bounds are loose enough for a loaded 2-core box
        // (the receiver's own wake-up delay is part of every measurement); the printed figures
        // are the real result.
        long skipped = engine.ClockTicksSkipped;
        double[] offsets = [.. packets.Select((p, i) => Stopwatch.GetElapsedTime(packets[0].At, p.At).TotalMilliseconds - (20.0 * i))];
        double anchor = offsets.Min();
        double[] lateness = [.. offsets.Select(o => o - anchor)];
        double[] sorted = [.. lateness.Order()];
        double p50 = sorted[sorted.Length / 2];
        double p95 = sorted[(int)(sorted.Length * 0.95)];
        double firstQuarter = lateness.Take(50).Order().ElementAt(25);
        double lastQuarter = lateness.TakeLast(50).Order().ElementAt(25);
        double span = Stopwatch.GetElapsedTime(packets[0].At, packets[^1].At).TotalMilliseconds;
        output.WriteLine($"packets {packets.Count}, span {span:F2} ms (ideal {(packets.Count - 1) * 20}), ticks skipped {skipped}, lateness p50 {p50:F3} ms, p95 {p95:F3} ms, max {sorted[^1]:F3} ms, median lateness first/last 50: {firstQuarter:F3}/{lastQuarter:F3} ms");
        Assert.True(p50 < 15, $"median lateness against the 20 ms grid was {p50:F3} ms");
        Assert.True(Math.Abs(lastQuarter - firstQuarter) < 15 + (20 * skipped), $"pacing drifted: median lateness went from {firstQuarter:F3} to {lastQuarter:F3} ms");

        short[] audio = TestEngine.Decode(packets, AudioCodec.Pcmu);
        Assert.True(TestAudio.ToneShare(audio.AsSpan(0, 8000), 1000) > 0.95, "the 1 kHz prompt does not decode to 1 kHz");
        Assert.Equal(200, session.GetStatistics().PacketsSent);
    }

    [Fact]
    public async Task Prompts_in_a_sequence_play_back_to_back_in_the_negotiated_codec()
    {
        string first = TestAudio.WriteSine(folder, "one.wav", 500, 200);
        string second = TestAudio.WriteSine(folder, "two.wav", 1500, 300);
        await using IMediaSession session = engine.CreateSession("sequence");
        session.Configure(TestEngine.To(peer, AudioCodec.Pcma));

        Assert.Equal(PlaybackOutcome.Completed, (await session.PlayAsync([first, second]).WaitAsync(TimeSpan.FromSeconds(5))).Outcome);
        var packets = await peer.WaitForAsync(p => p.Count >= 25, TimeSpan.FromSeconds(1));
        Assert.Equal(25, packets.Count);
        Assert.All(packets, p => Assert.Equal(8, p.Header.PayloadType));
        short[] audio = TestEngine.Decode(packets, AudioCodec.Pcma);
        Assert.True(TestAudio.ToneShare(audio.AsSpan(0, 1600), 500) > 0.9);
        Assert.True(TestAudio.ToneShare(audio.AsSpan(1600, 2400), 1500) > 0.9);
    }

    [Fact]
    public async Task Loop_repeats_until_stopped()
    {
        string prompt = TestAudio.WriteSine(folder, "short.wav", 800, 100);
        await using IMediaSession session = engine.CreateSession("loop");
        session.Configure(TestEngine.To(peer));
        var finished = new List<PlaybackResult>();
        session.PlaybackFinished += (_, e) => finished.Add(e.Result);

        Task<PlaybackResult> playing = session.PlayAsync([prompt], new PlaybackOptions { Loop = true });
        await peer.WaitForAsync(p => p.Count >= 25, TimeSpan.FromSeconds(3));
        Assert.False(playing.IsCompleted);
        Assert.True(session.IsPlaying);
        session.StopPlayback();

        Assert.Equal(PlaybackOutcome.Stopped, (await playing.WaitAsync(TimeSpan.FromSeconds(1))).Outcome);
        Assert.Equal(PlaybackOutcome.Stopped, Assert.Single(finished).Outcome);
        Assert.True(peer.Packets.Count >= 25);
    }

    [Fact]
    public async Task A_key_press_barges_in_and_each_digit_is_reported_once()
    {
        string prompt = TestAudio.WriteSine(folder, "long.wav", 400, 10_000);
        await using IMediaSession session = engine.CreateSession("barge");
        session.Configure(TestEngine.To(peer));
        var digits = new List<char>();
        session.DtmfReceived += (_, e) =>
        {
            lock (digits)
            {
                digits.Add(e.Digit);
            }
        };

        Task<PlaybackResult> playing = session.PlayAsync([prompt]);
        await peer.WaitForAsync(p => p.Count >= 5, TimeSpan.FromSeconds(2));
        await peer.SendEventAsync(session.LocalEndPoint, 101, '1');
        PlaybackResult result = await playing.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(new PlaybackResult(PlaybackOutcome.Interrupted, '1'), result);

        await peer.SendEventAsync(session.LocalEndPoint, 101, '2');
        await peer.SendEventAsync(session.LocalEndPoint, 101, '2');
        await peer.SendEventAsync(session.LocalEndPoint, 101, '#');
        await Task.Delay(200);
        lock (digits)
        {
            Assert.Equal("122#", new string([.. digits]));
        }
    }

    [Fact]
    public async Task Without_barge_in_the_prompt_plays_on_through_digits()
    {
        string prompt = TestAudio.WriteSine(folder, "legal.wav", 400, 600);
        await using IMediaSession session = engine.CreateSession("nobarge");
        session.Configure(TestEngine.To(peer));
        Task<PlaybackResult> playing = session.PlayAsync([prompt], new PlaybackOptions { BargeIn = false });
        session.ReceiveSipInfoDtmf('5', TimeSpan.FromMilliseconds(100));
        Assert.Equal(PlaybackOutcome.Completed, (await playing.WaitAsync(TimeSpan.FromSeconds(3))).Outcome);
    }

    [Fact]
    public async Task Sip_info_digit_is_reported_and_barges_in()
    {
        string prompt = TestAudio.WriteSine(folder, "info.wav", 400, 5000);
        await using IMediaSession session = engine.CreateSession("info");
        session.Configure(TestEngine.To(peer));
        DtmfReceivedEventArgs? received = null;
        session.DtmfReceived += (_, e) => received = e;
        Task<PlaybackResult> playing = session.PlayAsync([prompt]);

        Assert.True(DtmfRelayParser.TryParse("application/dtmf-relay", "Signal=9\r\nDuration=250\r\n", out char digit, out TimeSpan duration, out _));
        session.ReceiveSipInfoDtmf(digit, duration);

        Assert.Equal(new PlaybackResult(PlaybackOutcome.Interrupted, '9'), await playing.WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal(DtmfSource.SipInfo, received!.Source);
        Assert.Equal(TimeSpan.FromMilliseconds(250), received.Duration);
        Assert.Throws<ArgumentException>(() => session.ReceiveSipInfoDtmf('x', duration));
    }

    [Fact]
    public async Task In_band_tones_are_detected_when_no_telephone_event_was_negotiated()
    {
        await using IMediaSession session = engine.CreateSession("inband");
        session.Configure(TestEngine.To(peer, AudioCodec.Pcmu, telephoneEvent: null));
        var digits = new List<DtmfReceivedEventArgs>();
        session.DtmfReceived += (_, e) =>
        {
            lock (digits)
            {
                digits.Add(e);
            }
        };

        short[] tone = new short[160];
        foreach (char key in "42")
        {
            for (int frame = 0; frame < 8; frame++)
            {
                if (frame < 5)
                {
                    GoertzelDtmfDetector.GenerateTone(key, tone, frame * 160L);
                }
                else
                {
                    Array.Clear(tone);
                }

                peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, tone);
                await Task.Delay(5);
            }
        }

        await Task.Delay(200);
        lock (digits)
        {
            Assert.Equal("42", new string([.. digits.Select(d => d.Digit)]));
            Assert.All(digits, d => Assert.Equal(DtmfSource.InBand, d.Source));
        }
    }

    [Fact]
    public async Task Sent_digit_is_one_rfc4733_event_with_three_end_packets()
    {
        await using IMediaSession session = engine.CreateSession("send");
        session.Configure(TestEngine.To(peer, telephoneEvent: 96));
        await session.SendDtmfAsync('#', TimeSpan.FromMilliseconds(100)).WaitAsync(TimeSpan.FromSeconds(2));
        await session.SendDtmfAsync('3', TimeSpan.FromMilliseconds(60)).WaitAsync(TimeSpan.FromSeconds(2));
        var packets = await peer.WaitForAsync(p => p.Count >= 14, TimeSpan.FromSeconds(1));

        Assert.All(packets, p => Assert.Equal(96, p.Header.PayloadType));
        var events = packets.GroupBy(p => p.Header.Timestamp).ToList();
        Assert.Equal(2, events.Count);
        var first = events[0].Select(p => (TelephoneEvent.TryParse(p.Payload, out var e), e).e).ToList();
        Assert.All(first, e => Assert.Equal(11, e.Event));
        Assert.Equal(3, first.Count(e => e.End));
        Assert.Equal(800, first[^1].Duration);
        Assert.True(events[0].First().Header.Marker);
        Assert.Equal([160, 320, 480, 640, 800, 800, 800], first.Select(e => (int)e.Duration));
        Assert.True(events[1].Key > events[0].Key);
    }

    [Fact]
    public async Task Sent_digit_is_an_in_band_tone_without_telephone_event()
    {
        await using IMediaSession session = engine.CreateSession("send-inband");
        session.Configure(TestEngine.To(peer, AudioCodec.Pcma, telephoneEvent: null));
        await session.SendDtmfAsync('8').WaitAsync(TimeSpan.FromSeconds(2));
        var packets = await peer.WaitForAsync(p => p.Count >= 7, TimeSpan.FromSeconds(1));
        var found = new List<char>();
        new GoertzelDtmfDetector(d => found.Add(d.Digit)).Process(TestEngine.Decode(packets, AudioCodec.Pcma));
        Assert.Equal(['8'], found);
        Assert.All(packets, p => Assert.Equal(8, p.Header.PayloadType));
    }

    [Fact]
    public async Task Unusable_prompts_fail_before_anything_is_sent()
    {
        await using IMediaSession session = engine.CreateSession("bad");
        string prompt = TestAudio.WriteSine(folder, "ok.wav", 400, 100);
        await Assert.ThrowsAsync<InvalidOperationException>(() => session.PlayAsync([prompt]));
        session.Configure(TestEngine.To(peer));

        string stereo = Path.Combine(folder, "stereo.wav");
        File.WriteAllBytes(stereo, TestAudio.WavBytes(1, 2, 8000, 16, new byte[640]));
        var error = await Assert.ThrowsAsync<MediaFormatException>(() => session.PlayAsync([prompt, stereo]));
        Assert.Contains("stereo.wav", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FileNotFoundException>(() => session.PlayAsync([Path.Combine(folder, "missing.wav")]));
        await Task.Delay(100);
        Assert.Empty(peer.Packets);
    }

    [Fact]
    public async Task Packet_totals_count_every_session_open_and_after_it_closed()
    {
        Assert.Equal(default, engine.GetPacketTotals());
        string prompt = TestAudio.WriteSine(folder, "totals.wav", 400, 200);
        IMediaSession session = engine.CreateSession("totals");
        session.Configure(TestEngine.To(peer));
        peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        await WaitUntilAsync(() => session.GetStatistics().PacketsReceived == 2);
        Assert.Equal(PlaybackOutcome.Completed, (await session.PlayAsync([prompt]).WaitAsync(TimeSpan.FromSeconds(5))).Outcome);

        // 200 ms of prompt is ten 20 ms packets out; two came in; none lost (consecutive sequence numbers).
        MediaPacketTotals open = engine.GetPacketTotals();
        Assert.Equal(new MediaPacketTotals(Received: 2, Sent: session.GetStatistics().PacketsSent, Lost: 0), open);
        Assert.InRange(open.Sent, 9, 11);

        // A closed session's packets stay in the totals (a Prometheus counter never goes down).
        await session.DisposeAsync();
        Assert.Equal(0, engine.SessionCount);
        Assert.Equal(open, engine.GetPacketTotals());
    }

    [Fact]
    public async Task Cancelling_playback_throws_and_stops_sending()
    {
        string prompt = TestAudio.WriteSine(folder, "cancel.wav", 400, 5000);
        await using IMediaSession session = engine.CreateSession("cancel");
        session.Configure(TestEngine.To(peer));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.PlayAsync([prompt], cancellationToken: cts.Token).WaitAsync(TimeSpan.FromSeconds(2)));
        await Task.Delay(100);
        int count = peer.Packets.Count;
        await Task.Delay(200);
        Assert.Equal(count, peer.Packets.Count);
        Assert.False(session.IsPlaying);
    }

    [Fact]
    public async Task Rtp_goes_to_where_the_peer_really_sends_from()
    {
        string prompt = TestAudio.WriteSine(folder, "nat.wav", 400, 2000);
        await using IMediaSession session = engine.CreateSession("nat");
        await using var stranger = new RtpPeer();
        // SDP said port 9 (behind NAT); the phone's packets really come from peer.EndPoint.
        session.Configure(TestEngine.To(peer) with { RtpEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9) });
        peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        await WaitUntilAsync(() => session.GetStatistics().PacketsReceived == 1);
        Assert.Equal(peer.EndPoint, session.GetStatistics().RemoteRtpEndPoint);

        // Another source cannot hijack the stream while the latched one is alive.
        stranger.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        _ = session.PlayAsync([prompt]);
        await peer.WaitForAsync(p => p.Count >= 5, TimeSpan.FromSeconds(2));
        Assert.True(peer.Packets.Count >= 5);
        Assert.Empty(stranger.Packets);
        Assert.Equal(1, session.GetStatistics().PacketsReceived);
    }

    [Fact]
    public async Task Rtcp_sender_and_receiver_reports_are_exchanged()
    {
        await using var rtcpEngine = TestEngine.Create(configure: o => o.RtcpInterval = TimeSpan.FromSeconds(1));
        string prompt = TestAudio.WriteSine(folder, "rtcp.wav", 400, 3000);
        await using IMediaSession session = rtcpEngine.CreateSession("rtcp");
        using var rtcp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        rtcp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        session.Configure(TestEngine.To(peer) with { RtcpEndPoint = (System.Net.IPEndPoint)rtcp.LocalEndPoint! });
        _ = session.PlayAsync([prompt]);
        for (int i = 0; i < 10; i++)
        {
            peer.SendAudio(session.LocalEndPoint, AudioCodec.Pcmu, new short[160]);
        }

        byte[] buffer = new byte[1500];
        ContactCenter.Media.Rtp.RtcpCompound? report = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (report?.SenderInfo is null)
        {
            int length = await rtcp.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token);
            Assert.True(ContactCenter.Media.Rtp.RtcpCompound.TryParse(buffer.AsSpan(0, length), out report));
        }

        Assert.Equal(session.Ssrc, report!.Ssrc);
        Assert.True(report.SenderInfo!.Value.PacketCount > 0);
        var block = Assert.Single(report.Reports);
        Assert.Equal(peer.Ssrc, block.Ssrc);
        Assert.Equal(0, block.CumulativeLost);
        Assert.StartsWith("cc-media-", report.CanonicalName, StringComparison.Ordinal);

        // The peer's receiver report about our stream is kept.
        byte[] rr = new byte[200];
        int rrLength = ContactCenter.Media.Rtp.RtcpCompound.Write(rr, peer.Ssrc, null, [new ContactCenter.Media.Rtp.RtcpReportBlock(session.Ssrc, 3, 1, 100, 4, 0, 0)], "peer");
        rtcp.SendTo(rr.AsSpan(0, rrLength), System.Net.Sockets.SocketFlags.None, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, session.LocalPort + 1));
        await WaitUntilAsync(() => session.GetStatistics().RemoteReport is not null);
        Assert.Equal((byte)3, session.GetStatistics().RemoteReport!.Value.FractionLost);
    }

    [Fact]
    public async Task Twenty_calls_play_at_once_on_the_one_shared_clock()
    {
        string prompt = TestAudio.WriteSine(folder, "many.wav", 700, 1000);
        var phones = Enumerable.Range(0, 20).Select(_ => new RtpPeer()).ToList();
        var sessions = phones.Select((p, i) => engine.CreateSession($"call{i}")).ToList();
        try
        {
            for (int i = 0; i < phones.Count; i++)
            {
                sessions[i].Configure(TestEngine.To(phones[i], i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma));
            }

            PlaybackResult[] results = await Task.WhenAll(sessions.Select(s => s.PlayAsync([prompt]))).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.All(results, r => Assert.Equal(PlaybackOutcome.Completed, r.Outcome));
            for (int i = 0; i < phones.Count; i++)
            {
                var packets = await phones[i].WaitForAsync(p => p.Count >= 50, TimeSpan.FromSeconds(1));
                Assert.Equal(50, packets.Count);
                Assert.Single(packets.Select(p => p.Header.Ssrc).Distinct());
                Assert.True(TestAudio.ToneShare(TestEngine.Decode(packets, i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma), 700) > 0.95);
            }

            Assert.Equal(20, sessions.Select(s => s.Ssrc).Distinct().Count());
            Assert.All(engine.Clocks, c => Assert.Equal(0, c.ClientCount));
        }
        finally
        {
            foreach (IMediaSession session in sessions)
            {
                await session.DisposeAsync();
            }

            foreach (RtpPeer phone in phones)
            {
                await phone.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Ending_the_leg_stops_its_playback_and_frees_its_ports()
    {
        string prompt = TestAudio.WriteSine(folder, "hangup.wav", 400, 5000);
        IMediaSession session = engine.CreateSession("hangup");
        session.Configure(TestEngine.To(peer));
        Task<PlaybackResult> playing = session.PlayAsync([prompt]);
        await peer.WaitForAsync(p => p.Count >= 3, TimeSpan.FromSeconds(2));
        int before = engine.SessionCount;
        await session.DisposeAsync();

        Assert.Equal(PlaybackOutcome.Stopped, (await playing.WaitAsync(TimeSpan.FromSeconds(1))).Outcome);
        Assert.Equal(before - 1, engine.SessionCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.PlayAsync([prompt]));
        using var rebind = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        rebind.Bind(session.LocalEndPoint);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int milliseconds = 3000)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.ElapsedMilliseconds < milliseconds, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
