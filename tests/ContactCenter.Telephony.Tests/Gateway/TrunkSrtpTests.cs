using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Tests.Configuration;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway;

/// <summary>
/// SRTP per trunk and outbound TLS (issue 17), on the real gateway with real sockets: a carrier calls a DID over TLS with
/// SDES (trunk <c>srtp: required</c>), the IVR transfers the call out through an outbound trunk with <c>transport: tls</c>
/// and <c>srtp: required</c> (the far carrier is our own SIP endpoint with a certificate of a private CA the trunk names in
/// <c>tlsCa</c>), and audio crosses the gateway as SRTP both ways, decrypted and authenticated at each end.
/// </summary>
public sealed class TrunkSrtpTests : IAsyncLifetime
{
    private const string Number = "+442079460001";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string data = Directory.CreateTempSubdirectory("cc-gw-trunk-srtp-").FullName;
    private readonly ConfigFolder config = new();
    private readonly MediaEngine media = new(new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 47000, PortRangeEnd = 47999 }, TimeProvider.System, NullLoggerFactory.Instance);
    private readonly List<IAsyncDisposable> owned = [];
    private X509Certificate2 ca = null!;
    private SipEndpoint carrier = null!;
    private IHost host = null!;
    /// <summary>What the far carrier saw and the media session it answered with.</summary>
    private readonly TaskCompletionSource<(IncomingCall Call, IMediaSession Media)> farAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile bool farOfferedSavp;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Starts the far carrier (TLS, CA-issued certificate) and the gateway with the given trunk settings.</summary>
    private async Task StartAsync(string inboundSrtp, string outboundTrust, bool enableTls = true)
    {
        var dir = Path.Combine(data, "carrier");
        Directory.CreateDirectory(dir);
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Carrier Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sip.carrier.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("sip.carrier.test");
        request.CertificateExtensions.Add(names.Build());
        using (var leaf = request.Create(ca, now.AddMinutes(-5), now.AddDays(10), RandomNumberGenerator.GetBytes(8)))
        {
            File.WriteAllText(Path.Combine(dir, "carrier.crt"), leaf.ExportCertificatePem());
        }

        File.WriteAllText(Path.Combine(dir, "carrier.key"), key.ExportPkcs8PrivateKeyPem());
        config.Write("carrier-ca.pem", ca.ExportCertificatePem());

        carrier = new SipEndpoint(new SipEndpointOptions
        {
            ListenAddress = "127.0.0.1", Port = 0, TlsPort = 0, EnableTls = true, UdpReceiveLoops = 1,
            TlsCertificatePath = Path.Combine(dir, "carrier.crt"), TlsKeyPath = Path.Combine(dir, "carrier.key"),
        }, NullLoggerFactory.Instance);
        carrier.IncomingCallHandler = AnswerAsCarrier;
        carrier.Start();

        config.Write("trunks.yaml", $$"""
            trunks:
              - name: secure-carrier
                allow: [127.0.0.1]
                dids: ["1000"]
                srtp: {{inboundSrtp}}
            outbound:
              - name: tls-carrier
                address: 127.0.0.1:{{carrier.TlsEndPoint!.Port}}
                transport: tls
                srtp: required
                tlsServerName: sip.carrier.test
            {{outboundTrust}}
                callerId: "+442079460000"
                dial: ["+44*"]
            """);
        config.Write("dids.yaml", """
            dids:
              - did: "1000"
                flow: test
            """);
        config.Write("ivr/test.yaml", $$"""
            name: test
            start: out
            nodes:
              out:
                type: transfer
                target: "{{Number}}"
            """);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = config.Root,
            ["Telephony:DataPath"] = data,
            ["Telephony:RecordingsPath"] = Path.Combine(data, "recordings"),
            ["Telephony:VoicemailPath"] = Path.Combine(data, "voicemail"),
            ["Telephony:GatewayId"] = "gw-trunk-srtp",
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:Port"] = "0",
            ["Sip:EnableTls"] = enableTls ? "true" : "false",
            ["Sip:TlsPort"] = "0",
            ["Sip:TlsSelfSignedPath"] = Path.Combine(data, "gateway.pfx"),
            ["Media:BindAddress"] = "127.0.0.1",
            ["Media:PortRangeStart"] = "46000",
            ["Media:PortRangeEnd"] = "46999",
        });
        builder.Services.AddTelephony(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus => bus.AddTelephonyConsumers());
        host = builder.Build();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var d in owned)
        {
            await d.DisposeAsync();
        }

        if (host is not null)
        {
            await host.StopAsync();
            host.Dispose();
        }

        if (carrier is not null)
        {
            await carrier.DisposeAsync();
        }

        ca?.Dispose();
        config.Dispose();
        Directory.Delete(data, recursive: true);
    }

    private SipGateway Gateway => host.Services.GetRequiredService<SipGateway>();

    private ITestHarness Harness => host.Services.GetRequiredService<ITestHarness>();

    /// <summary>The far carrier: answers the gateway's INVITE with SDES (its own key for the offer's tag) and plays a tone loop.</summary>
    private Task AnswerAsCarrier(IncomingCall call)
    {
        var session = media.CreateSession("carrier-" + owned.Count);
        owned.Add(session);
        var offer = call.Offer!;
        var savp = SdesSdp.UnwrapSavp(offer);
        farOfferedSavp = savp;
        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(IPAddress.Loopback, session.LocalPort));
        var (keying, error) = SdesSdp.AnswerOffer(offer, answer.Answer!, SrtpPolicy.Required, savp);
        if (keying is null)
        {
            call.Reject(488, error);
            farAnswered.TrySetException(new InvalidOperationException("carrier refused the offer: " + error));
            return Task.CompletedTask;
        }

        session.Configure(LegSignalling.ToRemoteMedia(answer.Audio!) with { Srtp = keying });
        call.Accept(answer.Answer!);
        _ = session.PlayAsync([Path.Combine(config.Root, "prompts", "goodbye.wav")], new PlaybackOptions { Loop = true, BargeIn = false });
        farAnswered.TrySetResult((call, session));
        return Task.CompletedTask;
    }

    /// <summary>The calling carrier: dials DID 1000 at the gateway's TLS port (pinning its generated certificate) with SRTP required.</summary>
    private async Task<(SipCallResult Result, IMediaSession Media, SessionDescription Offer)> CallInAsync(SipEndpoint caller, SipProtocol protocol)
    {
        var session = media.CreateSession("caller-" + owned.Count);
        owned.Add(session);
        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, session.LocalPort));
        var localKey = SdesSdp.AddToOffer(offer, SrtpPolicy.Required);
        var gatewayEnd = protocol == SipProtocol.Tls ? Gateway.Sip!.TlsEndPoint! : Gateway.Sip!.UdpEndPoint!;
        var result = await caller.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:1000@127.0.0.1:{gatewayEnd.Port}"),
            Destination = new SipDestination(protocol, gatewayEnd),
            From = SipNameAddress.Parse("<sip:+447700900123@127.0.0.1>"),
            Offer = offer,
        }).Completion.WaitAsync(Wait);
        if (result.IsAnswered)
        {
            var (keying, error) = SdesSdp.ReadAnswer(result.Answer!, localKey, SrtpPolicy.Required);
            Assert.True(keying is not null, "the gateway's answer has no usable a=crypto: " + error);
            session.Configure(LegSignalling.ToRemoteMedia(SdpOfferAnswer.ReadAnswer(result.Answer!)!) with { Srtp = keying });
            _ = session.PlayAsync([Path.Combine(config.Root, "prompts", "goodbye.wav")], new PlaybackOptions { Loop = true, BargeIn = false });
        }

        return (result, session, offer);
    }

    private SipEndpoint StartCaller()
    {
        var caller = new SipEndpoint(new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 0, TlsPort = 0, EnableTls = true, UdpReceiveLoops = 1 }, NullLoggerFactory.Instance);
        caller.Start();
        using (var generated = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(data, "gateway.pfx"), null))
        {
            // The calling carrier pins the gateway's generated certificate (as an operator would hand it over).
            caller.TrustTlsPeer(Gateway.Sip!.TlsEndPoint!, new SipTlsTrust { PinnedSha256 = SHA256.HashData(generated.RawData) });
        }

        owned.Add(caller);
        return caller;
    }

    private static async Task WaitForPacketsAsync(IMediaSession session, string who)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (session.GetStatistics().PacketsReceived < 50)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < Wait, $"{who} received {session.GetStatistics().PacketsReceived} authenticated SRTP packets");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_call_from_a_tls_trunk_with_sdes_is_transferred_out_over_tls_with_sdes_and_srtp_audio_crosses_both_ways()
    {
        await StartAsync("required", "    tlsCa: carrier-ca.pem");
        var caller = StartCaller();

        var (result, callerMedia, _) = await CallInAsync(caller, SipProtocol.Tls);
        Assert.True(result.IsAnswered, $"{result.StatusCode} {result.Response?.ReasonPhrase}");
        var answerAudio = result.Answer!.Media.Single(m => m.Media == "audio");
        Assert.Equal("RTP/SAVP", answerAudio.Protocol);
        Assert.Contains(answerAudio.Attributes, a => a.Name == "crypto" && a.Value!.StartsWith("1 AES_CM_128_HMAC_SHA1_80 inline:", StringComparison.Ordinal));

        // The gateway dialled the carrier over a verified TLS connection with SDES in its offer.
        var (farCall, farMedia) = await farAnswered.Task.WaitAsync(Wait);
        Assert.Equal(SipProtocol.Tls, farCall.Source.Protocol);
        Assert.Equal(Number, farCall.RequestUri.User);
        Assert.True(farOfferedSavp, "the gateway's offer to the carrier is RTP/SAVP");
        Assert.Contains(farCall.Offer!.Media.Single(m => m.Media == "audio").Attributes, a => a.Name == "crypto");
        Assert.Equal(2, Gateway.Sip!.TlsConnectionCount); // the caller's connection in, ours out to the carrier

        // SRTP both ways through the gateway's bridge: each end authenticates and decrypts the other's audio.
        await WaitForPacketsAsync(farMedia, "the far carrier");
        await WaitForPacketsAsync(callerMedia, "the calling carrier");
    }

    [Fact]
    public async Task A_trunk_that_requires_srtp_gets_488_over_udp_and_a_carrier_certificate_the_trunk_does_not_trust_ends_the_transfer_naming_why()
    {
        // No tlsCa: the system's roots, which do not know the carrier's private CA.
        await StartAsync("required", "");
        var caller = StartCaller();

        var (overUdp, _, _) = await CallInAsync(caller, SipProtocol.Udp);
        Assert.Equal(488, overUdp.StatusCode);

        var (result, _, _) = await CallInAsync(caller, SipProtocol.Tls);
        Assert.True(result.IsAnswered, $"{result.StatusCode} {result.Response?.ReasonPhrase}");
        Assert.True(await Harness.Published.Any<CallEnded>(), "no CallEnded");
        var ended = Harness.Published.Select<CallEnded>().First().Context.Message;
        Assert.Contains($"transfer to {Number}: 503 Service Unavailable (TLS handshake with 127.0.0.1:{carrier.TlsEndPoint!.Port} (sip.carrier.test) failed", ended.Reason, StringComparison.Ordinal);
        Assert.Contains("is not trusted", ended.Reason, StringComparison.Ordinal);
        Assert.False(farAnswered.Task.IsCompleted);
    }

    [Fact]
    public async Task A_tls_trunk_while_sip_tls_is_off_stops_the_start_naming_the_trunk()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync("off", "    tlsCa: carrier-ca.pem", enableTls: false));
        Assert.Contains("outbound trunk 'tls-carrier' has transport: tls, and Sip:EnableTls is false", error.Message, StringComparison.Ordinal);
        host.Dispose();
        host = null!;
    }
}
