using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>SIPp (Debian package sip-tester) run as a child process; its closing statistics parsed.</summary>
internal sealed class Sipp : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private Sipp(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

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

    public static Sipp Start(string name, string folder, IEnumerable<string> args)
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

        info.ArgumentList.Add("-nostdin");
        var process = new Process { StartInfo = info };
        var sipp = new Sipp(process, name);
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    /// <summary>Writes a scenario from Scenarios/, replacing <c>{{key}}</c> placeholders.</summary>
    public static string Render(string folder, string template, IReadOnlyDictionary<string, string> values)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", template));
        foreach (var (key, value) in values)
        {
            text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        var path = Path.Combine(folder, template);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<SippResult> WaitAsync(TimeSpan timeout)
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

        // Let the asynchronous readers drain.
        process.WaitForExit(TimeSpan.FromSeconds(5));
        return Parse(Output, process.ExitCode);
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

    /// <summary>The cumulative column of SIPp's closing screen: successful and failed calls, retransmissions.</summary>
    internal static SippResult Parse(string output, int exitCode)
    {
        long Cumulative(string label)
        {
            var line = output.Split('\n').LastOrDefault(l => l.Contains(label, StringComparison.Ordinal));
            if (line is null)
            {
                return -1;
            }

            var cells = line.Split('|');
            return cells.Length >= 3 && long.TryParse(cells[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : -1;
        }

        long Retransmissions(string message)
        {
            // e.g. "  INVITE ---------->         1000      12        0" : messages, retransmissions, timeouts.
            var line = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith(message + " ", StringComparison.Ordinal) && l.Contains("->", StringComparison.Ordinal));
            if (line is null)
            {
                return 0;
            }

            // Markers such as "B-RTD1"/"E-RTD1" (a response-time timer starting or stopping there) may precede the numbers.
            var numbers = line[(line.LastIndexOf('>') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(n => n.Length > 0 && char.IsAsciiDigit(n[0])).ToArray();
            return numbers.Length >= 2 && long.TryParse(numbers[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }

        return new SippResult(Cumulative("Successful call"), Cumulative("Failed call"), Retransmissions("INVITE"), Retransmissions("BYE"), exitCode);
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
}

internal sealed record SippResult(long Successful, long Failed, long InviteRetransmissions, long ByeRetransmissions, int ExitCode);
