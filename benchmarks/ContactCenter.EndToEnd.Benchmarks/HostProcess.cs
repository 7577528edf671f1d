using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>
/// The real host executable (src/ContactCenter.Host build output, same configuration as this bench)
/// run as a child process with settings from environment variables, on free loopback ports and a
/// temporary data folder. Its console log goes to a file (host.log in the work folder).
/// Adapted from tests/ContactCenter.Host.Tests/HostProcess.cs.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    private HostProcess(Process process, StreamWriter log, string dataFolder, string logPath, int webPort, int sipPort)
    {
        LogPath = logPath;
        this.process = process;
        this.log = log;
        DataFolder = dataFolder;
        WebPort = webPort;
        SipPort = sipPort;
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}");
    }

    public string DataFolder { get; }
    public int WebPort { get; }
    public int SipPort { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public int ProcessId => process.Id;

    private bool disposed;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Starts the host; a <paramref name="dataFolder"/> from an earlier host keeps its database and signing key.</summary>
    public static HostProcess Start(IDictionary<string, string> settings, string? dataFolder, string logName)
    {
        dataFolder ??= Directory.CreateTempSubdirectory("cc-e2e-host-").FullName;
        var webPort = FreeTcpPort();
        var sipPort = FreeUdpPort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssemblyPath());
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{webPort}",
            ["ConnectionStrings__ContactCenter"] = $"Data Source={Path.Combine(dataFolder, "contactcenter.db")}",
            ["Sip__ListenAddress"] = "127.0.0.1",
            ["Sip__Port"] = sipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip__TlsPort"] = "0", // a free port: hosts run side by side
            ["Sip__TlsSelfSignedPath"] = Path.Combine(dataFolder, "sip-tls-selfsigned.pfx"),
            ["Telephony__ConfigPath"] = Path.Combine(RepositoryRoot, "telephony-config"),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // The agent fleet signs hundreds of agents in from one address: lift the per-address sign-in limit (ADR 0015).
            ["Auth__SignInPermitsPerAddress"] = "100000",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var logPath = Path.Combine(dataFolder, logName);
        var log = new StreamWriter(logPath) { AutoFlush = false };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process, log, dataFolder, logPath, webPort, sipPort);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200 or the time runs out.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"host exited with {process.ExitCode} before it was ready; see {LogPath}:\n{Tail(40)}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"host not ready within {timeout}; see {LogPath}:\n{Tail(40)}");
    }

    /// <summary>The last lines of the host's log.</summary>
    public string Tail(int lines)
    {
        lock (log)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>The host's whole log so far.</summary>
    public string Log()
    {
        lock (log)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The last <paramref name="max"/> lines of the host's log at Warning or above ("warn:", "fail:", "crit:"), media-clock warnings left out.</summary>
    public IReadOnlyList<string> Problems(int max)
    {
        lock (log)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var found = new Queue<string>();
        while (reader.ReadLine() is { } line)
        {
            if ((line.Contains("warn:", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))
                && !line.Contains("MediaClock", StringComparison.Ordinal))
            {
                found.Enqueue(line);
                if (found.Count > max)
                {
                    found.Dequeue();
                }
            }
        }

        return [.. found];
    }

    /// <summary>Asks the host to stop as Ctrl+C would (SIGTERM) and waits, then kills it if needed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(35));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static int FreeUdpPort()
    {
        // The host listens on UDP and TCP: find a port free for both.
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }

    private static string HostAssemblyPath()
    {
        var configuration = typeof(HostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var path = Path.Combine(RepositoryRoot, "src", "ContactCenter.Host", "bin", configuration, "net10.0", "ContactCenter.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build the host first: {path} is missing", path);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ContactCenter.sln not found above " + AppContext.BaseDirectory);
    }
}
