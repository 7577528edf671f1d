using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ContactCenter.Host.Configuration;

internal enum BusTransport
{
    InMemory,
    RabbitMq,
}

internal enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

internal sealed record RabbitMqSettings(string Host, ushort Port, string VirtualHost, string Username, string Password);

/// <summary>
/// The host-level settings of DESIGN.md, read and checked before anything starts so that a bad
/// value stops start-up with one line naming the key. Module settings are validated by the
/// modules' own options (ValidateOnStart).
/// </summary>
internal sealed record HostSettings(
    IReadOnlySet<Module> Services,
    BusTransport Transport,
    RabbitMqSettings RabbitMq,
    DatabaseProvider Provider,
    string ConnectionString)
{
    public static HostSettings Read(IConfiguration configuration)
    {
        var services = ReadServices(configuration["Services"]);
        var transport = ReadEnum<BusTransport>(configuration, "Bus:Transport", BusTransport.InMemory);
        var rabbit = new RabbitMqSettings(
            Host: NonEmpty(configuration, "Bus:RabbitMq:Host", "localhost"),
            Port: ReadPort(configuration, "Bus:RabbitMq:Port", 5672),
            VirtualHost: NonEmpty(configuration, "Bus:RabbitMq:VirtualHost", "/"),
            Username: NonEmpty(configuration, "Bus:RabbitMq:Username", "guest"),
            Password: configuration["Bus:RabbitMq:Password"] ?? "guest");
        var provider = ReadEnum<DatabaseProvider>(configuration, "Database:Provider", DatabaseProvider.Sqlite);
        var connectionString = configuration.GetConnectionString("ContactCenter");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigurationError("ConnectionStrings:ContactCenter", "is empty; set a connection string for the database");
        }

        CheckConnectionString(provider, connectionString);
        return new HostSettings(services, transport, rabbit, provider, connectionString);
    }

    private static HashSet<Module> ReadServices(string? value)
    {
        var modules = new HashSet<Module>();
        var raw = string.IsNullOrWhiteSpace(value) ? "Telephony,Routing,Crm,Desktop,Reporting" : value;
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<Module>(part, ignoreCase: true, out var module) || !Enum.IsDefined(module) || int.TryParse(part, out _))
            {
                throw new ConfigurationError("Services", $"unknown module '{part}'; expected a comma-separated list of {string.Join(", ", Enum.GetNames<Module>())}");
            }

            modules.Add(module);
        }

        if (modules.Count == 0)
        {
            throw new ConfigurationError("Services", "names no module");
        }

        return modules;
    }

    private static T ReadEnum<T>(IConfiguration configuration, string key, T fallback)
        where T : struct, Enum
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        throw new ConfigurationError(key, $"must be {string.Join(" or ", Enum.GetNames<T>())} (was '{value}')");
    }

    private static string NonEmpty(IConfiguration configuration, string key, string fallback)
    {
        var value = configuration[key];
        if (value is null)
        {
            return fallback;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationError(key, "is empty");
        }

        return value;
    }

    private static ushort ReadPort(IConfiguration configuration, string key, ushort fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (ushort.TryParse(value, out var port) && port > 0)
        {
            return port;
        }

        throw new ConfigurationError(key, $"must be a port number from 1 to 65535 (was '{value}')");
    }

    private static void CheckConnectionString(DatabaseProvider provider, string connectionString)
    {
        const string key = "ConnectionStrings:ContactCenter";
        try
        {
            DbConnectionStringBuilder builder = provider switch
            {
                DatabaseProvider.Sqlite => new SqliteConnectionStringBuilder(connectionString),
                DatabaseProvider.SqlServer => new SqlConnectionStringBuilder(connectionString),
                DatabaseProvider.PostgreSql => new NpgsqlConnectionStringBuilder(connectionString),
            };
            if (builder is SqliteConnectionStringBuilder sqlite && string.IsNullOrWhiteSpace(sqlite.DataSource))
            {
                throw new ConfigurationError(key, "has no Data Source (the SQLite database file)");
            }

            if (builder is SqlConnectionStringBuilder sql && string.IsNullOrWhiteSpace(sql.DataSource))
            {
                throw new ConfigurationError(key, "has no Server/Data Source (the SQL Server instance)");
            }

            if (builder is NpgsqlConnectionStringBuilder npgsql && string.IsNullOrWhiteSpace(npgsql.Host))
            {
                throw new ConfigurationError(key, "has no Host (the PostgreSQL server)");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ConfigurationError(key, $"is not a valid {provider} connection string: {ex.Message}");
        }
    }

    /// <summary>The folder holding the SQLite database file (for the generated signing key), or null.</summary>
    public string? EmbeddedDataFolder(string workingDirectory)
    {
        if (Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        var dataSource = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        if (dataSource == ":memory:" || dataSource.StartsWith("file::memory:", StringComparison.Ordinal))
        {
            return null;
        }

        var full = Path.GetFullPath(dataSource, workingDirectory);
        return Path.GetDirectoryName(full);
    }
}
