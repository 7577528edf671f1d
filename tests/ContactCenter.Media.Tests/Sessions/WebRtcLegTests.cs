using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Codecs.Opus;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>
/// Browser (WebRTC) and SRTP legs over real loopback UDP: a <see cref="BrowserPeer"/> built from the merged ICE, DTLS and
/// SRTP pieces checks the leg's port, handshakes, and talks SRTP; the other leg of the bridge is a plain G.711 phone.
/// </summary>
[Collection("rtp")]
public class WebRtcLegTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string folder = TestAudio.TempDirectory();
    private readonly MediaEngine engine = TestEngine.Create();
    private readonly RtpPeer phone = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        await phone.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The browser's offer applied to a leg, as the gateway will: DTLS-SRTP, rtcp-mux, the browser's ufrag.</summary>
    private static RemoteMedia BrowserMedia(BrowserPeer browser, DtlsSetup ours, AudioCodec codec = AudioCodec.Pcmu, int? opus = null, int? telephoneEvent = null) => new()
    {
        RtpEndPoint = new IPEndPoint(IPAddress.Any, 9), // a browser's c=IN IP4 0.0.0.0 / m=audio 9: the checks say where it is
        Codec = codec,
        OpusPayloadType = opus,
        TelephoneEventPayloadType = telephoneEvent,
        RtcpMux = true,
        IceUsernameFragment = BrowserPeer.Ufrag,
        Srtp = new DtlsSrtpKeying { RemoteFingerprint = browser.Certificate.Fingerprint.ToString(), Setup = ours },
    };

    private async Task<(IMediaSession Leg, BrowserPeer Browser)> ConnectBrowserAsync(DtlsSetup ours = DtlsSetup.Passive, AudioCodec codec = AudioCodec.Pcmu, int? opus = null, int? telephoneEvent = null)
    {
        IMediaSession leg = engine.CreateSession("browser", new MediaLegOptions { IceLite = true });
        var browser = new BrowserPeer(role: ours == DtlsSetup.Passive ? DtlsRole.Client : DtlsRole.Server) { Remote = leg.LocalEndPoint };
        leg.Configure(BrowserMedia(browser, ours, codec, opus, telephoneEvent));
        browser.SendCheck(leg.LocalIce!);
        Assert.True(await BrowserPeer.UntilAsync(() => !browser.StunResponses.IsEmpty, Patience), "the leg did not answer the STUN check");
        await browser.HandshakeAsync(DtlsFingerprint.Parse(engine.DtlsFingerprint), Patience);
        Assert.True(await BrowserPeer.UntilAsync(() => ((MediaSession)leg).Secure!.IsKeyed, Patience), "the leg has no SRTP keys after the handshake");
        return (leg, browser);
    }

    private static async Task TalkAsync(BrowserPeer browser, AudioCodec codec, double frequency, int frames)
    {
        short[] tone = TestAudio.Sine(frequency, frames * 20);
        for (int i = 0; i < frames; i++)
        {
            browser.SendAudio(codec, tone.AsSpan(i * 160, 160), marker: i == 0);
            await Task.Delay(20);
        }
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

    [Theory]
    [InlineData(DtlsSetup.Passive)]
    [InlineData(DtlsSetup.Active)]
    public async Task A_browser_leg_answers_stun_completes_dtls_and_relays_srtp_to_a_plain_leg_and_back(DtlsSetup ours)
    {
        (IMediaSession leg, BrowserPeer browser) = await ConnectBrowserAsync(ours);
        await using BrowserPeer browserScope = browser;
        await using IMediaSession legScope = leg;
        await using IMediaSession plain = engine.CreateSession("phone");
        plain.Configure(TestEngine.To(phone, AudioCodec.Pcma));
        await using IMediaBridge bridge = engine.Bridge(leg, plain);

        Assert.Contains((ushort)0x0101, browser.StunResponses); // Binding success
        Assert.Equal(browser.EndPoint, leg.GetStatistics().RemoteRtpEndPoint); // the check latched where media goes
        Assert.Null(((MediaSession)plain).Secure); // the G.711 leg stays plain
        await Task.WhenAll(TalkAsync(browser, AudioCodec.Pcmu, 440, 50), TalkAsync(phone, plain, AudioCodec.Pcma, 1000, 50));
        var atPhone = await phone.WaitForAsync(p => p.Count >= 50, Patience);
        var atBrowser = await browser.WaitForAsync(p => p.Count >= 50, Patience);

        Assert.Equal(50, atPhone.Count);
        Assert.All(atPhone, p => Assert.Equal(8, p.Header.PayloadType));
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atPhone, AudioCodec.Pcma), 440) > 0.95, "the browser's 440 Hz did not reach the phone as plain RTP");
        Assert.Equal(50, atBrowser.Count);
        Assert.All(atBrowser, p => Assert.Equal(leg.Ssrc, p.Header.Ssrc));
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atBrowser, AudioCodec.Pcmu), 1000) > 0.95, "the phone's 1 kHz did not reach the browser as SRTP");
        Assert.Equal(0, browser.Refused);
    }

    [Fact]
    public async Task An_opus_browser_leg_is_transcoded_to_and_from_a_g711_leg_and_its_digits_are_heard()
    {
        (IMediaSession leg, BrowserPeer browser) = await ConnectBrowserAsync(opus: 111, telephoneEvent: 110);
        await using BrowserPeer browserScope = browser;
        await using IMediaSession legScope = leg;
        await using IMediaSession plain = engine.CreateSession("phone");
        plain.Configure(TestEngine.To(phone, AudioCodec.Pcma));
        await using IMediaBridge bridge = engine.Bridge(leg, plain);
        var digits = new List<DtmfReceivedEventArgs>();
        leg.DtmfReceived += (_, e) => { lock (digits) { digits.Add(e); } };

        var encoder = new OpusAudioEncoder(48000, bitrate: 32000);
        short[] tone = Sine48(440, 1000);
        byte[] opusPacket = new byte[OpusAudioEncoder.MaxPacketBytes];
        Task browserTalks = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                int length = encoder.Encode(tone.AsSpan(i * 960, 960), opusPacket);
                browser.SendOpus(111, opusPacket.AsSpan(0, length), marker: i == 0);
                await Task.Delay(20);
            }
        });
        await Task.WhenAll(browserTalks, TalkAsync(phone, plain, AudioCodec.Pcma, 1000, 50));
        var atPhone = await phone.WaitForAsync(p => p.Count >= 50, Patience);
        var atBrowser = await browser.WaitForAsync(p => p.Count >= 50, Patience);

        Assert.True(atPhone.Count >= 48, $"{atPhone.Count} packets reached the phone");
        short[] heard = TestEngine.Decode(atPhone, AudioCodec.Pcma);
        Assert.True(TestAudio.ToneShare(heard.AsSpan(1600), 440) > 0.9, "the browser's Opus 440 Hz did not reach the G.711 phone");
        for (int i = 1; i < atPhone.Count; i++)
        {
            Assert.Equal(atPhone[i - 1].Header.Timestamp + 160, atPhone[i].Header.Timestamp);
        }


        Assert.True(atBrowser.Count >= 48, $"{atBrowser.Count} packets reached the browser");
        Assert.All(atBrowser, p => Assert.Equal(111, p.Header.PayloadType));
        for (int i = 1; i < atBrowser.Count; i++)
        {
            Assert.Equal(atBrowser[i - 1].Header.Timestamp + 960, atBrowser[i].Header.Timestamp);
        }

        var decoder = new OpusAudioDecoder(48000);
        short[] pcm = new short[decoder.MaxFrameSamples];
        var wide = new List<short>();
        foreach (RtpPeer.Received packet in atBrowser)
        {
            int samples = decoder.Decode(packet.Payload, pcm);
            Assert.Equal(960, samples);
            wide.AddRange(pcm.AsSpan(0, samples));
        }

        Assert.True(TestAudio.ToneShare(wide.ToArray().AsSpan(9600), 1000, 48000) > 0.9, "the phone's 1 kHz did not reach the browser as Opus");

        // A digit from the browser: telephone-event/48000, its duration in 48 kHz units.
        await SendEventAsync(browser, 110, '5');
        Assert.True(await BrowserPeer.UntilAsync(() => { lock (digits) { return digits.Count > 0; } }, Patience), "no digit from the Opus browser leg");
        lock (digits)
        {
            Assert.Equal('5', digits[0].Digit);
            Assert.Equal(DtmfSource.Rfc4733, digits[0].Source);
            Assert.InRange(digits[0].Duration.TotalMilliseconds, 90, 110);
        }

        // The leg's last report (with BYE), as SRTCP on the one port: its sender report on the Opus clock, counting Opus packets.
        await leg.DisposeAsync();
        Assert.True(await BrowserPeer.UntilAsync(() => browser.Rtcp.Any(p => ContactCenter.Media.Rtp.RtcpCompound.TryParse(p, out var c) && c!.Bye), Patience), "no RTCP BYE reached the browser");
        ContactCenter.Media.Rtp.RtcpCompound bye = browser.Rtcp.Select(p => ContactCenter.Media.Rtp.RtcpCompound.TryParse(p, out var c) ? c : null).Last(c => c is { Bye: true })!;
        ContactCenter.Media.Rtp.RtcpSenderInfo report = bye.SenderInfo!.Value;
        Assert.InRange(report.PacketCount, (uint)atBrowser.Count, (uint)atBrowser.Count + 5);
        Assert.InRange(report.RtpTimestamp - atBrowser[^1].Header.Timestamp, 0u, 48000u * 5); // a few seconds after the last packet, at 48 kHz
    }

    [Fact]
    public async Task A_peer_certificate_that_is_not_the_sdp_fingerprint_ends_the_leg_with_the_reason()
    {
        await using IMediaSession leg = engine.CreateSession("browser", new MediaLegOptions { IceLite = true });
        var failures = new TaskCompletionSource<MediaFailedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.MediaFailed += (_, e) => failures.TrySetResult(e);
        await using var browser = new BrowserPeer { Remote = leg.LocalEndPoint };
        DtlsCertificate impostor = DtlsCertificate.Generate(TimeProvider.System);
        leg.Configure(BrowserMedia(browser, DtlsSetup.Passive) with { Srtp = new DtlsSrtpKeying { RemoteFingerprint = impostor.Fingerprint.ToString(), Setup = DtlsSetup.Passive } });
        browser.SendCheck(leg.LocalIce!);

        await Assert.ThrowsAsync<DtlsHandshakeException>(() => browser.HandshakeAsync(DtlsFingerprint.Parse(engine.DtlsFingerprint), Patience));
        MediaFailedEventArgs failure = await failures.Task.WaitAsync(Patience);

        Assert.Equal(MediaFailure.DtlsFingerprintMismatch, failure.Failure);
        Assert.Contains(impostor.Fingerprint.ToString(), failure.Reason, StringComparison.Ordinal);
        Assert.Contains(browser.Certificate.Fingerprint.ToString(), failure.Reason, StringComparison.Ordinal);
        Assert.False(((MediaSession)leg).Secure!.IsKeyed);
    }

    [Fact]
    public async Task The_browser_closing_dtls_ends_the_leg()
    {
        (IMediaSession leg, BrowserPeer browser) = await ConnectBrowserAsync();
        await using IMediaSession legScope = leg;
        var failures = new TaskCompletionSource<MediaFailedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.MediaFailed += (_, e) => failures.TrySetResult(e);

        await browser.DisposeAsync(); // close_notify, as a closing tab's DTLS does

        MediaFailedEventArgs failure = await failures.Task.WaitAsync(Patience);
        Assert.Equal(MediaFailure.DtlsClosed, failure.Failure);
        Assert.Contains("closed", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_the_leg_tells_the_browser_with_close_notify()
    {
        (IMediaSession leg, BrowserPeer browser) = await ConnectBrowserAsync();
        await using BrowserPeer browserScope = browser;

        await leg.DisposeAsync();

        string reason = await browser.Dtls.Closed.WaitAsync(Patience);
        Assert.Contains("closed", reason, StringComparison.Ordinal);
        Assert.NotEqual("closed by us", reason);
    }

    [Fact]
    public async Task Prompts_play_to_and_recording_takes_from_a_secure_leg()
    {
        (IMediaSession leg, BrowserPeer browser) = await ConnectBrowserAsync();
        await using BrowserPeer browserScope = browser;
        await using IMediaSession legScope = leg;
        string prompt = TestAudio.WriteSine(folder, "prompt.wav", 1000, 600);
        string recording = Path.Combine(folder, "voicemail.wav");

        PlaybackResult played = await leg.PlayAsync([prompt]).WaitAsync(Patience);
        Assert.Equal(PlaybackOutcome.Completed, played.Outcome);
        var atBrowser = await browser.WaitForAsync(p => p.Count >= 30, Patience);
        Assert.Equal(30, atBrowser.Count);
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atBrowser, AudioCodec.Pcmu), 1000) > 0.95, "the prompt did not reach the browser");

        leg.StartRecording(recording);
        await TalkAsync(browser, AudioCodec.Pcmu, 500, 25);
        Assert.True(await BrowserPeer.UntilAsync(() => leg.GetStatistics().PacketsReceived >= 25, Patience));
        RecordingResult? result = await leg.StopRecordingAsync();

        Assert.NotNull(result);
        (_, _, _, short[] samples) = TestAudio.ReadPcm(recording);
        Assert.Equal(25 * 160, samples.Length);
        Assert.True(TestAudio.ToneShare(samples, 500) > 0.95, "the recording does not hold the browser's 500 Hz");
    }

    [Fact]
    public async Task An_sdes_keyed_leg_carries_srtp_both_ways_and_refuses_forged_packets()
    {
        await using IMediaSession leg = engine.CreateSession("sip-phone");
        await using var sipPhone = new BrowserPeer();
        sipPhone.Remote = leg.LocalEndPoint;
        (SdesSrtpKeying keying, var peerInbound, var peerOutbound) = BrowserPeer.SdesKeys("AEAD_AES_128_GCM");
        sipPhone.UseKeys(peerInbound, peerOutbound);
        leg.Configure(new RemoteMedia { RtpEndPoint = sipPhone.EndPoint, Codec = AudioCodec.Pcmu, Srtp = keying });
        await using IMediaSession plain = engine.CreateSession("phone");
        plain.Configure(TestEngine.To(phone, AudioCodec.Pcmu));
        await using IMediaBridge bridge = engine.Bridge(leg, plain);

        sipPhone.SendRaw(BrowserPeer.Forged(172));
        sipPhone.SendRaw(BrowserPeer.Forged(172));
        await Task.WhenAll(TalkAsync(sipPhone, AudioCodec.Pcmu, 600, 25), TalkAsync(phone, plain, AudioCodec.Pcmu, 1500, 25));
        var atPhone = await phone.WaitForAsync(p => p.Count >= 25, Patience);
        var atSipPhone = await sipPhone.WaitForAsync(p => p.Count >= 25, Patience);

        Assert.Equal(25, atPhone.Count); // the forged two were not relayed
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atPhone, AudioCodec.Pcmu), 600) > 0.95);
        Assert.Equal(25, atSipPhone.Count);
        Assert.True(TestAudio.ToneShare(TestEngine.Decode(atSipPhone, AudioCodec.Pcmu), 1500) > 0.95);
        Assert.Equal(2, ((MediaSession)leg).Secure!.SrtpRejected);
    }

    [Fact]
    public async Task SecureMediaStarted_is_raised_once_at_the_first_authenticated_srtp_packet_and_not_for_forged_ones()
    {
        await using IMediaSession leg = engine.CreateSession("sip-phone");
        await using var sipPhone = new BrowserPeer();
        sipPhone.Remote = leg.LocalEndPoint;
        (SdesSrtpKeying keying, var peerInbound, var peerOutbound) = BrowserPeer.SdesKeys("AEAD_AES_128_GCM");
        sipPhone.UseKeys(peerInbound, peerOutbound);
        leg.Configure(new RemoteMedia { RtpEndPoint = sipPhone.EndPoint, Codec = AudioCodec.Pcmu, Srtp = keying });
        await using IMediaSession plain = engine.CreateSession("phone");
        plain.Configure(TestEngine.To(phone, AudioCodec.Pcmu));
        await using IMediaBridge bridge = engine.Bridge(leg, plain);
        int started = 0;
        leg.SecureMediaStarted += (_, _) => Interlocked.Increment(ref started);

        sipPhone.SendRaw(BrowserPeer.Forged(172));
        sipPhone.SendRaw(BrowserPeer.Forged(172));
        Assert.True(await BrowserPeer.UntilAsync(() => ((MediaSession)leg).Secure!.SrtpRejected == 2, Patience), "the forged packets were not refused");
        Assert.Equal(0, Volatile.Read(ref started));

        await TalkAsync(sipPhone, AudioCodec.Pcmu, 600, 10);
        await phone.WaitForAsync(p => p.Count >= 10, Patience); // all ten decrypted and relayed
        Assert.Equal(1, Volatile.Read(ref started));
    }

    [Fact]
    public async Task A_leg_on_plain_g711_has_no_stage_in_its_path()
    {
        await using IMediaSession leg = engine.CreateSession("trunk");
        leg.Configure(TestEngine.To(phone, AudioCodec.Pcmu));

        Assert.Null(((MediaSession)leg).Secure);
        Assert.Null(((MediaSession)leg).Opus);
        Assert.Null(leg.LocalIce);
    }

    [Fact]
    public async Task Changes_a_leg_cannot_take_are_refused_before_anything_changes()
    {
        await using IMediaSession ice = engine.CreateSession("browser", new MediaLegOptions { IceLite = true });
        await using var browser = new BrowserPeer();
        RemoteMedia media = BrowserMedia(browser, DtlsSetup.Passive);

        var noMux = Assert.Throws<ArgumentException>(() => ice.Configure(media with { RtcpMux = false }));
        Assert.Contains("rtcp-mux", noMux.Message, StringComparison.Ordinal);
        Assert.Null(ice.Remote);

        ice.Configure(media);
        var downgrade = Assert.Throws<ArgumentException>(() => ice.Configure(media with { Srtp = null }));
        Assert.Contains("cannot be turned off", downgrade.Message, StringComparison.Ordinal);
        var replaced = Assert.Throws<ArgumentException>(() => ice.Configure(media with { Srtp = BrowserPeer.SdesKeys().Leg }));
        Assert.Contains("cannot be replaced", replaced.Message, StringComparison.Ordinal);
        Assert.Same(media, ice.Remote);
        ice.Configure(media with { Direction = MediaDirection.RecvOnly }); // a re-INVITE with the same keying is fine

        Assert.Throws<ArgumentException>(() => ice.Configure(media with { OpusPayloadType = 0 }));
        Assert.Throws<ArgumentException>(() => ice.Configure(media with { Srtp = new DtlsSrtpKeying { RemoteFingerprint = "sha-256 AB", Setup = DtlsSetup.Active } }));
        Assert.Throws<ArgumentException>(() => ice.Configure(media with { Srtp = new SdesSrtpKeying { CryptoSuite = "NULL_CIPHER", LocalKey = "", RemoteKey = "" } }));
    }

    [Fact]
    public async Task The_srtp_stage_allocates_nothing_per_packet()
    {
        await using IMediaSession leg = engine.CreateSession("alloc");
        (SdesSrtpKeying keying, var peerInbound, var peerOutbound) = BrowserPeer.SdesKeys("AEAD_AES_128_GCM");
        using (peerInbound)
        using (peerOutbound)
        {
            leg.Configure(new RemoteMedia { RtpEndPoint = phone.EndPoint, Codec = AudioCodec.Pcmu, Srtp = keying });
            SecureTransport secure = ((MediaSession)leg).Secure!;
            var counted = new CountingHandler();
            var protectedPackets = new byte[1100][];
            for (int i = 0; i < protectedPackets.Length; i++)
            {
                byte[] packet = new byte[12 + 160 + 16];
                new ContactCenter.Media.Rtp.RtpHeader { PayloadType = 0, SequenceNumber = (ushort)i, Timestamp = (uint)(i * 160), Ssrc = 42 }.WriteTo(packet);
                protectedPackets[i] = packet.AsSpan(0, peerOutbound.ProtectRtp(packet, 172)).ToArray();
            }

            byte[] buffer = new byte[2048];
            byte[] outgoing = new byte[2048];
            SocketAddress from = phone.EndPoint.Serialize();
            long allocated = 0;
            long protectedBytes = 0;
            for (int i = 0; i < protectedPackets.Length; i++)
            {
                if (i == 100)
                {
                    allocated = GC.GetAllocatedBytesForCurrentThread(); // after warming up
                }

                protectedPackets[i].CopyTo(buffer, 0);
                secure.OnDatagram(buffer.AsSpan(0, protectedPackets[i].Length), from, counted);
                new ContactCenter.Media.Rtp.RtpHeader { PayloadType = 0, SequenceNumber = (ushort)i, Timestamp = (uint)(i * 160), Ssrc = 7 }.WriteTo(outgoing);
                protectedBytes += secure.ProtectRtp(outgoing, 172);
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.Equal(protectedPackets.Length * (172L + 16), protectedBytes);
            Assert.Equal(protectedPackets.Length, counted.Rtp);
            Assert.Equal(0, allocated);
        }
    }

    private sealed class CountingHandler : ILegPacketHandler
    {
        public int Rtp { get; private set; }

        public void OnRtp(ReadOnlySpan<byte> packet, SocketAddress from) => Rtp += packet.Length == 172 ? 1 : 0;

        public void OnRtcp(ReadOnlySpan<byte> packet, SocketAddress from)
        {
        }
    }

    /// <summary>An RFC 4733 event as a browser sends it on an Opus stream: 48 kHz clock, five updates and three ends.</summary>
    private static async Task SendEventAsync(BrowserPeer browser, byte payloadType, char digit)
    {
        byte code = (byte)DtmfDigits.ToEventCode(digit);
        byte[] payload = new byte[4];
        for (int i = 1; i <= 8; i++)
        {
            bool end = i > 5;
            new TelephoneEvent(code, end, 10, (ushort)(Math.Min(i, 5) * 960)).WriteTo(payload);
            browser.SendRtp(payloadType, payload, i == 1, advance: i == 8 ? 960u * 6 : 0);
            await Task.Delay(end ? 2 : 20);
        }
    }

    private static short[] Sine48(double frequency, int milliseconds, double amplitude = 8000)
    {
        var samples = new short[milliseconds * 48];
        for (int n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * n / 48000.0));
        }

        return samples;
    }
}
