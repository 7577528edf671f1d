using System.Diagnostics;
using System.Net.Sockets;

namespace ContactCenter.Testing.Topology;

/// <summary>Runs a command line tool to its end and returns its exit code and output.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ModuleProcess.RepositoryRoot,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} is not installed ({e.Message}); ./test.sh installs it (apt-get)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }

    public static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// A RabbitMQ node of the topology's own (Debian's rabbitmq-server): its own node name, ports and data folder, as test.sh
/// starts one. <see cref="RestartAsync"/> stops the node and starts it again on the same data (durable queues survive).
/// </summary>
internal sealed class PrivateRabbitMq : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;
    private bool running;

    private PrivateRabbitMq(string folder, int port)
    {
        Port = port;
        NodeName = $"cc-faults-{port}@localhost";
        environment = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = ModuleProcess.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
        };
        Folder = folder;
    }

    public int Port { get; }
    public string NodeName { get; }
    public string Folder { get; }

    public static async Task<PrivateRabbitMq> StartAsync(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "mnesia"));
        Directory.CreateDirectory(Path.Combine(folder, "log"));
        var broker = new PrivateRabbitMq(folder, ModuleProcess.FreeTcpPort());
        await File.WriteAllTextAsync(Path.Combine(folder, "enabled_plugins"), "[].\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "rabbitmq.conf"), $"listeners.tcp.default = {broker.Port}\nloopback_users = none\n");
        // Debian's wrapper runs the broker as the rabbitmq user: it must own its folders.
        if (Environment.UserName == "root")
        {
            await Tool.RunAsync("chown", ["-R", "rabbitmq:rabbitmq", folder], null, TimeSpan.FromSeconds(30));
        }

        try
        {
            await broker.StartNodeAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>Stops the node (rabbitmqctl stop: every connection drops) and starts it again; returns once it accepts connections.</summary>
    public async Task RestartAsync()
    {
        await StopNodeAsync();
        await StartNodeAsync();
    }

    public async Task StopNodeAsync()
    {
        var (code, output) = await Tool.RunAsync("rabbitmqctl", ["-n", NodeName, "stop"], environment, TimeSpan.FromSeconds(60));
        if (code != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl stop: {output}");
        }

        running = false;
        var clock = Stopwatch.StartNew();
        while (Tool.Accepts(Port) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }
    }

    private async Task StartNodeAsync()
    {
        var (code, output) = await Tool.RunAsync("rabbitmq-server", ["-detached"], environment, TimeSpan.FromSeconds(60));
        if (code != 0)
        {
            throw new InvalidOperationException($"rabbitmq-server -detached failed ({code}): {output}");
        }

        running = true;
        // The node boots for a few seconds (longer on a loaded machine); its AMQP listener opens last.
        var clock = Stopwatch.StartNew();
        while (!Tool.Accepts(Port))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"RabbitMQ {NodeName} does not accept on port {Port} within 120 s; its log is in {Folder}/log");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (running)
        {
            try
            {
                await Tool.RunAsync("rabbitmqctl", ["-n", NodeName, "stop"], environment, TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
            }
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// A PostgreSQL server of the topology's own (tests/postgres.sh: Debian's postgresql, its own data folder and port).
/// <see cref="RestartAsync"/> restarts it (pg_ctl restart -m fast: every connection is closed).
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;

    private PrivatePostgres(string folder, int port)
    {
        Port = port;
        environment = new Dictionary<string, string>
        {
            ["CC_TEST_POSTGRES_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CC_TEST_POSTGRES_DIR"] = folder,
        };
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password=cc-test;Database={database}";

    public static async Task<PrivatePostgres> StartAsync(string folder)
    {
        var server = new PrivatePostgres(folder, ModuleProcess.FreeTcpPort());
        await server.RunAsync("start");
        return server;
    }

    public Task RestartAsync() => RunAsync("restart");

    private async Task RunAsync(string verb)
    {
        var script = Path.Combine(ModuleProcess.RepositoryRoot, "tests", "postgres.sh");
        var (code, output) = await Tool.RunAsync(script, [verb], environment, TimeSpan.FromSeconds(120));
        if (code != 0)
        {
            throw new InvalidOperationException($"tests/postgres.sh {verb} failed ({code}): {output}");
        }
    }

    public async ValueTask DisposeAsync() => await RunAsync("stop");
}
