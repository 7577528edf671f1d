using ContactCenter.Media.Codecs;
using ContactCenter.Media.Mixing;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using ContactCenter.Media.Tests.Sessions;

namespace ContactCenter.Media.Tests.Mixing;

/// <summary>
/// Three phones on loopback sockets, each speaking its own tone (caller 440 Hz, agent 1 kHz, supervisor 2 kHz): what each
/// receives through a bridge with a mix matrix, checked with Goertzel.
/// </summary>
[Collection("rtp")]
public class MixingTests : IAsyncLifetime
{
    private const double CallerTone = 440;
    private const double AgentTone = 1000;
    private const double SupervisorTone = 2000;
    private const int Frames = 40;

    private readonly string folder = TestAudio.TempDirectory();
    private readonly MediaEngine engine = TestEngine.Create();
    private readonly RtpPeer callerPhone = new();
    private readonly RtpPeer agentPhone = new();
    private readonly RtpPeer supervisorPhone = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(folder, recursive: true);
        await callerPhone.DisposeAsync();
        await agentPhone.DisposeAsync();
        await supervisorPhone.DisposeAsync();
    }

    private sealed record Legs(IMediaSession Caller, IMediaSession Agent, IMediaSession Supervisor, IMediaBridge Bridge) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Bridge.DisposeAsync();
            await Caller.DisposeAsync();
            await Agent.DisposeAsync();
            await Supervisor.DisposeAsync();
        }
    }

    private AudioCodec supervisorCodec = AudioCodec.Pcmu;

    private Legs Open(AudioCodec supervisorCodec = AudioCodec.Pcmu)
    {
        this.supervisorCodec = supervisorCodec;
        IMediaSession caller = engine.CreateSession("caller");
        IMediaSession agent = engine.CreateSession("agent");
        IMediaSession supervisor = engine.CreateSession("supervisor");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma));
        supervisor.Configure(TestEngine.To(supervisorPhone, supervisorCodec));
        return new Legs(caller, agent, supervisor, engine.Bridge(caller, agent));
    }

    private static MixMatrix Listen(Legs l) => new MixMatrix().HearEachOther(l.Caller, l.Agent).Hear(l.Supervisor, l.Caller).Hear(l.Supervisor, l.Agent);

    private static MixMatrix Whisper(Legs l) => Listen(l).Hear(l.Agent, l.Supervisor);

    private static MixMatrix Barge(Legs l) => Whisper(l).Hear(l.Caller, l.Supervisor);

    /// <summary>All three phones speak for <paramref name="frames"/> frames, paced at 20 ms.</summary>
    private async Task TalkAsync(Legs l, int frames = Frames, bool supervisorTalks = true)
    {
        short[] callerTone = TestAudio.Sine(CallerTone, frames * 20, 6000);
        short[] agentTone = TestAudio.Sine(AgentTone, frames * 20, 6000);
        short[] supervisorTone = TestAudio.Sine(SupervisorTone, frames * 20, 6000);
        for (int i = 0; i < frames; i++)
        {
            callerPhone.SendAudio(l.Caller.LocalEndPoint, AudioCodec.Pcmu, callerTone.AsSpan(i * 160, 160), marker: i == 0);
            agentPhone.SendAudio(l.Agent.LocalEndPoint, AudioCodec.Pcma, agentTone.AsSpan(i * 160, 160), marker: i == 0);
            if (supervisorTalks)
            {
                supervisorPhone.SendAudio(l.Supervisor.LocalEndPoint, supervisorCodec, supervisorTone.AsSpan(i * 160, 160), marker: i == 0);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// What a phone received, decoded: from the first packet with sound (a mixing listener is sent silence until its
    /// sources speak), leaving out the next few (the switch between relay and mix), <paramref name="packets"/> packets.
    /// </summary>
    private static async Task<short[]> HeardAsync(RtpPeer phone, AudioCodec codec, int packets = 25)
    {
        static int FirstSound(List<RtpPeer.Received> received, AudioCodec codec)
        {
            byte silence = codec == AudioCodec.Pcmu ? G711.EncodeMuLaw(0) : G711.EncodeALaw(0);
            return received.FindIndex(p => p.Payload.AsSpan().IndexOfAnyExcept(silence) >= 0);
        }

        var received = await phone.WaitForAsync(p => FirstSound(p, codec) is >= 0 and var first && p.Count >= first + packets + 3, TimeSpan.FromSeconds(5));
        int start = FirstSound(received, codec);
        Assert.True(start >= 0 && received.Count >= start + packets + 3, $"only {received.Count} packets arrived (sound from {start})");
        return TestEngine.Decode(received.Skip(start + 3).Take(packets), codec);
    }

    /// <summary>
    /// The tone's mean Goertzel share over 20 ms frames (a mix is made frame by frame: a frame where a source's packet
    /// came late holds silence, and the phase of a source's tone need not run on across frames).
    /// </summary>
    private static double Share(short[] audio, double tone)
    {
        double total = 0;
        int frames = 0;
        for (int i = 0; i + 160 <= audio.Length; i += 160)
        {
            total += TestAudio.ToneShare(audio.AsSpan(i, 160), tone);
            frames++;
        }

        return frames == 0 ? 0 : total / frames;
    }

    private static void AssertHears(short[] audio, double tone, string what) =>
        Assert.True(Share(audio, tone) > 0.15, $"{what}: {tone} Hz share {Share(audio, tone):0.000}");

    private static void AssertDoesNotHear(short[] audio, double tone, string what) =>
        Assert.True(Share(audio, tone) < 0.01, $"{what}: {tone} Hz share {Share(audio, tone):0.000}");

    [Fact]
    public async Task Listen_the_supervisor_hears_both_and_nobody_hears_the_supervisor()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Listen(l));
        Assert.True(l.Bridge.IsMixing);

        await TalkAsync(l);
        short[] atSupervisor = await HeardAsync(supervisorPhone, AudioCodec.Pcmu);
        short[] atCaller = await HeardAsync(callerPhone, AudioCodec.Pcmu);
        short[] atAgent = await HeardAsync(agentPhone, AudioCodec.Pcma);

        AssertHears(atSupervisor, CallerTone, "supervisor");
        AssertHears(atSupervisor, AgentTone, "supervisor");
        AssertHears(atCaller, AgentTone, "caller");
        AssertDoesNotHear(atCaller, SupervisorTone, "caller");
        AssertHears(atAgent, CallerTone, "agent");
        AssertDoesNotHear(atAgent, SupervisorTone, "agent");
    }

    [Fact]
    public async Task Listen_keeps_the_caller_and_agent_on_the_relay_packet_for_packet()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Listen(l));

        await TalkAsync(l);
        var atAgent = await agentPhone.WaitForAsync(p => p.Count >= Frames, TimeSpan.FromSeconds(5));

        // Relayed, not mixed: one packet per packet sent, timestamps of one stretch, and only the supervisor is mixed for.
        Assert.Equal(Frames, atAgent.Count);
        for (int i = 1; i < atAgent.Count; i++)
        {
            Assert.Equal(atAgent[i - 1].Header.Timestamp + 160, atAgent[i].Header.Timestamp);
        }

        BridgeMixer mixer = ((MediaBridge)l.Bridge).Mixer!;
        Assert.False(mixer.Plan.Mixed[0]);
        Assert.False(mixer.Plan.Mixed[1]);
        Assert.True(mixer.Plan.Mixed[2]);
    }

    [Fact]
    public async Task Whisper_the_agent_hears_the_supervisor_and_the_caller_never_does()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Whisper(l));

        await TalkAsync(l);
        short[] atCaller = await HeardAsync(callerPhone, AudioCodec.Pcmu);
        short[] atAgent = await HeardAsync(agentPhone, AudioCodec.Pcma);
        short[] atSupervisor = await HeardAsync(supervisorPhone, AudioCodec.Pcmu);

        AssertHears(atAgent, SupervisorTone, "agent");
        AssertHears(atAgent, CallerTone, "agent");
        AssertDoesNotHear(atCaller, SupervisorTone, "caller");
        AssertHears(atCaller, AgentTone, "caller");
        AssertHears(atSupervisor, CallerTone, "supervisor");
        AssertHears(atSupervisor, AgentTone, "supervisor");
    }

    [Fact]
    public async Task Barge_everyone_hears_the_other_two()
    {
        await using Legs l = Open(supervisorCodec: AudioCodec.Pcma);
        l.Bridge.Join(l.Supervisor, Barge(l));

        await TalkAsync(l);
        short[] atCaller = await HeardAsync(callerPhone, AudioCodec.Pcmu);
        short[] atAgent = await HeardAsync(agentPhone, AudioCodec.Pcma);
        short[] atSupervisor = await HeardAsync(supervisorPhone, AudioCodec.Pcma);

        AssertHears(atCaller, AgentTone, "caller");
        AssertHears(atCaller, SupervisorTone, "caller");
        AssertHears(atAgent, CallerTone, "agent");
        AssertHears(atAgent, SupervisorTone, "agent");
        AssertHears(atSupervisor, CallerTone, "supervisor");
        AssertHears(atSupervisor, AgentTone, "supervisor");
    }

    [Fact]
    public async Task A_mode_switch_mid_call_changes_what_the_agent_hears_without_a_new_leg()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Listen(l));
        await TalkAsync(l, frames: 20);
        AssertDoesNotHear(await HeardAsync(agentPhone, AudioCodec.Pcma, packets: 10), SupervisorTone, "agent while listening");

        l.Bridge.SetMix(Whisper(l));
        agentPhone.Packets.Clear();
        callerPhone.Packets.Clear();
        await TalkAsync(l);
        AssertHears(await HeardAsync(agentPhone, AudioCodec.Pcma), SupervisorTone, "agent while whispered to");
        AssertDoesNotHear(await HeardAsync(callerPhone, AudioCodec.Pcmu), SupervisorTone, "caller while the agent is whispered to");
    }

    [Fact]
    public async Task When_the_supervisor_leaves_the_bridge_relays_again_and_the_call_goes_on()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Barge(l));
        await TalkAsync(l, frames: 15);
        await HeardAsync(supervisorPhone, AudioCodec.Pcmu, packets: 5);

        // The supervisor hangs up: closing the leg leaves the bridge, which goes back to the plain relay.
        await l.Supervisor.DisposeAsync();
        Assert.False(l.Bridge.IsMixing);
        Assert.Null(((MediaBridge)l.Bridge).Mixer);
        callerPhone.Packets.Clear();
        agentPhone.Packets.Clear();
        await TalkAsync(l, supervisorTalks: false);

        var atAgent = await agentPhone.WaitForAsync(p => p.Count >= Frames, TimeSpan.FromSeconds(5));
        Assert.Equal(Frames, atAgent.Count);
        AssertHears(TestEngine.Decode(atAgent, AudioCodec.Pcma), CallerTone, "agent after the supervisor left");
        AssertHears(await HeardAsync(callerPhone, AudioCodec.Pcmu), AgentTone, "caller after the supervisor left");
    }

    [Fact]
    public async Task Take_over_the_agent_leaves_and_the_caller_and_supervisor_hear_each_other()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Listen(l));
        l.Bridge.Leave(l.Agent, new MixMatrix().HearEachOther(l.Caller, l.Supervisor));
        Assert.True(l.Bridge.IsMixing);

        // The agent's leg is free: closing it does not end the bridge.
        await l.Agent.DisposeAsync();
        await TalkAsync(l);
        short[] atCaller = await HeardAsync(callerPhone, AudioCodec.Pcmu);
        short[] atSupervisor = await HeardAsync(supervisorPhone, AudioCodec.Pcmu);
        AssertHears(atCaller, SupervisorTone, "caller after the take-over");
        AssertDoesNotHear(atCaller, AgentTone, "caller after the take-over");
        AssertHears(atSupervisor, CallerTone, "supervisor after the take-over");
        AssertDoesNotHear(atSupervisor, AgentTone, "supervisor after the take-over");
    }

    [Fact]
    public async Task The_recording_has_the_supervisor_only_while_barged_in()
    {
        string listenPath = Path.Combine(folder, "listen.wav");
        string bargePath = Path.Combine(folder, "barge.wav");
        await using (Legs l = Open())
        {
            l.Bridge.StartRecording(listenPath);
            l.Bridge.Join(l.Supervisor, Whisper(l));
            await TalkAsync(l);
            await HeardAsync(agentPhone, AudioCodec.Pcma);
            await l.Bridge.StopRecordingAsync();
        }

        await using (Legs l = Open())
        {
            l.Bridge.StartRecording(bargePath);
            l.Bridge.Join(l.Supervisor, Barge(l));
            await TalkAsync(l);
            await HeardAsync(agentPhone, AudioCodec.Pcma);
            await l.Bridge.StopRecordingAsync();
        }

        static (short[] Left, short[] Right) Channels(string path)
        {
            var (channels, _, _, samples) = TestAudio.ReadPcm(path);
            Assert.Equal(2, channels);
            short[] left = new short[samples.Length / 2], right = new short[samples.Length / 2];
            for (int i = 0; i < left.Length; i++)
            {
                left[i] = samples[2 * i];
                right[i] = samples[(2 * i) + 1];
            }

            return (left, right);
        }

        var whispered = Channels(listenPath);
        AssertHears(whispered.Left, CallerTone, "whisper recording, left");
        AssertHears(whispered.Right, AgentTone, "whisper recording, right");
        AssertDoesNotHear(whispered.Right, SupervisorTone, "whisper recording, right");
        AssertDoesNotHear(whispered.Left, SupervisorTone, "whisper recording, left");
        var barged = Channels(bargePath);
        AssertHears(barged.Right, AgentTone, "barge recording, right");
        AssertHears(barged.Right, SupervisorTone, "barge recording, right");
        AssertDoesNotHear(barged.Left, SupervisorTone, "barge recording, left");
    }

    [Fact]
    public async Task Closing_the_agents_leg_while_a_supervisor_listens_ends_the_bridge_as_before()
    {
        await using Legs l = Open();
        l.Bridge.Join(l.Supervisor, Listen(l));

        await l.Agent.DisposeAsync();

        // The bridge is over: the caller's leg is free to be bridged again, and so is the supervisor's.
        await using IMediaSession next = engine.CreateSession("next");
        next.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma));
        await using IMediaBridge again = engine.Bridge(l.Caller, next);
        await using IMediaBridge other = engine.Bridge(l.Supervisor, engine.CreateSession("other"));
        Assert.False(again.IsMixing);
    }

    [Fact]
    public async Task A_matrix_naming_a_leg_not_on_the_bridge_is_refused_and_changes_nothing()
    {
        await using Legs l = Open();
        await using IMediaSession stranger = engine.CreateSession("stranger");
        Assert.Throws<ArgumentException>(() => l.Bridge.Join(l.Supervisor, Listen(l).Hear(stranger, l.Caller)));
        Assert.False(l.Bridge.IsMixing);
        Assert.Throws<InvalidOperationException>(() => l.Bridge.SetMix(Listen(l)));
        Assert.Throws<ArgumentException>(() => l.Bridge.Leave(l.Caller));
    }

    [Fact]
    public async Task Mixing_allocates_nothing_per_packet_or_per_tick()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using MediaEngine quiet = TestEngine.Create(time, runClock: false);
        await using IMediaSession caller = quiet.CreateSession("caller");
        await using IMediaSession agent = quiet.CreateSession("agent");
        await using IMediaSession supervisor = quiet.CreateSession("supervisor");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcma));
        supervisor.Configure(TestEngine.To(supervisorPhone, AudioCodec.Pcmu));
        await using IMediaBridge bridge = quiet.Bridge(caller, agent);
        bridge.Join(supervisor, new MixMatrix().HearEachOther(caller, agent).HearEachOther(caller, supervisor).HearEachOther(agent, supervisor));
        var mixer = ((MediaBridge)bridge).Mixer!;
        byte[] payload = new byte[160];
        G711.Encode(AudioCodec.Pcmu, TestAudio.Sine(CallerTone, 20), payload);
        var header = new RtpHeader { PayloadType = 0, SequenceNumber = 1, Timestamp = 160, Ssrc = 42 };

        void Round()
        {
            mixer.OnAudio((MediaSession)caller, AudioCodec.Pcmu, header, payload, null);
            mixer.OnAudio((MediaSession)agent, AudioCodec.Pcmu, header, payload, null);
            mixer.OnAudio((MediaSession)supervisor, AudioCodec.Pcmu, header, payload, null);
            mixer.OnTick(time.GetTimestamp());
        }

        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(mixer.FramesMixed >= 600);
    }
}
