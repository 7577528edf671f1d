using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ContactCenter.Testing.Topology;

/// <summary>
/// SIPp (Debian's sip-tester) for the fault topology: the customers (fault-caller.xml), the agents' phones (fault-phones.xml)
/// and their registrations (fault-register.xml). A missing sipp is an error, never a skip.
/// </summary>
internal sealed class TopologySipp : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly int? controlPort;

    private TopologySipp(Process process, string name, int? controlPort)
    {
        this.process = process;
        this.controlPort = controlPort;
        Name = name;
    }

    public string Name { get; }
    public bool HasExited => process.HasExited;

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

    /// <param name="control">Opens SIPp's UDP control socket, so that <see cref="StopPlacingAsync"/> can ask it to stop placing calls.</param>
    public static TopologySipp Start(string name, string folder, IEnumerable<string> args, bool control = false)
    {
        var info = new ProcessStartInfo("sipp")
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

        int? controlPort = null;
        if (control)
        {
            controlPort = FreeUdpPort();
            info.ArgumentList.Add("-cp");
            info.ArgumentList.Add(controlPort.Value.ToString(CultureInfo.InvariantCulture));
        }

        info.ArgumentList.Add("-nostdin");
        var process = new Process { StartInfo = info };
        var sipp = new TopologySipp(process, name, controlPort);
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"sipp is not installed ({e.Message}); ./test.sh installs it (apt-get install sip-tester)", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    /// <summary>Writes a scenario from Topology/Scenarios, replacing <c>{{key}}</c> placeholders.</summary>
    public static string Render(string folder, string template, IReadOnlyDictionary<string, string> values)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Topology", "Scenarios", template));
        foreach (var (key, value) in values)
        {
            text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        var path = Path.Combine(folder, template);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Asks SIPp to stop placing new calls and quit once the calls in progress have ended (its 'q' command).</summary>
    public async Task StopPlacingAsync()
    {
        if (controlPort is not { } port || process.HasExited)
        {
            return;
        }

        using var udp = new UdpClient();
        await udp.SendAsync("q"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
    }

    public async Task<SippOutcome> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await process.WaitForExitAsync(); // the asynchronous readers drain
        return SippOutcome.Parse(Output, process.ExitCode);
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

        lock (output)
        {
            if (output.Length > 400_000)
            {
                output.Remove(0, 200_000);
            }

            output.AppendLine(line);
        }
    }

    public static int FreeUdpPort()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.LocalEndPoint!).Port;
    }
}

/// <summary>SIPp's closing screen: calls created, successful and failed (cumulative), and how many got each refusal.</summary>
internal sealed record SippOutcome(long Created, long Successful, long Failed, long Refused, int ExitCode)
{
    public static SippOutcome Parse(string output, int exitCode)
    {
        var lines = output.Split('\n');
        long Cumulative(string label)
        {
            var line = lines.LastOrDefault(l => l.Contains(label, StringComparison.Ordinal));
            if (line is null)
            {
                return -1;
            }

            var cells = line.Split('|');
            return cells.Length >= 3 && long.TryParse(cells[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : -1;
        }

        long Received(string code)
        {
            // e.g. "         503 <----------         3         0         0" (messages, retransmissions, unexpected).
            var line = lines.LastOrDefault(l => l.TrimStart().StartsWith(code + " ", StringComparison.Ordinal) && l.Contains("<-", StringComparison.Ordinal));
            if (line is null)
            {
                return 0;
            }

            var numbers = line[(line.LastIndexOf('-') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(n => n.Length > 0 && char.IsAsciiDigit(n[0])).ToArray();
            return numbers.Length >= 1 && long.TryParse(numbers[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }

        // SIPp 3.x labels it "Total Calls created", older versions "Total Call created".
        var created = Cumulative("Total Calls created");
        return new SippOutcome(created >= 0 ? created : Cumulative("Total Call created"), Cumulative("Successful call"), Cumulative("Failed call"),
            Received("503") + Received("480") + Received("486") + Received("403"), exitCode);
    }
}
