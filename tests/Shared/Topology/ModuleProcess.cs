using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace ContactCenter.Testing.Topology;

/// <summary>
/// One process of the fault topology: the real host (src/ContactCenter.Host build output, same configuration as the caller)
/// running some modules (<c>Services</c>), with fixed ports and settings, supervised as compose or systemd would: after a
/// <see cref="KillHard"/> it is started again, same ports, same settings. Its console goes to a log file (appended across
/// restarts, each start marked).
/// </summary>
internal sealed class ModuleProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;
    private readonly string[] args;
    private readonly Lock gate = new();
    private StreamWriter? log;
    private Process? process;

    public ModuleProcess(string name, string folder, IReadOnlyDictionary<string, string> settings, int webPort, int? sipPort, string[]? args = null)
    {
        Name = name;
        Folder = Directory.CreateDirectory(folder).FullName;
        WebPort = webPort;
        SipPort = sipPort;
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}");
        LogPath = Path.Combine(Folder, name + ".log");
        this.args = args ?? [];
        environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Urls"] = BaseAddress.ToString().TrimEnd('/'),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
    }

    public string Name { get; }
    public string Folder { get; }
    public int WebPort { get; }
    public int? SipPort { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public int Starts { get; private set; }
    public int ProcessId => process?.Id ?? 0;
    public bool IsRunning => process is { HasExited: false };

    public void Start()
    {
        lock (gate)
        {
            log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssemblyPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var started = new Process { StartInfo = info };
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.Start();
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process?.Dispose();
        process = started;
        Starts++;
        Append($"=== {Name}: start {Starts}, pid {started.Id}");
    }

    /// <summary><c>kill -9</c>: no shutdown code runs, sockets are torn down by the kernel.</summary>
    public async Task KillHardAsync()
    {
        if (process is { HasExited: false } running)
        {
            Append($"=== {Name}: kill -9 of pid {running.Id}");
            running.Kill(entireProcessTree: false); // SIGKILL on Unix
            await running.WaitForExitAsync();
        }
    }

    /// <summary>Waits until the process exits by itself (e.g. the <c>migrate</c> verb) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var running = process ?? throw new InvalidOperationException($"{Name} was not started");
        using var cts = new CancellationTokenSource(timeout);
        await running.WaitForExitAsync(cts.Token);
        return running.ExitCode;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"{Name} exited with {exited.ExitCode} before it was ready; {LogPath}:\n{Tail(30)}");
            }

            if (await IsReadyAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} not ready within {timeout}; {LogPath}:\n{Tail(30)}");
    }

    public async Task<bool> IsReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public string Tail(int lines)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    /// <summary>Log lines at warning or above (<c>warn:</c>, <c>fail:</c>, <c>crit:</c>), the last <paramref name="max"/>.</summary>
    public IReadOnlyList<string> Problems(int max)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var found = new Queue<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal) || line.StartsWith("===", StringComparison.Ordinal))
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

    /// <summary>Stops the process as <c>docker stop</c> would (SIGTERM), then kills it if it has not exited in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } running)
        {
            using (var term = Process.Start("kill", ["-TERM", running.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await running.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                running.Kill(entireProcessTree: true);
                await running.WaitForExitAsync();
            }
        }

        process?.Dispose();
        lock (gate)
        {
            log?.Dispose();
            log = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            log?.WriteLine(line);
        }
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both UDP and TCP (the SIP endpoint binds both).</summary>
    public static int FreeSipPort()
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
            }
        }

        throw new InvalidOperationException("no port free for both UDP and TCP");
    }

    private static string HostAssemblyPath()
    {
        var configuration = typeof(ModuleProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
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
