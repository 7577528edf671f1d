using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// baresip (Debian package baresip-core), a real softphone, run headless: it dials at start
/// (<c>-e /dial</c>) and is then driven through its UDP console (module cons), where a datagram of
/// characters is typed as keys — a digit during a call is a key press (RFC 4733 telephone-event),
/// 0x04 (baresip's KEYCODE_REL) releases it, <c>q</c> hangs up and quits. A missing baresip fails the test.
/// </summary>
internal sealed class IvrBaresip : IAsyncDisposable
{
    /// <summary>baresip's key code for "key released" (baresip.h KEYCODE_REL).</summary>
    private const byte KeyRelease = 0x04;

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly int consolePort;

    private IvrBaresip(Process process, string folder, int consolePort)
    {
        this.process = process;
        Folder = folder;
        this.consolePort = consolePort;
    }

    public string Folder { get; }

    /// <summary>With recordAudio: sndfile's recording of what baresip received and decoded (its "-dec" file), or null before the call's audio started.</summary>
    public string? HeardWav => Directory.GetFiles(Folder, "*-dec.wav").FirstOrDefault();

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

    /// <summary>The output without colour codes and the call-statistics ticker, for failure messages.</summary>
    public string Log => Regex.Replace(Output, @"\x1b\[[0-9;]*m|\[\d+:\d\d:\d\d\] audio=\S+ \(bit/s\)\s*", "");

    /// <summary>Starts baresip as <paramref name="caller"/> (no registration) dialling <paramref name="target"/>.</summary>
    /// <param name="recordAudio">Also load baresip's sndfile module: what it hears (decoded) and sends, as WAV files in
    /// <see cref="Folder"/> (<see cref="HeardWav"/>), written as the call goes.</param>
    public static IvrBaresip Dial(string caller, string target, TimeSpan lifetime, bool recordAudio = false)
    {
        var baresip = FindOnPath("baresip") ?? throw new Xunit.Sdk.XunitException("baresip is not installed (Debian package baresip-core); ./test.sh installs it");
        var modules = new[] { "/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules" }
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "g711.so")))
            ?? throw new Xunit.Sdk.XunitException("baresip modules (g711.so) not found; install baresip-core");
        var folder = Directory.CreateTempSubdirectory("cc-ivr-baresip-").FullName;

        // baresip listens for SIP on UDP/TCP at sip_listen and TLS at the next port: keep the console clear of both.
        // net_interface pins its local address to loopback: without it baresip 1.0 takes the address of the default
        // route, and on a machine with no default route it cannot register or open RTP ("Protocol not supported").
        var sipPort = Sipp.FreeUdpPort();
        int consolePort;
        do
        {
            consolePort = Sipp.FreeUdpPort();
        }
        while (consolePort == sipPort || consolePort == sipPort + 1);

        File.WriteAllText(Path.Combine(folder, "config"), $"""
            module_path {modules}
            sip_listen 127.0.0.1:{sipPort}
            net_interface 127.0.0.1
            audio_source ausine,440
            ausrc_srate 48000
            ausrc_channels 2
            auplay_srate 8000
            audio_player aufile,{Path.Combine(folder, "heard.wav")}
            audio_alert aufile,{Path.Combine(folder, "alert.wav")}
            cons_listen 127.0.0.1:{consolePort}
            module g711.so
            module ausine.so
            module aufile.so
            module account.so
            module menu.so
            module cons.so
            {(recordAudio ? $"module sndfile.so\nsnd_path {folder}" : "")}

            """);
        File.WriteAllText(Path.Combine(folder, "accounts"), $"<sip:{caller}@127.0.0.1>;regint=0\n");
        File.WriteAllText(Path.Combine(folder, "contacts"), "");

        var info = new ProcessStartInfo(baresip)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var arg in (string[])["-4", "-s", "-f", folder, "-e", $"/dial {target}", "-t", ((int)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var phone = new IvrBaresip(process, folder, consolePort);
        process.OutputDataReceived += (_, e) => phone.Append(e.Data);
        process.ErrorDataReceived += (_, e) => phone.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return phone;
    }

    /// <summary>Waits until baresip's log shows <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout || process.HasExited)
            {
                Assert.Fail($"baresip: no \"{text}\" within {timeout} (exited: {process.HasExited}):\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Presses a key for <paramref name="hold"/> and releases it: during a call, one RFC 4733 event with its end packets.</summary>
    public async Task PressKeyAsync(char key, TimeSpan hold)
    {
        await TypeAsync([(byte)key]);
        await Task.Delay(hold);
        await TypeAsync([KeyRelease]);
    }

    /// <summary>Hangs up and quits; fails the test if baresip is still running after <paramref name="timeout"/>.</summary>
    public async Task QuitAsync(TimeSpan timeout)
    {
        await TypeAsync("q"u8.ToArray());
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"baresip did not quit within {timeout}:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    private async Task TypeAsync(byte[] keys)
    {
        using var console = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await console.SendAsync(keys, keys.Length, new IPEndPoint(IPAddress.Loopback, consolePort));
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 400_000)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
