using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd.WebRtc;

/// <summary>
/// Browser media in calls, with real Chromium on both ends (each its own process, its fake microphone playing its own tone)
/// against the real host: the web caller dials DID 1000 over /sip, hears the IVR, presses 2 as RFC 4733 events, waits in
/// the support queue, and alice's browser phone (registered with her sign-in) rings and answers. The gateway negotiates
/// DTLS-SRTP with each browser (ICE-lite, fingerprints, a=setup both ways), and each side must hear the other's tone.
/// </summary>
public sealed class BrowserMediaTests
{
    private const int CallerTone = 440;
    private const int AgentTone = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_browser_caller_on_DID_1000_presses_2_and_a_browser_agent_answers_each_hears_the_others_tone()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await ConnectAsync(host, caller, agent);

            // Hold and resume from the agent's browser: a re-INVITE on the WebRTC leg keeps the DTLS association; the tones come back.
            await agent.HoldAsync(); // resolves when the gateway answered the re-INVITE
            await WaitForLogAsync(host, "caller's leg on hold (a=sendonly)"); // passed on to the caller's browser (HoldRelay)
            await agent.UnholdAsync();
            await WaitForLogAsync(host, "caller's leg resumed (a=sendrecv)");
            Assert.Equal(new[] { "hold", "held", "unhold", "unheld" }, (await agent.EventsAsync()).Where(e => e.Contains("hold", StringComparison.Ordinal) || e.Contains("held", StringComparison.Ordinal)));
            await caller.WaitToHearAsync(AgentTone, Patience);
            await agent.WaitToHearAsync(CallerTone, Patience);
            Assert.Equal("connected", (await agent.StatsAsync()).DtlsState);

            await agent.HangUpAsync();
            await caller.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task An_opus_browser_leg_is_transcoded_and_each_side_still_hears_the_others_tone()
    {
        await RunAsync([("Telephony:BrowserCodecs", "opus,PCMU")], async (host, caller, agent) =>
        {
            var (callerStats, agentStats) = await ConnectAsync(host, caller, agent);
            Assert.Equal("audio/opus", callerStats.Codec);
            Assert.Equal("audio/opus", agentStats.Codec);
            await caller.HangUpAsync();
            await agent.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task An_agent_with_a_SIP_phone_and_a_browser_rings_on_both_the_phone_answers_first_and_the_opus_caller_is_relayed_as_G711()
    {
        await RunAsync([("Telephony:BrowserCodecs", "opus,PCMU")], async (host, caller, alice) =>
        {
            // alice's SIPp desk phone answers after 300 ms and echoes the RTP it gets: the caller's Opus is transcoded to PCMU
            // for it, and its PCMU back to Opus, so the caller hears its own tone through the G.711 leg.
            var folder = Directory.CreateTempSubdirectory("cc-webrtc-sipp-").FullName;
            await using var phone = await CallPathTests.RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", "agent-wait-bye.part", echoRtp: true);
            await DialSupportAsync(caller);

            await alice.WaitForEventAsync("incoming", Patience);
            await WaitForLogAsync(host, "after IVR path main>2>support");
            await alice.WaitForEventAsync("failed", Patience); // the desk phone won: the browser's ring is CANCELled
            Assert.Contains("failed:Canceled", await alice.EventsAsync());
            Assert.Equal("audio/opus", (await caller.StatsAsync()).Codec);
            await caller.WaitToHearAsync(CallerTone, Patience);

            await caller.HangUpAsync();
            await phone.AssertSucceededAsync(Patience);
            await WaitForLogAsync(host, "caller hung up (BYE)");
        });
    }

    [Theory]
    [InlineData("PCMU", "audio/PCMU")]
    [InlineData("opus,PCMU", "audio/opus")]
    public async Task A_SIP_caller_and_a_browser_agent_each_hear_the_others_tone_and_the_recording_holds_both(string browserCodecs, string codec)
    {
        await RunAsync([("Telephony:BrowserCodecs", browserCodecs)], async (host, _, alice) =>
        {
            // baresip, a real softphone, calls DID 1001 (straight to support, which records) with a 440 Hz tone as its
            // microphone, over plain RTP with G.711; alice's browser (1 kHz) answers over DTLS-SRTP, in PCMU (passed through)
            // or Opus (transcoded both ways).
            await using var phone = IvrBaresip.Dial(CallPathTests.AdaPhone, $"sip:1001@127.0.0.1:{host.SipPort}", TimeSpan.FromSeconds(60), recordAudio: true);
            await alice.WaitForEventAsync("incoming", Patience);
            await alice.AnswerAsync();
            await alice.WaitForEventAsync("confirmed", Patience);
            var stats = await alice.WaitForStatsAsync(s => s.DtlsState == "connected" && s.SrtpCipher is not null && s.Energy > 0, Patience, "DTLS, SRTP and audio in");
            Assert.Equal(codec, stats.Codec);

            // By frequency, not energy: the browser hears the softphone's 440 Hz, the softphone (its recording of what it
            // plays, decoded from the G.711 it received) hears the browser's 1 kHz.
            await alice.WaitToHearAsync(CallerTone, Patience);
            await WaitForToneInWavAsync(() => phone.HeardWav, channel: 0, AgentTone, "what baresip heard", phone.Log);

            // The call's recording (support records: caller left, agent right) holds both parties: 440 Hz left, 1 kHz right,
            // read as it is written (the recorder flushes every 64 KB, ~2 s), then again once the call ended and it was closed.
            var recordings = Path.Combine(host.DataFolder, "data", "recordings");
            string? Recording() => Directory.Exists(recordings) ? Directory.GetFiles(recordings, "*.wav").FirstOrDefault() : null;
            await WaitForToneInWavAsync(Recording, channel: 0, CallerTone, "the recording's caller channel", "");
            await WaitForToneInWavAsync(Recording, channel: 1, AgentTone, "the recording's agent channel", "");
            await alice.HangUpAsync();
            await WaitForLogAsync(host, "ended by Agent");
            var recording = Assert.Single(Directory.GetFiles(recordings, "*.wav"));
            Assert.True(ToneFrames(ReadWav(recording), channel: 0, CallerTone) >= 25, $"the recording's caller channel has no 0.5 s of {CallerTone} Hz");
            Assert.True(ToneFrames(ReadWav(recording), channel: 1, AgentTone) >= 25, $"the recording's agent channel has no 0.5 s of {AgentTone} Hz");
            Assert.True(ToneFrames(ReadWav(recording), channel: 0, AgentTone) < 5, "the recording's caller channel holds the agent's tone");
        }, webCaller: false);
    }

    [Fact]
    public async Task The_agents_tab_closing_while_they_talk_releases_the_caller_with_the_reason()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await ConnectAsync(host, caller, agent);
            await agent.Page.Context.CloseAsync();
            await caller.WaitForEventAsync("ended", Patience);
            await WaitForLogAsync(host, "agent hung up (connection closed)");
        });
    }

    [Fact]
    public async Task The_agents_tab_closing_while_it_rings_queues_the_call_again_and_the_next_agent_answers()
    {
        await RunAsync([], async (host, caller, alice) =>
        {
            await DialSupportAsync(caller);
            await alice.WaitForEventAsync("incoming", Patience);

            // bob becomes available while alice's browser rings; routing keeps the call reserved for alice until her ring ends.
            var page = await BrowserCallTests.SignInAsync(alice.Browser, host, "bob", "/agent", phonePanel: false);
            var bob = await BrowserMediaPhone.AttachAsync(alice.Browser, page, "bob's browser");
            Assert.Equal("registered", await bob.StartAsync("bob", register: true));
            await page.GetByTestId("go-available").ClickAsync();
            await Expect(page.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            // alice's tab closes: her ring ends at once (not at the ring timeout), the call is queued again and bob's browser rings.
            var closed = System.Diagnostics.Stopwatch.StartNew();
            await alice.Page.Context.CloseAsync();
            await bob.WaitForEventAsync("incoming", Patience);
            Assert.True(closed.Elapsed < TimeSpan.FromSeconds(15), $"bob rang {closed.Elapsed} after alice's tab closed: alice's ring was not ended by her phone going away (the support queue rings for 15 s)");
            await WaitForLogAsync(host, "alice's phone is gone");
            await bob.AnswerAsync();
            await bob.WaitForStatsAsync(s => s.DtlsState == "connected" && s.Energy > 0, Patience, "DTLS connected and audio in");
            await bob.WaitToHearAsync(CallerTone, Patience);
            await caller.WaitToHearAsync(AgentTone, Patience);
            await bob.HangUpAsync();
            await caller.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task A_caller_whose_fingerprint_is_not_its_certificate_is_refused_with_the_reason()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await caller.MangleFingerprintAsync();
            await caller.CallAsync("1000");
            await caller.WaitForEventAsync("ended", Patience);
            await WaitForLogAsync(host, "caller's media failed");
            Assert.Contains("fingerprint", host.StandardOutput, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual("connected", (await caller.StatsAsync()).DtlsState);
        }, signInAgent: false);
    }

    /// <summary>The caller dials 1000 and presses 2 (RFC 4733); alice's browser rings and answers; DTLS, SRTP and the tones both ways.</summary>
    private static async Task<(MediaStats Caller, MediaStats Agent)> ConnectAsync(HostProcess host, BrowserMediaPhone caller, BrowserMediaPhone agent)
    {
        await DialSupportAsync(caller);
        await agent.WaitForEventAsync("incoming", Patience);
        await WaitForLogAsync(host, "after IVR path main>2>support"); // the digit, not the menu's timeout, chose support
        await agent.AnswerAsync();
        await agent.WaitForEventAsync("confirmed", Patience);
        var agentStats = await agent.WaitForStatsAsync(s => s.DtlsState == "connected" && s.SrtpCipher is not null && s.Energy > 0, Patience, "DTLS, SRTP and audio in");
        var callerStats = await caller.WaitForStatsAsync(s => s.SrtpCipher is not null && s.Energy > 0, Patience, "SRTP and audio in");
        await caller.WaitToHearAsync(AgentTone, Patience);
        await agent.WaitToHearAsync(CallerTone, Patience);
        return (callerStats, agentStats);
    }

    /// <summary>The caller dials 1000, hears the IVR's greeting over DTLS-SRTP and chooses support with its keypad (RFC 4733).</summary>
    private static async Task DialSupportAsync(BrowserMediaPhone caller)
    {
        await caller.CallAsync("1000");
        await caller.WaitForEventAsync("confirmed", Patience);
        await caller.WaitForStatsAsync(s => s.DtlsState == "connected" && s.Energy > 0, Patience, "DTLS connected and the IVR heard");
        await caller.SendDtmfAsync("2");
    }

    private static async Task RunAsync((string, string)[] settings, Func<HostProcess, BrowserMediaPhone, BrowserMediaPhone, Task> scenario, bool signInAgent = true, bool webCaller = true)
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost(settings);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-webrtc-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var agentBrowser = await BrowserMediaPhone.LaunchAsync(playwright, folder, AgentTone);
            await using var callerBrowser = webCaller ? await BrowserMediaPhone.LaunchAsync(playwright, folder, CallerTone) : null;
            BrowserMediaPhone? agent = null;
            if (signInAgent)
            {
                var page = await BrowserCallTests.SignInAsync(agentBrowser, host, "alice", "/agent", phonePanel: false);
                agent = await BrowserMediaPhone.AttachAsync(agentBrowser, page, "alice's browser");
                Assert.Equal("registered", await agent.StartAsync("alice", register: true));
                await page.GetByTestId("go-available").ClickAsync();
                await Expect(page.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            }

            BrowserMediaPhone? caller = null;
            if (callerBrowser is not null)
            {
                caller = await BrowserMediaPhone.OpenAnonymousAsync(callerBrowser, host, "the web caller");
                Assert.Equal("connected", await caller.StartAsync(CallPathTests.AdaPhone, register: false));
            }

            await scenario(host, caller!, agent!);
        });
    }

    /// <summary>
    /// Polls a WAV file that is still being written (baresip's sndfile: the header's sizes are filled in only when it
    /// closes, so everything after the data chunk's header is read) until it holds 0.5 s of <paramref name="hz"/>.
    /// </summary>
    private static async Task WaitForToneInWavAsync(Func<string?> file, int channel, int hz, string what, string log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var found = 0;
        while (clock.Elapsed < Patience)
        {
            if (file() is { } path)
            {
                found = ToneFrames(ReadWav(path), channel, hz);
                if (found >= 25)
                {
                    return;
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{what}: {found} frames of {hz} Hz (20 ms each) within {Patience.TotalSeconds} s, 25 wanted\n{log}");
    }

    /// <summary>A PCM16 WAV's samples by channel and its sample rate, reading whatever follows the data chunk's header.</summary>
    private static (short[][] Channels, int Rate) ReadWav(string path)
    {
        byte[] data;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            data = new byte[stream.Length];
            stream.ReadExactly(data);
        }

        int channels = 1, rate = 8000, offset = 12;
        while (offset + 8 <= data.Length)
        {
            var id = data.AsSpan(offset, 4);
            var size = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 4));
            if (id.SequenceEqual("fmt "u8))
            {
                Assert.Equal(16, System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset + 8 + 14)));
                channels = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset + 8 + 2));
                rate = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 8 + 4));
            }
            else if (id.SequenceEqual("data"u8))
            {
                var frames = (data.Length - offset - 8) / (2 * channels);
                var result = new short[channels][];
                for (var c = 0; c < channels; c++)
                {
                    result[c] = new short[frames];
                    for (var i = 0; i < frames; i++)
                    {
                        result[c][i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(offset + 8 + (2 * ((i * channels) + c))));
                    }
                }

                return (result, rate);
            }

            offset += 8 + size + (size & 1);
        }

        return ([.. Enumerable.Range(0, channels).Select(_ => Array.Empty<short>())], rate);
    }

    /// <summary>20 ms frames of the channel that are clearly audible (RMS over 300) and at least 80 % <paramref name="hz"/> (Goertzel).</summary>
    private static int ToneFrames((short[][] Channels, int Rate) wav, int channel, int hz)
    {
        var samples = wav.Channels[Math.Min(channel, wav.Channels.Length - 1)];
        var frame = wav.Rate / 50;
        var coefficient = 2 * Math.Cos(2 * Math.PI * hz / wav.Rate);
        var count = 0;
        for (var start = 0; start + frame <= samples.Length; start += frame)
        {
            double s1 = 0, s2 = 0, total = 0;
            for (var i = start; i < start + frame; i++)
            {
                var s0 = samples[i] + (coefficient * s1) - s2;
                s2 = s1;
                s1 = s0;
                total += (double)samples[i] * samples[i];
            }

            var power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
            var share = total == 0 ? 0 : 2 * power / (frame * total);
            if (share >= 0.8 && Math.Sqrt(total / frame) > 300)
            {
                count++;
            }
        }

        return count;
    }

    private static async Task WaitForLogAsync(HostProcess host, string text)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!host.StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Patience, $"the host never logged '{text}'");
            await Task.Delay(100);
        }
    }
}
