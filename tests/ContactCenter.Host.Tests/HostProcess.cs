using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace ContactCenter.Host.Tests;

/// <summary>
/// The real host executable (ContactCenter.Host.dll from its build output) run as a child
/// process with settings from environment variables, on free loopback ports and a temporary
/// data folder. Output is captured for assertions and failure messages.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly object gate = new();

    private HostProcess(Process process, string dataFolder, int webPort, int sipPort)
    {
        this.process = process;
        DataFolder = dataFolder;
        WebPort = webPort;
        SipPort = sipPort;
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}");
    }

    public string DataFolder { get; }
    public int WebPort { get; }
    public int SipPort { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    public string StandardOutput { get { lock (gate) { return stdout.ToString(); } } }
    public string StandardError { get { lock (gate) { return stderr.ToString(); } } }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static HostProcess Start(IDictionary<string, string>? settings = null, string[]? args = null)
    {
        var dataFolder = Directory.CreateTempSubdirectory("cc-host-").FullName;
        var webPort = FreeTcpPort();
        var sipPort = FreeSipPort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssemblyPath());
        foreach (var arg in args ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{webPort}",
            ["ConnectionStrings__ContactCenter"] = $"Data Source={Path.Combine(dataFolder, "contactcenter.db")}",
            ["Sip__ListenAddress"] = "127.0.0.1",
            ["Sip__Port"] = sipPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sip__TlsPort"] = "0", // a free port: hosts run side by side
            ["Sip__TlsSelfSignedPath"] = Path.Combine(dataFolder, "sip-tls-selfsigned.pfx"),
            ["Telephony__ConfigPath"] = Path.Combine(RepositoryRoot, "telephony-config"),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process, dataFolder, webPort, sipPort);
        process.OutputDataReceived += (_, e) => host.Append(host.stdout, e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(host.stderr, e.Data);
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
                throw new InvalidOperationException($"host exited with {process.ExitCode} before it was ready:\n{StandardError}\n{StandardOutput}");
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

        throw new TimeoutException($"host not ready within {timeout}:\n{StandardError}\n{StandardOutput}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>Asks the host to stop as Ctrl+C / docker stop would (SIGTERM) and waits for it.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
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
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            target.AppendLine(line);
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both UDP and TCP (the SIP endpoint binds both).</summary>
    private static int FreeSipPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: try another.
            }
        }
        throw new InvalidOperationException("no port free for both UDP and TCP");
    }

    private static string HostAssemblyPath()
    {
        var configuration = typeof(HostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
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
