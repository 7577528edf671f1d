using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Sip.Tests.Sipp;

namespace ContactCenter.Sip.Tests.Baresip;

/// <summary>A real softphone (Debian package baresip) registers with digest auth, calls our UAS and hangs up cleanly.</summary>
[Collection("sipp")]
public class BaresipSoftphoneTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static string BaresipPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var p = Path.Combine(dir, "baresip");
            if (File.Exists(p))
            {
                return p;
            }
        }
        throw new InvalidOperationException("baresip is not installed (apt-get install baresip-core); this test needs it");
    }

    private static string ModulePath()
    {
        foreach (var dir in new[] { "/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules" })
        {
            if (File.Exists(Path.Combine(dir, "g711.so")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("baresip modules (g711.so) not found; install baresip-core");
    }

    [Fact]
    public async Task Baresip_registers_with_digest_places_a_call_that_is_answered_and_torn_down_cleanly()
    {
        var baresip = BaresipPath();
        var modules = ModulePath();
        var creds = new InMemoryCredentials(("alice", "secret"));
        // baresip 1.0.0 (libre) gives up ("Function not implemented") when any challenge names SHA-256,
        // so the registrar offers MD5 only here; the store still holds HA1 values, never the password.
        await using var ep = TestSupport.StartEndpoint(o => o.DigestAlgorithms = "MD5", credentials: creds);

        var answered = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? requestUser = null;
        ep.IncomingCallHandler = call =>
        {
            call.SendProvisional(180);
            var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            if (call.Offer is null)
            {
                rtp.Dispose();
                call.Reject(488);
                return Task.CompletedTask;
            }
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer, (IPEndPoint)rtp.LocalEndPoint!);
            if (!answer.IsSuccess)
            {
                rtp.Dispose();
                call.Reject(488);
                return Task.CompletedTask;
            }
            requestUser = call.Request.RequestUri.User;
            var dialog = call.Accept(answer.Answer!);
            if (dialog is null)
            {
                rtp.Dispose();
                return Task.CompletedTask;
            }
            _ = dialog.Ended.ContinueWith(_ => rtp.Dispose(), TaskScheduler.Default);
            answered.TrySetResult(dialog);
            return Task.CompletedTask;
        };

        // baresip listens for SIP on UDP/TCP at sip_listen and TLS at the next port: keep the console clear of both.
        // net_interface pins its local address to loopback: without it baresip 1.0 takes the address of the default
        // route, and on a machine with no default route it cannot register or open RTP ("Protocol not supported").
        var sipPort = SippRunner.FreeUdpPort();
        int consPort;
        do
        {
            consPort = SippRunner.FreeUdpPort();
        }
        while (consPort == sipPort || consPort == sipPort + 1);
        var dir = Directory.CreateTempSubdirectory("baresip").FullName;
        File.WriteAllText(Path.Combine(dir, "config"), $"""
            module_path {modules}
            sip_listen 127.0.0.1:{sipPort}
            net_interface 127.0.0.1
            audio_source ausine,440
            ausrc_srate 48000
            ausrc_channels 2
            auplay_srate 8000
            audio_player aufile,{Path.Combine(dir, "received.wav")}
            audio_alert aufile,{Path.Combine(dir, "alert.wav")}
            cons_listen 127.0.0.1:{consPort}
            module g711.so
            module ausine.so
            module aufile.so
            module account.so
            module menu.so
            module cons.so

            """);
        File.WriteAllText(Path.Combine(dir, "accounts"), $"<sip:alice@127.0.0.1:{ep.Port};transport=udp>;auth_pass=secret;regint=60\n");
        File.WriteAllText(Path.Combine(dir, "contacts"), "");

        var psi = new ProcessStartInfo(baresip)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { "-4", "-s", "-f", dir, "-e", $"/dial sip:1000@127.0.0.1:{ep.Port}", "-t", ((int)Bound.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        using var proc = new Process { StartInfo = psi };
        proc.OutputDataReceived += (_, e) => Append(e.Data);
        proc.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            Assert.True(proc.Start(), "could not start baresip");
            proc.BeginOutputReadLine();
            proc.BeginErrorReadLine();

            // Registration: only succeeds after a 401 challenge answered with a digest the store's HA1 verifies.
            var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10);
            while (ep.Registrar.GetBindingsForUser("alice").Count == 0 && TimeProvider.System.GetUtcNow() < deadline && !proc.HasExited)
            {
                await Task.Delay(50);
            }
            var bindings = ep.Registrar.GetBindingsForUser("alice");
            Assert.True(bindings.Count > 0, "no REGISTER binding for alice\n" + Output());
            Assert.True(creds.Lookups > 0, "the registrar never looked up alice's HA1 (no digest answer)\n" + Output());

            // The INVITE arrives and is answered; baresip acknowledges the 200.
            var done = await Task.WhenAny(answered.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(done == answered.Task, "no INVITE was answered\n" + Output());
            var dialog = await answered.Task;
            Assert.Equal("1000", requestUser);
            done = await Task.WhenAny(dialog.Confirmed, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.True(done == dialog.Confirmed, "baresip never sent ACK for our 200\n" + Output());

            // Talk for a second, then we hang up: baresip must answer the BYE with 200.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var bye = await dialog.SendByeAsync();
            Assert.True(bye.StatusCode == 200, $"BYE answered {bye.StatusCode}\n" + Output());
            Assert.Equal(SipDialogEndReason.LocalBye, await dialog.Ended.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(0, ep.DialogCount);

            // Quit through baresip's UDP console; it un-registers and exits well before its own -t bound.
            using (var cons = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                var quit = Encoding.ASCII.GetBytes("q");
                await cons.SendAsync(quit, quit.Length, new IPEndPoint(IPAddress.Loopback, consPort));
            }
            using var exitCts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await proc.WaitForExitAsync(exitCts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("baresip did not exit within 10 s of /quit\n" + Output());
            }
            deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(3);
            while (ep.Registrar.GetBindingsForUser("alice").Count > 0 && TimeProvider.System.GetUtcNow() < deadline)
            {
                await Task.Delay(50);
            }
            Assert.True(ep.Registrar.GetBindingsForUser("alice").Count == 0, "baresip did not un-register on quit\n" + Output());

            // baresip's SIP trace (complete once it has exited) shows the registrar's digest challenge.
            Assert.True(Output().Contains("SIP/2.0 401 Unauthorized", StringComparison.Ordinal), "no 401 challenge in baresip's SIP trace\n" + Output());
        }
        finally
        {
            if (!proc.HasExited)
            {
                proc.Kill(entireProcessTree: true);
                await proc.WaitForExitAsync();
            }
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
