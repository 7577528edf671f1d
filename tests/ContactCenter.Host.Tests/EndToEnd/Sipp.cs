using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// SIPp (Debian package sip-tester) as a real SIP peer: the customer's phone or an agent's phone.
/// Scenario templates live beside this file; the test fills in their <c>{{placeholders}}</c>.
/// A missing sipp fails the test with a clear message.
/// </summary>
internal sealed class Sipp : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly object gate = new();

    private Sipp(Process process, string folder, string name)
    {
        this.process = process;
        Folder = folder;
        Name = name;
    }

    public string Folder { get; }
    public string Name { get; }

    /// <summary>True once the scenario has finished (its call ended, or it failed).</summary>
    public bool HasExited => process.HasExited;

    public string Output
    {
        get
        {
            lock (gate)
            {
                var text = output.ToString();
                foreach (var log in Directory.GetFiles(Folder, $"*_{process.Id}_errors.log").Concat(Directory.GetFiles(Folder, $"*_{process.Id}_messages.log")))
                {
                    text += $"\n--- {Path.GetFileName(log)}\n" + string.Join("\n", File.ReadLines(log).TakeLast(150));
                }

                return text;
            }
        }
    }

    /// <summary>The whole SIP message trace (<c>-trace_msg</c>) written so far; empty when there is none.</summary>
    public string MessagesLog
    {
        get
        {
            lock (gate)
            {
                return string.Concat(Directory.GetFiles(Folder, $"*_{process.Id}_messages.log").Select(File.ReadAllText));
            }
        }
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Writes a scenario from its template, replacing <c>{{key}}</c> and <c>{{key}}</c> parts (files named key.part).</summary>
    public static string Render(string folder, string template, IReadOnlyDictionary<string, string> values)
    {
        var scenarios = Path.Combine(AppContext.BaseDirectory, "EndToEnd", "Scenarios");
        var text = File.ReadAllText(Path.Combine(scenarios, template));
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var (key, value) in values)
            {
                var replacement = value.EndsWith(".part", StringComparison.Ordinal) ? File.ReadAllText(Path.Combine(scenarios, value)) : value;
                text = text.Replace("{{" + key + "}}", replacement, StringComparison.Ordinal);
            }
        }

        if (text.Contains("{{", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{template}: a placeholder was not filled in:\n{text}");
        }

        var path = Path.Combine(folder, Path.GetFileNameWithoutExtension(template) + "-" + Guid.NewGuid().ToString("N")[..6] + ".xml");
        File.WriteAllText(path, text);
        return path;
    }

    public static Sipp Start(string name, string folder, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(SippPath())
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in (string[])["-nostdin", "-trace_err", "-trace_msg", "-timeout", "90s", "-timeout_error"])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var sipp = new Sipp(process, folder, name);
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    /// <summary>Waits for the scenario to finish and asserts that its one call succeeded.</summary>
    public async Task AssertSucceededAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"sipp ({Name}) did not finish within {timeout}:\n{Output}");
        }

        Assert.True(process.ExitCode == 0, $"sipp ({Name}) exited {process.ExitCode}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            if (output.Length < 200_000)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string SippPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "sipp");
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail("sipp is not installed (Debian package sip-tester); ./test.sh installs it");
        return "";
    }
}
