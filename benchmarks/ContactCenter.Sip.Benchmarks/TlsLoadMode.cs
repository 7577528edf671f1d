using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>
/// TLS calls/s beside UDP calls/s in one run (issue 17). Debian's SIPp is built without OpenSSL (<c>sipp -t l1</c>: "To use
/// a TLS transport you must compile SIPp with OpenSSL"), so this is our own load generator: our UAC places the SIPp uac
/// call flow (INVITE with SDP, 200, ACK, BYE, 200; no hold) against the <c>uas</c> mode, started here as a child process,
/// at each rate for a fixed time, once over UDP and once over TLS (one TLS connection for all calls, like <c>-t l1</c>;
/// the certificate pinned, verification on), alternating per rate. Reported per step: calls placed, answered and ended,
/// failures, achieved calls/s, p50/p99 set-up time (INVITE → 200) and the UAS process's CPU per call (from /proc).
/// </summary>
internal static class TlsLoadMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rates = new[] { 100, 200, 400 };
        var seconds = 10;
        var warmup = 5;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rates":
                    rates = args[i + 1].Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--seconds":
                    seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        var udpPort = FreePort(SocketType.Dgram, ProtocolType.Udp);
        var tlsPort = FreePort(SocketType.Stream, ProtocolType.Tcp);
        var certificate = Path.Combine(Path.GetTempPath(), $"tlsload-{Environment.ProcessId}.pfx");
        var self = typeof(TlsLoadMode).Assembly.Location;
        using var uas = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { self, "uas", "--port", udpPort.ToString(CultureInfo.InvariantCulture), "--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert", certificate },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            var ready = await uas.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Console.WriteLine($"# {ready} (pid {uas.Id})");
            _ = Task.Run(async () =>
            {
                while (await uas.StandardOutput.ReadLineAsync() is not null)
                {
                }
            });

            await using var uac = new SipEndpoint(new SipEndpointOptions
            {
                ListenAddress = "127.0.0.1", Port = 0, EnableTls = true, TlsPort = 0, RateLimitPerSecond = 0, UdpReceiveLoops = 1,
                TlsSelfSignedPath = Path.Combine(Path.GetTempPath(), $"tlsload-uac-{Environment.ProcessId}.pfx"),
            }, NullLoggerFactory.Instance);
            uac.Start();
            var tlsEnd = new IPEndPoint(IPAddress.Loopback, tlsPort);
            using (var pinned = X509CertificateLoader.LoadPkcs12FromFile(certificate, null))
            {
                uac.TrustTlsPeer(tlsEnd, new SipTlsTrust { PinnedSha256 = SHA256.HashData(pinned.RawData) });
            }

            var udpEnd = new IPEndPoint(IPAddress.Loopback, udpPort);
            Console.WriteLine($"# load average: {LoadAverage()}");
            Console.WriteLine($"# warm-up: {warmup} s at {rates[0]} calls/s on each transport");
            await StepAsync(uac, SipProtocol.Udp, udpEnd, rates[0], warmup, uas.Id);
            await StepAsync(uac, SipProtocol.Tls, tlsEnd, rates[0], warmup, uas.Id);
            Console.WriteLine("transport  rate  placed  answered  failed  calls/s  setup p50 ms  setup p99 ms  UAS CPU ms/call");
            foreach (var rate in rates)
            {
                foreach (var (protocol, end) in new[] { (SipProtocol.Udp, udpEnd), (SipProtocol.Tls, tlsEnd) })
                {
                    var r = await StepAsync(uac, protocol, end, rate, seconds, uas.Id);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{protocol,-9} {rate,5} {r.Placed,7} {r.Answered,9} {r.Failed,7} {r.CallsPerSecond,8:0.0} {r.SetupP50,13:0.00} {r.SetupP99,13:0.00} {r.CpuMsPerCall,16:0.000}"));
                }
            }

            Console.WriteLine($"# load average: {LoadAverage()}; UAC TLS connections {uac.TlsConnectionCount}");
            return 0;
        }
        finally
        {
            if (!uas.HasExited)
            {
                uas.Kill();
                await uas.WaitForExitAsync();
            }

            File.Delete(certificate);
        }
    }

    private sealed record Step(int Placed, int Answered, int Failed, double CallsPerSecond, double SetupP50, double SetupP99, double CpuMsPerCall);

    /// <summary>Places <paramref name="rate"/> calls a second for <paramref name="seconds"/>, each hung up at once on answer; waits for all to end.</summary>
    private static async Task<Step> StepAsync(SipEndpoint uac, SipProtocol protocol, IPEndPoint target, int rate, int seconds, int uasPid)
    {
        var total = rate * seconds;
        var calls = new List<Task<(bool Ok, double SetupMs)>>(total);
        var uri = SipUri.Parse($"sip:load@127.0.0.1:{target.Port}");
        var from = SipNameAddress.Parse("<sip:loadgen@127.0.0.1>");
        var cpuBefore = ProcessCpu(uasPid);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed + TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(due - clock.Elapsed);
            }

            calls.Add(OneCallAsync(uac, uri, from, new SipDestination(protocol, target)));
        }

        var results = await Task.WhenAll(calls);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = ProcessCpu(uasPid) - cpuBefore;
        var answered = results.Count(r => r.Ok);
        var setups = results.Where(r => r.Ok).Select(r => r.SetupMs).Order().ToArray();
        return new Step(total, answered, total - answered, answered / elapsed,
            Percentile(setups, 0.50), Percentile(setups, 0.99), answered > 0 ? cpu.TotalMilliseconds / answered : 0);
    }

    private static async Task<(bool Ok, double SetupMs)> OneCallAsync(SipEndpoint uac, SipUri uri, SipNameAddress from, SipDestination destination)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await uac.Call(new SipCallOptions
        {
            Target = uri,
            Destination = destination,
            From = from,
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 40000)),
        }).Completion.ConfigureAwait(false);
        var setup = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Dialog is not { } dialog)
        {
            return (false, setup);
        }

        var bye = await dialog.SendByeAsync().ConfigureAwait(false);
        return (bye.StatusCode == 200, setup);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>utime + stime of a process, from /proc (Linux).</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var s = new Socket(AddressFamily.InterNetwork, type, protocol);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
