using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Sip.Tests.Sipp;

/// <summary>Runs the sipp binary (Debian package sip-tester); fails clearly when it is missing.</summary>
public static class SippRunner
{
    public sealed record Result(int ExitCode, string Output, string WorkDir);

    public static string SippPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var p = Path.Combine(dir, "sipp");
            if (File.Exists(p))
            {
                return p;
            }
        }
        throw new InvalidOperationException("sipp is not installed (apt-get install sip-tester); these tests need it");
    }

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static Process Start(string args, string workDir)
    {
        var psi = new ProcessStartInfo(SippPath(), args + " -nostdin")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start sipp");
    }

    public static async Task<Result> RunAsync(string args, TimeSpan timeout)
    {
        var workDir = Directory.CreateTempSubdirectory("sipp").FullName;
        using var p = Start(args, workDir);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"sipp {args} did not finish within {timeout}");
        }
        var output = await stdout + await stderr;
        foreach (var f in Directory.GetFiles(workDir, "*.log").Concat(Directory.GetFiles(workDir, "*.csv")))
        {
            output += $"\n--- {Path.GetFileName(f)}\n" + string.Join('\n', File.ReadLines(f).Take(60));
        }
        return new Result(p.ExitCode, output, workDir);
    }

    /// <summary>Reads "Successful call" / "Failed call" totals from sipp's final statistics screen.</summary>
    public static (int Successful, int Failed) Totals(string output)
    {
        static int Read(string output, string label)
        {
            var line = output.Split('\n').LastOrDefault(l => l.Contains(label, StringComparison.Ordinal));
            if (line is null)
            {
                return -1;
            }
            var parts = line.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return parts.Length >= 3 && int.TryParse(parts[2], out var n) ? n : -1;
        }
        return (Read(output, "Successful call"), Read(output, "Failed call"));
    }
}
