using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ContactCenter.Testing.Topology;

/// <summary>
/// The production topology on this machine, as separate processes of the one host (the <c>Services</c> setting, as
/// docker/compose.postgres.yaml runs it): a private RabbitMQ node and PostgreSQL server, the database made by the
/// <c>migrate</c> verb, the CRM (demo data), routing active + standby (journal, snapshot and lease in the database), two
/// telephony gateways (each its own SIP port, media ports and gateway id) and two desktops. Every module reaches the broker
/// through a TCP relay of its own, so one of them can be cut off the broker while the others are not.
/// Faults: <see cref="KillAndRestartAsync"/> (kill -9, then started again as a supervisor would), <see cref="RestartBrokerAsync"/>,
/// <see cref="RestartDatabaseAsync"/>, <see cref="CutFromBrokerAsync"/>. Shared by the fault tests (tests/ContactCenter.Host.Tests/Faults)
/// and <c>./bench.sh faults</c>.
/// </summary>
internal sealed class ContactCenterTopology : IAsyncDisposable
{
    /// <summary>The DID of the topology's flow (telephony/faults.yaml): identify, welcome, support queue.</summary>
    public const string Did = "1009";

    public const string SigningKey = "fault-topology-signing-key-0123456789abcdef";

    private readonly List<TcpProxy> proxies = [];
    private readonly Dictionary<ModuleProcess, TcpProxy> proxyOf = [];
    private readonly Action<string> say;

    private ContactCenterTopology(string work, PrivateRabbitMq broker, PrivatePostgres database, Action<string> say)
    {
        Work = work;
        Broker = broker;
        Database = database;
        this.say = say;
    }

    public string Work { get; }
    public PrivateRabbitMq Broker { get; }
    public PrivatePostgres Database { get; }
    public ModuleProcess Crm { get; private set; } = null!;
    public ModuleProcess RoutingA { get; private set; } = null!;
    public ModuleProcess RoutingB { get; private set; } = null!;
    public ModuleProcess Gateway1 { get; private set; } = null!;
    public ModuleProcess Gateway2 { get; private set; } = null!;
    public ModuleProcess Desktop1 { get; private set; } = null!;
    public ModuleProcess Desktop2 { get; private set; } = null!;

    public IReadOnlyList<ModuleProcess> Gateways => [Gateway1, Gateway2];
    public IReadOnlyList<ModuleProcess> Desktops => [Desktop1, Desktop2];
    public IReadOnlyList<ModuleProcess> Modules => [Crm, RoutingA, RoutingB, Gateway1, Gateway2, Desktop1, Desktop2];

    /// <summary>Starts everything and returns once every module answers <c>/health/ready</c>.</summary>
    /// <param name="logLevel">The modules' default log level (Warning keeps the logs small under load).</param>
    /// <param name="extra">Settings for every module (e.g. the overload limits).</param>
    public static async Task<ContactCenterTopology> StartAsync(string work, string logLevel, IReadOnlyDictionary<string, string>? extra, Action<string> say)
    {
        Directory.CreateDirectory(work);
        // Both servers run as their own users (rabbitmq, postgres): their folders sit directly under /tmp, not in a private temp folder.
        var id = Guid.NewGuid().ToString("N")[..8];
        say("starting a private RabbitMQ node and PostgreSQL server");
        var brokerTask = PrivateRabbitMq.StartAsync(Path.Combine(Path.GetTempPath(), "cc-faults-rabbitmq-" + id));
        var databaseTask = PrivatePostgres.StartAsync(Path.Combine(Path.GetTempPath(), "cc-faults-postgres-" + id));
        PrivateRabbitMq broker;
        PrivatePostgres database;
        try
        {
            broker = await brokerTask;
        }
        catch
        {
            await (await databaseTask).DisposeAsync();
            throw;
        }

        try
        {
            database = await databaseTask;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        var topology = new ContactCenterTopology(work, broker, database, say);
        try
        {
            await topology.StartModulesAsync(logLevel, extra ?? new Dictionary<string, string>());
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }

        return topology;
    }

    private async Task StartModulesAsync(string logLevel, IReadOnlyDictionary<string, string> extra)
    {
        var config = TelephonyConfig();
        Dictionary<string, string> Common(string services, TcpProxy? proxy) => new(extra)
        {
            ["Services"] = services,
            ["Bus__Transport"] = "RabbitMq",
            ["Bus__RabbitMq__Host"] = "127.0.0.1",
            ["Bus__RabbitMq__Port"] = (proxy?.Port ?? Broker.Port).ToString(CultureInfo.InvariantCulture),
            ["Bus__RabbitMq__VirtualHost"] = "/",
            ["Bus__RabbitMq__Username"] = "guest",
            ["Bus__RabbitMq__Password"] = "guest",
            ["Database__Provider"] = "PostgreSql",
            ["Database__MigrateOnStart"] = "false",
            ["ConnectionStrings__ContactCenter"] = Database.ConnectionString("contactcenter"),
            ["Routing__JournalStore"] = "Database",
            ["Auth__SigningKey"] = SigningKey,
            ["Auth__SignInPermitsPerAddress"] = "100000",
            ["Demo__Seed"] = "false",
            ["Telephony__ConfigPath"] = config,
            ["Logging__LogLevel__Default"] = logLevel,
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };

        say("migrating the database (the migrate verb, as compose's migrate job)");
        // The demo data (sam, the 50 customers) is seeded by the migration, as compose's migrate job does with CC_DEMO_SEED=true.
        var migration = Common("Crm,Routing,Reporting", null);
        migration["Demo__Seed"] = "true";
        var migrate = new ModuleProcess("migrate", Path.Combine(Work, "migrate"), migration, ModuleProcess.FreeTcpPort(), null, ["migrate"]);
        await using (migrate)
        {
            migrate.Start();
            var code = await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120));
            if (code != 0)
            {
                throw new InvalidOperationException($"migrate exited with {code}:\n{migrate.Tail(30)}");
            }
        }

        ModuleProcess Module(string name, string services, Action<Dictionary<string, string>>? more = null, bool sip = false)
        {
            var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, Broker.Port));
            proxies.Add(proxy);
            var settings = Common(services, proxy);
            int? sipPort = sip ? ModuleProcess.FreeSipPort() : null;
            more?.Invoke(settings);
            if (sipPort is { } port)
            {
                settings["Sip__ListenAddress"] = "127.0.0.1";
                settings["Sip__Port"] = port.ToString(CultureInfo.InvariantCulture);
                settings["Sip__TlsPort"] = "0";
            }

            var module = new ModuleProcess(name, Path.Combine(Work, name), settings, ModuleProcess.FreeTcpPort(), sipPort);
            proxyOf[module] = proxy;
            return module;
        }

        Crm = Module("crm", "Crm");
        RoutingA = Module("routing-a", "Routing");
        RoutingB = Module("routing-b", "Routing");
        Gateway1 = Module("telephony-1", "Telephony", s => Gateway(s, 1), sip: true);
        Gateway2 = Module("telephony-2", "Telephony", s => Gateway(s, 2), sip: true);
        Desktop1 = Module("desktop-1", "Desktop");
        Desktop2 = Module("desktop-2", "Desktop");

        // The CRM first (the agent profiles routing loads), then routing A before B so that A holds the lease.
        say("starting the CRM");
        Crm.Start();
        await Crm.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        say("starting routing (active, then standby)");
        RoutingA.Start();
        await RoutingA.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        RoutingB.Start();
        say("starting two gateways and two desktops");
        foreach (var module in new[] { Gateway1, Gateway2, Desktop1, Desktop2 })
        {
            module.Start();
        }

        foreach (var module in new[] { RoutingB, Gateway1, Gateway2, Desktop1, Desktop2 })
        {
            await module.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        }

        say($"topology ready: CRM {Crm.BaseAddress}, routing {RoutingA.BaseAddress} / {RoutingB.BaseAddress}, gateways SIP {Gateway1.SipPort} / {Gateway2.SipPort}, desktops {Desktop1.BaseAddress} / {Desktop2.BaseAddress}; logs in {Work}");
    }

    private void Gateway(Dictionary<string, string> settings, int n)
    {
        settings["Telephony__GatewayId"] = $"gw{n}";
        settings["Telephony__DataPath"] = Path.Combine(Work, $"telephony-{n}", "data");
        settings["Sip__TlsSelfSignedPath"] = Path.Combine(Work, $"telephony-{n}", "sip-tls-selfsigned.pfx");
        // SIPp 3.6 answers only the first digest challenge and knows only MD5.
        settings["Sip__DigestAlgorithms"] = "MD5,SHA-256";
        // The SIPp phones and callers send no RTP: keep the media-timeout guard out of the way.
        settings["Media__MediaTimeout"] = "00:05:00";
        settings["Media__PortRangeStart"] = (21000 + ((n - 1) * 2000)).ToString(CultureInfo.InvariantCulture);
        settings["Media__PortRangeEnd"] = (22999 + ((n - 1) * 2000)).ToString(CultureInfo.InvariantCulture);
        // The gateway reports its live calls every second, so that routing frees agents whose calls died with a gateway soon.
        settings["Telephony__HeartbeatInterval"] = "00:00:01";
    }

    /// <summary>A copy of the repository's telephony-config with the topology's flow on DID <see cref="Did"/>.</summary>
    private string TelephonyConfig()
    {
        var source = Path.Combine(ModuleProcess.RepositoryRoot, "telephony-config");
        var target = Path.Combine(Work, "telephony-config");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }

        File.Copy(Path.Combine(AppContext.BaseDirectory, "Topology", "faults.yaml"), Path.Combine(target, "ivr", "faults.yaml"), overwrite: true);
        File.AppendAllText(Path.Combine(target, "dids.yaml"), $"  - did: \"{Did}\"\n    flow: faults\n");
        var trunks = File.ReadAllText(Path.Combine(target, "trunks.yaml"));
        var local = trunks.IndexOf("      - \"1002\"", StringComparison.Ordinal);
        if (local < 0)
        {
            throw new InvalidOperationException("telephony-config/trunks.yaml: the local trunk's DID list is not where the topology expects it");
        }

        trunks = trunks.Insert(local + "      - \"1002\"".Length, $"\n      - \"{Did}\"");
        File.WriteAllText(Path.Combine(target, "trunks.yaml"), trunks);
        return target;
    }

    // ------------------------------------------------------------------ faults

    /// <summary>kill -9, then started again at once on the same ports (a supervisor's restart). Returns when it was restarted.</summary>
    public async Task KillAndRestartAsync(ModuleProcess module)
    {
        await module.KillHardAsync();
        module.Start();
    }

    public Task RestartBrokerAsync() => Broker.RestartAsync();

    public Task RestartDatabaseAsync() => Database.RestartAsync();

    /// <summary>Cuts <paramref name="module"/> off the broker (its relay drops every connection and refuses new ones) for <paramref name="duration"/>.</summary>
    public async Task CutFromBrokerAsync(ModuleProcess module, TimeSpan duration)
    {
        var proxy = proxyOf[module];
        await proxy.CutAsync();
        await Task.Delay(duration); // the length of the outage is the fault itself, not a wait for something
        proxy.Restore();
    }

    /// <summary>The routing process whose partition is active: its /api/routing/queues answers 200 (a standby answers 503).</summary>
    public async Task<ModuleProcess?> ActiveRoutingAsync(string token)
    {
        foreach (var routing in new[] { RoutingA, RoutingB })
        {
            using var client = new HttpClient { BaseAddress = routing.BaseAddress, Timeout = TimeSpan.FromSeconds(3) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await client.GetAsync(new Uri("/api/routing/queues", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return routing;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }

        return null;
    }

    /// <summary>Every module answers /health/ready.</summary>
    public async Task<bool> AllReadyAsync()
    {
        foreach (var module in Modules)
        {
            if (!await module.IsReadyAsync())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A bearer token from the CRM.</summary>
    public async Task<string> TokenAsync(string login, string password)
    {
        using var client = new HttpClient { BaseAddress = Crm.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password });
                response.EnsureSuccessStatusCode();
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // The CRM may be restarting (a fault): ask again.
                await Task.Delay(200);
            }
        }
    }

    public string Problems(int perModule) =>
        string.Join('\n', Modules.SelectMany(m => m.Problems(perModule).Select(line => $"{m.Name}: {line[..Math.Min(line.Length, 300)]}")));

    public async ValueTask DisposeAsync()
    {
        foreach (var module in new[] { Desktop1, Desktop2, Gateway1, Gateway2, RoutingB, RoutingA, Crm })
        {
            if (module is not null)
            {
                await module.DisposeAsync();
            }
        }

        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await Database.DisposeAsync();
    }
}
