using ContactCenter.Routing.Configuration;
using Microsoft.Extensions.Options;

namespace ContactCenter.Routing.Service;

/// <summary>Settings of the routing service (section <c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    /// <summary>The queue file; default <c>{Telephony:ConfigPath}/queues.yaml</c>.</summary>
    public string? QueuesFile { get; set; }

    /// <summary>
    /// The partitions of queues this process serves, comma-separated (each has its own engine, journal, lease and bus endpoint);
    /// empty for every partition queues.yaml names.
    /// </summary>
    public string? Partitions { get; set; }

    /// <summary>
    /// Where each partition keeps its journal, snapshot and lease: <c>File</c> (the embedded default: files beside
    /// <see cref="JournalPath"/>, a standby must run on the same host) or <c>Database</c> (routing's own tables, so active and
    /// standby may run on different hosts).
    /// </summary>
    public string JournalStore { get; set; } = "File";

    /// <summary>Journal of engine inputs (JSON lines) used to resume after a restart; default <c>data/routing-journal.jsonl</c>.
    /// The default partition uses it as named; partition <c>p</c> uses <c>routing-journal-p.jsonl</c> beside it.</summary>
    public string JournalPath { get; set; } = Path.Combine("data", "routing-journal.jsonl");

    /// <summary>Journal entries after which the engine's state is written to a snapshot and the journal emptied.</summary>
    public int CompactAfterEntries { get; set; } = 50_000;

    /// <summary>How often a standby instance tries to take a partition's lease from the active one.</summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Database store: the active instance renews its lease every third of this; a standby takes the lease over once it has seen
    /// it unrenewed for this long (a crashed active instance). A graceful stop or step-down releases it at once.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// How long the active instance's partition endpoint may stop consuming (broker connection lost, consumer cancelled) before it
    /// steps down and releases the lease, so that a standby that still reaches the broker takes over.
    /// </summary>
    public TimeSpan BusLossStepDown { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Database store: <c>Database:Provider</c> (<c>Sqlite</c>, <c>SqlServer</c> or <c>PostgreSql</c>).</summary>
    public string DatabaseProvider { get; set; } = "Sqlite";

    /// <summary>Database store: <c>ConnectionStrings:Routing</c>, else <c>ConnectionStrings:ContactCenter</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The setting <see cref="ConnectionString"/> came from, for error messages.</summary>
    internal string ConnectionStringKey { get; set; } = "ConnectionStrings:Routing";

    /// <summary>
    /// The gateway (its <c>Telephony:GatewayId</c>) that places agents' outbound calls; empty for the gateway whose heartbeat routing
    /// saw last (one gateway, the embedded default, needs nothing here).
    /// </summary>
    public string? OutboundGatewayId { get; set; }

    internal bool UsesDatabase => string.Equals(JournalStore, "Database", StringComparison.OrdinalIgnoreCase);

    /// <summary>The partitions named by <see cref="Partitions"/>, or every partition of the configuration.</summary>
    internal IReadOnlyList<string> ServedPartitions(RoutingConfiguration all) =>
        string.IsNullOrWhiteSpace(Partitions)
            ? all.Partitions()
            : [.. Partitions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>The default partition's journal is <see cref="JournalPath"/> itself (as before partitions); others get their own file beside it.</summary>
    internal string JournalPathFor(string partition)
    {
        if (partition == RoutingConfiguration.DefaultPartition)
        {
            return JournalPath;
        }
        var folder = Path.GetDirectoryName(JournalPath) ?? "";
        return Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(JournalPath)}-{partition}{Path.GetExtension(JournalPath)}");
    }

    /// <summary>How long to wait for the CRM to answer GetAgentProfiles before asking again.</summary>
    public TimeSpan ProfileRequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest pause between two profile requests while the CRM does not answer.</summary>
    public TimeSpan ProfileRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Coalescing period of QueueStatistics (250 ms = at most 4 per second per queue).</summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.QueuesFile))
        {
            errors.Add("Routing:QueuesFile: must name the queues.yaml file");
        }
        else if (!File.Exists(options.QueuesFile))
        {
            errors.Add($"Routing:QueuesFile: file '{options.QueuesFile}' not found (set Telephony:ConfigPath or Routing:QueuesFile)");
        }
        if (string.IsNullOrWhiteSpace(options.JournalPath))
        {
            errors.Add("Routing:JournalPath: must name a file");
        }
        if (options.CompactAfterEntries < 1)
        {
            errors.Add("Routing:CompactAfterEntries: must be at least 1");
        }
        if (options.LeaseRetryInterval <= TimeSpan.Zero)
        {
            errors.Add("Routing:LeaseRetryInterval: must be positive");
        }
        if (!string.Equals(options.JournalStore, "File", StringComparison.OrdinalIgnoreCase) && !options.UsesDatabase)
        {
            errors.Add($"Routing:JournalStore: '{options.JournalStore}' is not File or Database");
        }
        if (options.LeaseDuration < TimeSpan.FromMilliseconds(300))
        {
            errors.Add("Routing:LeaseDuration: must be at least 00:00:00.300");
        }
        else if (options.UsesDatabase && options.LeaseRetryInterval >= options.LeaseDuration)
        {
            errors.Add("Routing:LeaseRetryInterval: must be shorter than Routing:LeaseDuration");
        }
        if (options.BusLossStepDown <= TimeSpan.Zero)
        {
            errors.Add("Routing:BusLossStepDown: must be positive");
        }
        if (options.UsesDatabase)
        {
            if (!string.Equals(options.DatabaseProvider, "Sqlite", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(options.DatabaseProvider, "SqlServer", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(options.DatabaseProvider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"Database:Provider: '{options.DatabaseProvider}' is not Sqlite, SqlServer or PostgreSql (Routing:JournalStore is Database)");
            }
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                errors.Add("ConnectionStrings:Routing: must be set (or ConnectionStrings:ContactCenter) when Routing:JournalStore is Database");
            }
            else if (CheckConnectionString(options.DatabaseProvider, options.ConnectionString) is { } problem)
            {
                errors.Add($"{options.ConnectionStringKey}: {problem}");
            }
        }
        if (options.ProfileRequestTimeout <= TimeSpan.Zero)
        {
            errors.Add("Routing:ProfileRequestTimeout: must be positive");
        }
        if (options.ProfileRetryMaxDelay <= TimeSpan.Zero)
        {
            errors.Add("Routing:ProfileRetryMaxDelay: must be positive");
        }
        if (options.StatisticsInterval < TimeSpan.FromMilliseconds(250))
        {
            errors.Add("Routing:StatisticsInterval: must be at least 00:00:00.250 (4 per second)");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>What is wrong with a connection string for the provider, or null (an unknown provider is reported on its own).</summary>
    private static string? CheckConnectionString(string provider, string connectionString)
    {
        try
        {
            if (string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
            {
                return string.IsNullOrWhiteSpace(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource)
                    ? "has no Data Source (the SQLite file)" : null;
            }
            if (string.Equals(provider, "SqlServer", StringComparison.OrdinalIgnoreCase))
            {
                return string.IsNullOrWhiteSpace(new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString).DataSource)
                    ? "has no Server (the SQL Server instance)" : null;
            }
            if (string.Equals(provider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
            {
                return string.IsNullOrWhiteSpace(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Host)
                    ? "has no Host (the PostgreSQL server)" : null;
            }
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return $"is not a valid {provider} connection string: {ex.Message}";
        }
    }
}
