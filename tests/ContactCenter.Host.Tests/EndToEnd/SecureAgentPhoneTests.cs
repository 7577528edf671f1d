using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Issue 17: a real softphone (baresip, with its srtp module) registers over SIP over TLS with the host's generated
/// certificate (which it is given to trust), the caller's call reaches it, and the agent leg runs SRTP keyed with SDES
/// (RFC 4568) — required, so plain RTP would have failed the call — with audio flowing.
/// </summary>
public class SecureAgentPhoneTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Baresip_over_tls_registers_answers_and_talks_srtp()
    {
        var tlsPort = FreeTcpPort();
        await using var host = CallPathTests.StartHost(
            ("Sip__DigestAlgorithms", "MD5"), // baresip 1.0 answers MD5 only
            ("Sip__TlsPort", tlsPort.ToString(CultureInfo.InvariantCulture)),
            ("Telephony__PhoneSrtp", "required"));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
            var folder = Directory.CreateTempSubdirectory("cc-e2e-tls-").FullName;
            // The phone trusts the host's self-signed certificate (what an installer would provision), exported as PEM.
            var pfx = Path.Combine(host.DataFolder, "sip-tls-selfsigned.pfx");
            Assert.True(File.Exists(pfx), "the host kept its generated certificate at Sip:TlsSelfSignedPath");
            using (var cert = X509CertificateLoader.LoadPkcs12FromFile(pfx, null))
            {
                File.WriteAllText(Path.Combine(folder, "ca.pem"), cert.ExportCertificatePem());
            }

            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var phone = SecureBaresip.Start(folder, "alice", "demo", tlsPort, TimeSpan.FromSeconds(90));
            await phone.WaitForOutputAsync("200 OK", Patience);
            await alice.SetStateAsync("Available");

            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 6_000);
            await AgentDesktopClient.WaitForAsync(alice.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "alice connected");
            await caller.AssertSucceededAsync(Patience);

            // The gateway keyed the agent leg with SDES over TLS...
            Assert.Contains("leg uses SRTP (AES_CM_128_HMAC_SHA1_80, SDES over TLS)", host.StandardOutput, StringComparison.Ordinal);
            // ...and baresip's 440 Hz, sent as SRTP, was authenticated and decrypted (the SIPp caller sends no RTP: every
            // packet received is the phone's).
            var metrics = await alice.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var received = Regex.Match(metrics, @"(?m)^contactcenter_media_rtp_packets_total\{[^}]*direction=""received""[^}]*\} (\d+)");
            Assert.True(received.Success && long.Parse(received.Groups[1].Value, CultureInfo.InvariantCulture) >= 50, $"RTP received: {received.Value}\n{phone.Log}");
            // The SIP of the phone never went in clear: it registered over TLS, and the INVITE reached it over the same connection.
            Assert.Matches(new Regex(@"(?m)^contactcenter_telephony_phones_registered(\{[^}]*\})? 1(\s|$)"), metrics);
            Assert.Contains("SIP/2.0/TLS", phone.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("SIP/2.0/UDP", phone.Output, StringComparison.Ordinal);
        });
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>baresip registering over TLS with SRTP required (mediaenc=srtp-mand), answering every call at once.</summary>
    private sealed class SecureBaresip : IAsyncDisposable
    {
        private readonly Process process;
        private readonly StringBuilder output = new();

        private SecureBaresip(Process process) => this.process = process;

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public string Log => Regex.Replace(Output, @"\x1b\[[0-9;]*m", "");

        public static SecureBaresip Start(string folder, string login, string password, int tlsPort, TimeSpan lifetime)
        {
            var baresip = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "baresip")).FirstOrDefault(File.Exists)
                ?? throw new Xunit.Sdk.XunitException("baresip is not installed (Debian package baresip-core); ./test.sh installs it");
            var modules = new[] { "/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules" }
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "srtp.so")))
                ?? throw new Xunit.Sdk.XunitException("baresip modules (srtp.so) not found; install baresip-core");
            var sipPort = Sipp.FreeUdpPort();
            File.WriteAllText(Path.Combine(folder, "config"), $"""
                module_path {modules}
                sip_listen 127.0.0.1:{sipPort}
                sip_cafile {Path.Combine(folder, "ca.pem")}
                net_interface 127.0.0.1
                audio_source ausine,440
                ausrc_srate 48000
                ausrc_channels 2
                auplay_srate 8000
                audio_player aufile,{Path.Combine(folder, "heard.wav")}
                audio_alert aufile,{Path.Combine(folder, "alert.wav")}
                module g711.so
                module ausine.so
                module aufile.so
                module srtp.so
                module account.so
                module menu.so

                """);
            File.WriteAllText(Path.Combine(folder, "accounts"),
                $"<sip:{login}@127.0.0.1:{tlsPort};transport=tls>;auth_pass={password};answermode=auto;mediaenc=srtp-mand;regint=600\n");
            File.WriteAllText(Path.Combine(folder, "contacts"), "");
            var info = new ProcessStartInfo(baresip)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            foreach (var arg in (string[])["-4", "-s", "-f", folder, "-t", ((int)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture)])
            {
                info.ArgumentList.Add(arg);
            }
            var process = new Process { StartInfo = info };
            var phone = new SecureBaresip(process);
            process.OutputDataReceived += (_, e) => phone.Append(e.Data);
            process.ErrorDataReceived += (_, e) => phone.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return phone;
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
        }

        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (clock.Elapsed > timeout || process.HasExited)
                {
                    Assert.Fail($"baresip: no \"{text}\" within {timeout} (exited: {process.HasExited}):\n{Log}");
                }
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(cts.Token);
            }
            process.Dispose();
        }
    }
}
