using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ContactCenter.Reporting.Data;

/// <summary>
/// Creates the reports' contexts for the configured provider (<c>Database:Provider</c>: Sqlite, SqlServer or PostgreSql;
/// <c>ConnectionStrings:Reporting</c>, else <c>ConnectionStrings:ContactCenter</c>), and says how its SQL differs.
/// </summary>
internal sealed class ReportingDatabase
{
    private readonly Func<ReportingDbContext> _create;

    public ReportingDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        if (IsSqlServer)
        {
            var options = new DbContextOptionsBuilder<SqlServerReportingDbContext>()
                .UseSqlServer(connectionString, o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable))
                .Options;
            _create = () => new SqlServerReportingDbContext(options);
            Dialect = SqlDialect.SqlServer;
        }
        else if (IsPostgreSql)
        {
            var options = new DbContextOptionsBuilder<PostgreSqlReportingDbContext>()
                .UseNpgsql(connectionString, o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable))
                .Options;
            _create = () => new PostgreSqlReportingDbContext(options);
            Dialect = SqlDialect.PostgreSql;
        }
        else
        {
            var options = new DbContextOptionsBuilder<SqliteReportingDbContext>()
                .UseSqlite(connectionString, o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable))
                .Options;
            _create = () => new SqliteReportingDbContext(options);
            Dialect = SqlDialect.Sqlite;
        }
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public SqlDialect Dialect { get; }

    public bool IsSqlServer => string.Equals(Provider, "SqlServer", StringComparison.OrdinalIgnoreCase);

    public bool IsPostgreSql => string.Equals(Provider, "PostgreSql", StringComparison.OrdinalIgnoreCase);

    public bool IsSqlite => !IsSqlServer && !IsPostgreSql;

    /// <summary>A short-lived context; the provider's connection pool keeps connections open.</summary>
    public ReportingDbContext CreateContext() => _create();

    /// <summary>Creates or upgrades the reports' tables (their own migrations history table beside the CRM's and routing's).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (IsSqlite)
        {
            var file = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            if (!string.Equals(file, ":memory:", StringComparison.Ordinal) && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }
        await using var db = CreateContext();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (IsSqlite)
        {
            // Readers (the reports API) never wait for the writer; a writer waits (busy timeout) instead of failing.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsKnownProvider(string? provider) =>
        provider is not null && (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase)
            || provider.Equals("SqlServer", StringComparison.OrdinalIgnoreCase)
            || provider.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase));

    /// <summary>What is wrong with a connection string for the provider, or null.</summary>
    public static string? CheckConnectionString(string provider, string connectionString)
    {
        try
        {
            DbConnectionStringBuilder builder = provider.ToUpperInvariant() switch
            {
                "SQLSERVER" => new SqlConnectionStringBuilder(connectionString),
                "POSTGRESQL" => new NpgsqlConnectionStringBuilder(connectionString),
                _ => new SqliteConnectionStringBuilder(connectionString),
            };
            return builder switch
            {
                SqliteConnectionStringBuilder sqlite when string.IsNullOrWhiteSpace(sqlite.DataSource) => "has no Data Source (the SQLite database file)",
                SqlConnectionStringBuilder sql when string.IsNullOrWhiteSpace(sql.DataSource) => "has no Server/Data Source (the SQL Server instance)",
                NpgsqlConnectionStringBuilder npgsql when string.IsNullOrWhiteSpace(npgsql.Host) => "has no Host (the PostgreSQL server)",
                _ => null,
            };
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return $"is not a valid {provider} connection string: {ex.Message}";
        }
    }
}
