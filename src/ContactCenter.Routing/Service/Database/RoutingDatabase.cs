using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Routing.Service.Database;

/// <summary>
/// Creates routing's contexts for the configured provider (<c>Database:Provider</c>: Sqlite, SqlServer or PostgreSql;
/// <c>ConnectionStrings:Routing</c>).
/// </summary>
internal sealed class RoutingDatabase
{
    private readonly Func<RoutingDbContext> _create;

    public RoutingDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        if (IsSqlServer)
        {
            var options = new DbContextOptionsBuilder<SqlServerRoutingDbContext>()
                .UseSqlServer(connectionString, o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
                .Options;
            _create = () => new SqlServerRoutingDbContext(options);
        }
        else if (IsPostgreSql)
        {
            var options = new DbContextOptionsBuilder<PostgreSqlRoutingDbContext>()
                .UseNpgsql(connectionString, o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
                .Options;
            _create = () => new PostgreSqlRoutingDbContext(options);
        }
        else
        {
            var options = new DbContextOptionsBuilder<SqliteRoutingDbContext>()
                .UseSqlite(connectionString, o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
                .Options;
            _create = () => new SqliteRoutingDbContext(options);
        }
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public bool IsSqlServer => string.Equals(Provider, "SqlServer", StringComparison.OrdinalIgnoreCase);

    public bool IsPostgreSql => string.Equals(Provider, "PostgreSql", StringComparison.OrdinalIgnoreCase);

    private bool IsSqlite => !IsSqlServer && !IsPostgreSql;

    /// <summary>A short-lived context (one per batch, lease poll or renewal); the connection pool keeps connections open.</summary>
    public RoutingDbContext Create() => _create();

    /// <summary>Creates or upgrades routing's tables (its own migrations history table beside the CRM's).</summary>
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
        await using var db = Create();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (IsSqlite)
        {
            // Readers (a standby polling the lease) never wait for the writer; a writer waits (busy timeout) instead of failing.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }
}
