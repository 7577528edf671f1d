using System.Diagnostics;
using System.Globalization;
using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;
using MediaCodec = ContactCenter.Media.Codecs.AudioCodec;
using SdpCodec = ContactCenter.Sip.Sdp.AudioCodec;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>
/// The media relay driven by SIPp on both legs (<c>bench-relay.sh</c>): a back-to-back user agent built from the Sip
/// and Media libraries alone. Every INVITE (leg A, SIPp's caller streaming RTP) gets a second leg B to
/// <c>--phone</c> (SIPp's UAS streaming RTP back; several, comma-separated, take leg B in turn); when B answers, A is answered and the two are bridged in one
/// <see cref="MediaEngine"/>; a BYE on either side ends the other. Once a second it prints one line: bridged calls
/// now, RTP packets received and sent by the engine in that second, and the process's CPU.
/// </summary>
internal static class B2buaMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 5080, RateLimitPerSecond = 0 };
        IPEndPoint[] phones = [];
        var seconds = 60.0;
        string? bridgesPath = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--port":
                    options.Port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--phone":
                    phones = [.. args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPEndPoint.Parse)];
                    break;
                case "--seconds":
                    seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--bridges":
                    bridgesPath = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        if (phones.Length == 0)
        {
            Console.Error.WriteLine("b2bua needs --phone HOST:PORT[,HOST:PORT...] (the SIPp UASs that answer leg B, in turn)");
            return 2;
        }

        var address = IPAddress.Parse(options.ListenAddress);
        await using var media = new MediaEngine(
            new ContactCenter.Media.Sessions.MediaOptions { BindAddress = options.ListenAddress, PortRangeStart = 20000, PortRangeEnd = 29999, MediaTimeout = TimeSpan.Zero },
            TimeProvider.System,
            NullLoggerFactory.Instance);
        await using var endpoint = new SipEndpoint(options, NullLoggerFactory.Instance);
        // One line per bridge (leg A local and remote RTP ports, leg B local and remote), so a capture of the traffic
        // can pair what came in on one leg with what went out on the other (bench-relay.sh measures latency that way).
        await using var bridgeLog = bridgesPath is null ? null : new StreamWriter(bridgesPath) { AutoFlush = true };
        var bridgeLogGate = new Lock();
        long bridged = 0;
        long calls = 0;
        long failed = 0;
        long live = 0;
        endpoint.IncomingCallHandler = call => BridgeAsync(call);
        endpoint.Start();
        Console.WriteLine($"b2bua on {options.ListenAddress}:{endpoint.Port}, leg B to {string.Join(", ", phones.Select(p => p.ToString()))}");

        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var last = media.GetPacketTotals();
        var lastAt = clock.Elapsed;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = clock.Elapsed;
            var totals = media.GetPacketTotals();
            var cpuNow = Process.GetCurrentProcess().TotalProcessorTime;
            var span = (now - lastAt).TotalSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"t={now.TotalSeconds:F0} bridged-now={Interlocked.Read(ref live)} bridged-total={Interlocked.Read(ref bridged)} failed={Interlocked.Read(ref failed)} rtp-in/s={(totals.Received - last.Received) / span:F0} rtp-out/s={(totals.Sent - last.Sent) / span:F0} in-total={totals.Received} out-total={totals.Sent} lost-on-the-way-in={totals.Lost} cpu={100 * (cpuNow - cpu).TotalSeconds / span:F0}%"));
            last = totals;
            lastAt = now;
            cpu = cpuNow;
        }

        return 0;

        async Task BridgeAsync(IncomingCall call)
        {
            if (call.Offer is null)
            {
                call.Reject(488);
                return;
            }

            var legA = media.CreateSession("a-" + call.Request.CallId);
            var legB = media.CreateSession("b-" + call.Request.CallId);
            var answerA = SdpOfferAnswer.CreateAnswer(call.Offer, new IPEndPoint(address, legA.LocalPort));
            if (!answerA.IsSuccess)
            {
                await DisposeAsync(legA, legB);
                call.Reject(488);
                return;
            }

            var host = endpoint.Host;
            var phone = phones[(int)((ulong)Interlocked.Increment(ref calls) % (ulong)phones.Length)];
            var outgoing = endpoint.Call(new SipCallOptions
            {
                Target = SipUri.Create("phone", phone.Address.ToString(), phone.Port),
                From = SipNameAddress.Create(SipUri.Create(call.Request.From.Uri.User ?? "caller", host)),
                To = SipNameAddress.Create(SipUri.Create("phone", phone.Address.ToString(), phone.Port)),
                Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(address, legB.LocalPort)),
            });
            var result = await outgoing.Completion;
            var negotiatedB = result.Answer is { } sdp ? SdpOfferAnswer.ReadAnswer(sdp) : null;
            if (result.Dialog is not { } dialogB || negotiatedB is null)
            {
                Interlocked.Increment(ref failed);
                if (result.Dialog is { } stray)
                {
                    _ = stray.SendByeAsync();
                }

                await DisposeAsync(legA, legB);
                call.Reject(result.StatusCode is >= 300 and < 700 ? result.StatusCode : 502);
                return;
            }

            legB.Configure(ToRemote(negotiatedB));
            legA.Configure(ToRemote(answerA.Audio!));
            var dialogA = call.Accept(answerA.Answer!);
            if (dialogA is null)
            {
                _ = dialogB.SendByeAsync();
                await DisposeAsync(legA, legB);
                return;
            }

            var bridge = media.Bridge(legA, legB);
            if (bridgeLog is not null)
            {
                lock (bridgeLogGate)
                {
                    bridgeLog.WriteLine(FormattableString.Invariant($"{legA.LocalPort} {answerA.Audio!.RemoteRtp.Port} {legB.LocalPort} {negotiatedB.RemoteRtp.Port}"));
                }
            }

            Interlocked.Increment(ref bridged);
            Interlocked.Increment(ref live);
            var ended = await Task.WhenAny(dialogA.Ended, dialogB.Ended);
            if (ended == dialogA.Ended)
            {
                _ = dialogB.SendByeAsync();
            }
            else
            {
                _ = dialogA.SendByeAsync();
            }

            await bridge.DisposeAsync();
            Interlocked.Decrement(ref live);
            await DisposeAsync(legA, legB);
        }
    }

    private static async Task DisposeAsync(IMediaSession a, IMediaSession b)
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    private static RemoteMedia ToRemote(NegotiatedAudio audio) => new()
    {
        RtpEndPoint = audio.RemoteRtp,
        Codec = audio.Codec == SdpCodec.Pcma ? MediaCodec.Pcma : MediaCodec.Pcmu,
        TelephoneEventPayloadType = audio.TelephoneEventPayloadType,
    };
}
