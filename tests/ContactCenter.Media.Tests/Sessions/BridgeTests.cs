using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Tests.Sessions;

[Collection("rtp")]
public class BridgeTests : IAsyncLifetime
{
    private readonly string folder = TestAudio.TempDirectory();
    private readonly MediaEngine engine = TestEngine.Create();
    private readonly RtpPeer callerPhone = new();
    private readonly RtpPeer agentPhone = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(folder, recursive: true);
        await callerPhone.DisposeAsync();
        await agentPhone.DisposeAsync();
    }

    private static async Task TalkAsync(RtpPeer phone, IMediaSession to, AudioCodec codec, double frequency, int frames)
    {
        short[] tone = TestAudio.Sine(frequency, frames * 20);
        for (int i = 0; i < frames; i++)
        {
            phone.SendAudio(to.LocalEndPoint, codec, tone.AsSpan(i * 160, 160), marker: i == 0);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Audio_is_relayed_both_ways_and_transcoded_between_pcmu_and_pcma()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);

        await Task.WhenAll(
            TalkAsync(callerPhone, caller, AudioCodec.Pcmu, 500, 50),
            TalkAsync(agentPhone, agent, AudioCodec.Pcma, 1200, 50));
        var atAgent = await agentPhone.WaitForAsync(p => p.Count >= 50, TimeSpan.FromSeconds(2));
        var atCaller = await callerPhone.WaitForAsync(p => p.Count >= 50, TimeSpan.FromSeconds(2));

        Assert.Equal(50, atAgent.Count);
        Assert.Equal(50, atCaller.Count);
        Assert.All(atAgent, p => Assert.Equal(8, p.Header.PayloadType));
        Assert.All(atAgent, p => Assert.Equal(agent.Ssrc, p.Header.Ssrc));
        Assert.All(atCaller, p => Assert.Equal(0, p.Header.PayloadType));
        Assert.All(atCaller, p => Assert.Equal(caller.Ssrc, p.Header.Ssrc));
        string trace = string.Join(",", atAgent.Select(p => $"{p.Header.SequenceNumber}/{p.Header.Timestamp}"));
        for (int i = 1; i < atAgent.Count; i++)
        {
            Assert.True(atAgent[i - 1].Header.Timestamp + 160 == atAgent[i].Header.Timestamp, trace);
            Assert.Equal((ushort)(atAgent[i - 1].Header.SequenceNumber + 1), atAgent[i].Header.SequenceNumber);
            Assert.Equal(atAgent[i - 1].Header.Timestamp + 160, atAgent[i].Header.Timestamp);
        }

        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atAgent, AudioCodec.Pcma), 500) > 0.95, "caller's 500 Hz did not reach the agent");
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atCaller, AudioCodec.Pcmu), 1200) > 0.95, "agent's 1200 Hz did not reach the caller");
    }

    [Fact]
    public async Task Rfc4733_digits_pass_through_with_the_other_legs_payload_type()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu, telephoneEvent: 101));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcmu, telephoneEvent: 96));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);
        int reported = 0;
        caller.DtmfReceived += (_, _) => Interlocked.Increment(ref reported);

        await callerPhone.SendEventAsync(caller.LocalEndPoint, 101, '7');
        var packets = await agentPhone.WaitForAsync(p => p.Count >= 8, TimeSpan.FromSeconds(2));
        Assert.Equal(8, packets.Count);
        Assert.All(packets, p => Assert.Equal(96, p.Header.PayloadType));
        Assert.Single(packets.Select(p => p.Header.Timestamp).Distinct());
        Assert.All(packets, p => Assert.Equal(7, p.Payload[0]));

        // A digit from SIP INFO on the agent's side reaches the caller as RFC 4733.
        agent.ReceiveSipInfoDtmf('3', TimeSpan.FromMilliseconds(100));
        var back = await callerPhone.WaitForAsync(p => p.Count(x => x.Header.PayloadType == 101 && (x.Payload[1] & 0x80) != 0) >= 3, TimeSpan.FromSeconds(2));
        Assert.All(back.Where(p => p.Header.PayloadType == 101), p => Assert.Equal(3, p.Payload[0]));
        Assert.Equal(1, reported);
    }

    [Fact]
    public async Task Digits_become_in_band_tones_for_a_leg_without_telephone_event()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu, telephoneEvent: 101));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma, telephoneEvent: null));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);

        await callerPhone.SendEventAsync(caller.LocalEndPoint, 101, '*');
        // Wait for the tone itself rather than for a number of packets: on a busy machine the first packets to arrive
        // may hold only the start of it.
        static List<char> Detect(List<RtpPeer.Received> packets)
        {
            var found = new List<char>();
            new GoertzelDtmfDetector(d => found.Add(d.Digit)).Process(TestEngine.Decode(packets, AudioCodec.Pcma));
            return found;
        }

        var packets = await agentPhone.WaitForAsync(p => p.Count >= 7 && Detect(p).Count > 0, TimeSpan.FromSeconds(5));
        Assert.Equal(['*'], Detect(packets));
    }

    [Fact]
    public async Task In_band_tones_on_a_bridged_leg_reach_the_other_leg_and_are_detected_again_once_unbridged()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu, telephoneEvent: null));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcmu, telephoneEvent: null));
        var detected = new List<char>();
        caller.DtmfReceived += (_, e) =>
        {
            lock (detected)
            {
                detected.Add(e.Digit);
            }
        };

        IMediaBridge bridge = engine.Bridge(caller, agent);
        await SendToneAsync(callerPhone, caller, '5');
        var atAgent = await agentPhone.WaitForAsync(p => p.Count >= 8, TimeSpan.FromSeconds(2));
        var heard = new List<char>();
        new GoertzelDtmfDetector(d => heard.Add(d.Digit)).Process(TestEngine.Decode(atAgent, AudioCodec.Pcmu));
        Assert.Equal(['5'], heard);
        await Task.Delay(100);
        lock (detected)
        {
            Assert.Empty(detected);
        }

        await bridge.DisposeAsync();
        await SendToneAsync(callerPhone, caller, '9');
        await Task.Delay(200);
        lock (detected)
        {
            Assert.Equal(['9'], detected);
        }
    }

    private static async Task SendToneAsync(RtpPeer phone, IMediaSession to, char key)
    {
        short[] frame = new short[160];
        for (int i = 0; i < 8; i++)
        {
            if (i < 5)
            {
                GoertzelDtmfDetector.GenerateTone(key, frame, i * 160L);
            }
            else
            {
                Array.Clear(frame);
            }

            phone.SendAudio(to.LocalEndPoint, AudioCodec.Pcmu, frame, marker: i == 0);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Hold_stops_relaying_towards_the_held_leg_and_resume_restarts_it()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone));
        agent.Configure(TestEngine.To(agentPhone));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);

        // The agent's phone sends re-INVITE a=sendonly: we answer recvonly on that leg.
        agent.SetDirection(MediaDirection.SendOnly.Answer());
        Assert.Equal(MediaDirection.RecvOnly, agent.Direction);
        await TalkAsync(callerPhone, caller, AudioCodec.Pcmu, 500, 10);
        await Task.Delay(100);
        Assert.Empty(agentPhone.Packets);

        agent.SetDirection(MediaDirection.SendRecv);
        await TalkAsync(callerPhone, caller, AudioCodec.Pcmu, 500, 10);
        var packets = await agentPhone.WaitForAsync(p => p.Count >= 10, TimeSpan.FromSeconds(2));
        Assert.Equal(10, packets.Count);
        Assert.True(packets[0].Header.Marker);
    }

    [Fact]
    public async Task Music_on_hold_replaces_the_relayed_audio_on_that_leg()
    {
        string music = TestAudio.WriteSine(folder, "moh.wav", 300, 200);
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone));
        agent.Configure(TestEngine.To(agentPhone));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);

        Task<PlaybackResult> moh = caller.PlayAsync([music], new PlaybackOptions { Loop = true, BargeIn = false });
        await TalkAsync(agentPhone, agent, AudioCodec.Pcmu, 1500, 20);
        caller.StopPlayback();
        await moh;
        var packets = callerPhone.Packets.ToList();
        short[] audio = TestEngine.Decode(packets, AudioCodec.Pcmu);
        Assert.True(TestAudio.ToneShare(audio, 300) > 0.9, "the caller should hear only the music while it plays");
    }

    [Fact]
    public async Task Recording_is_a_stereo_wav_with_the_caller_left_and_the_agent_right()
    {
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);
        string path = Path.Combine(folder, "call.wav");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        bridge.StartRecording(path);
        Assert.True(bridge.IsRecording);
        await Task.WhenAll(
            TalkAsync(callerPhone, caller, AudioCodec.Pcmu, 500, 75),
            TalkAsync(agentPhone, agent, AudioCodec.Pcma, 1200, 75));
        await Task.Delay(100);
        await bridge.StopRecordingAsync();
        double recordedFor = watch.Elapsed.TotalMilliseconds;
        Assert.False(bridge.IsRecording);

        var (channels, rate, bits, samples) = TestAudio.ReadPcm(path);
        Assert.Equal((2, 8000, 16), (channels, rate, bits));
        short[] left = [.. samples.Where((_, i) => i % 2 == 0)];
        short[] right = [.. samples.Where((_, i) => i % 2 == 1)];
        // The file follows the wall clock (silence where nothing came), one frame per 20 ms tick.
        Assert.InRange(left.Length / 8.0, recordedFor - 150, recordedFor + 50);
        Assert.True(MedianBlockShare(left, 500) > 0.9, "left channel should be the caller's 500 Hz");
        Assert.True(MedianBlockShare(right, 1200) > 0.9, "right channel should be the agent's 1200 Hz");
        Assert.True(MedianBlockShare(left, 1200) < 0.05, "the agent leaked into the caller's channel");
        Assert.True(left.Count(s => s != 0) > 75 * 160 * 0.8, "most of the caller's audio should be in the file");
    }

    private static double MedianBlockShare(short[] channel, double frequency)
    {
        var shares = new List<double>();
        for (int i = 0; i + 160 <= channel.Length; i += 160)
        {
            if (channel.AsSpan(i, 160).ContainsAnyExcept((short)0))
            {
                shares.Add(TestAudio.ToneShare(channel.AsSpan(i, 160), frequency));
            }
        }

        Assert.NotEmpty(shares);
        shares.Sort();
        return shares[shares.Count / 2];
    }

    [Fact]
    public async Task Bad_bridges_are_refused()
    {
        await using IMediaSession a = engine.CreateSession("a");
        await using IMediaSession b = engine.CreateSession("b");
        await using IMediaSession c = engine.CreateSession("c");
        Assert.Throws<ArgumentException>(() => engine.Bridge(a, a));
        await using IMediaBridge bridge = engine.Bridge(a, b);
        Assert.Contains("already bridged", Assert.Throws<InvalidOperationException>(() => engine.Bridge(c, b)).Message, StringComparison.Ordinal);
        await bridge.DisposeAsync();
        await using IMediaBridge again = engine.Bridge(c, b);
        Assert.Same(c, again.Caller);
        Assert.Throws<DirectoryNotFoundException>(() => again.StartRecording(Path.Combine(folder, "no", "such", "dir.wav")));
    }
}
