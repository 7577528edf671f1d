using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>
/// A UAS answering every INVITE with 200 + SDP, binding a real RTP socket per call (closed at BYE):
/// drive it with <c>sipp -sn uac -r RATE 127.0.0.1:PORT</c>.
/// </summary>
internal static class UasMode
{
    private static double LongestPause()
    {
        var longest = 0.0;
        foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
        {
            foreach (var pause in GC.GetGCMemoryInfo(kind).PauseDurations)
            {
                longest = Math.Max(longest, pause.TotalMilliseconds);
            }
        }
        return longest;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 5070, RateLimitPerSecond = 0 };
        using var sampler = args.Contains("--alloc-profile") ? new AllocationSampler() : null;
        // --retained: a full blocking GC before each report, to print the live heap per live transaction
        // (what each call keeps for the 32 s retransmission window). It perturbs the run: measure with it
        // separately, not during the ladder.
        var retained = args.Contains("--retained");
        args = args.Where(a => a != "--alloc-profile" && a != "--retained").ToArray();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--port":
                    options.Port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--address":
                    options.ListenAddress = args[i + 1];
                    break;
                case "--tls-port":
                    // SIP over TLS too, with the generated self-signed certificate kept at --tls-cert (tlsload pins it).
                    options.EnableTls = true;
                    options.TlsPort = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--tls-cert":
                    options.TlsSelfSignedPath = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }
        await using var endpoint = new SipEndpoint(options, NullLoggerFactory.Instance);
        var address = IPAddress.Parse(options.ListenAddress);
        long answered = 0;
        long ended = 0;
        endpoint.IncomingCallHandler = call =>
        {
            if (call.Offer is null)
            {
                call.Reject(488);
                return Task.CompletedTask;
            }
            var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(address, 0));
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer, (IPEndPoint)rtp.LocalEndPoint!);
            var dialog = answer.IsSuccess ? call.Accept(answer.Answer!) : null;
            if (dialog is null)
            {
                rtp.Dispose();
                call.Reject(488);
                return Task.CompletedTask;
            }
            Interlocked.Increment(ref answered);
            _ = dialog.Ended.ContinueWith(_ =>
            {
                rtp.Dispose();
                Interlocked.Increment(ref ended);
            }, TaskScheduler.Default);
            return Task.CompletedTask;
        };
        endpoint.Start();
        Console.WriteLine($"UAS on udp/tcp {options.ListenAddress}:{endpoint.Port}, tls {endpoint.TlsEndPoint?.ToString() ?? "off"}; Ctrl+C to stop");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var lastAllocated = GC.GetTotalAllocatedBytes();
        var lastAnswered = 0L;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(5000, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var nowAnswered = Interlocked.Read(ref answered);
            var nowAllocated = GC.GetTotalAllocatedBytes();
            var perCall = nowAnswered > lastAnswered ? (nowAllocated - lastAllocated) / (nowAnswered - lastAnswered) : 0;
            (lastAnswered, lastAllocated) = (nowAnswered, nowAllocated);
            Console.WriteLine($"answered {nowAnswered}, ended {Interlocked.Read(ref ended)}, dialogs {endpoint.DialogCount}, transactions {endpoint.TransactionCount}, heap {GC.GetTotalMemory(false) / 1_048_576} MiB (after last GC {GC.GetGCMemoryInfo().HeapSizeBytes / 1_048_576} MiB), working set {Environment.WorkingSet / 1_048_576} MiB, allocated {perCall} B per call, GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms in total (gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}), longest recent {LongestPause():0.0} ms");
            if (retained)
            {
                var transactions = endpoint.TransactionCount;
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var live = GC.GetTotalMemory(false);
                Console.WriteLine($"retained: live heap {live / 1_048_576.0:0.0} MiB after a full GC, {transactions} transactions, {(transactions > 0 ? live / transactions : 0)} B per transaction");
            }
            if (sampler is not null)
            {
                Console.WriteLine(sampler.Top(25));
            }
        }
        return 0;
    }
}
