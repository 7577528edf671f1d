using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Routing.Service.Database;

/// <summary>Creates routing's contexts for the configured provider (<c>Database:Provider</c>, <c>ConnectionStrings:Routing</c>).</summary>
internal sealed class RoutingDatabase
{
    private readonly DbContextOptions? _sqlite;
    private readonly DbContextOptions? _sqlServer;

    public RoutingDatabase(string provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        if (IsSqlServer)
        {
            _sqlServer = new DbContextOptionsBuilder<SqlServerRoutingDbContext>()
                .UseSqlServer(connectionString, o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
                .Options;
        }
        else
        {
            _sqlite = new DbContextOptionsBuilder<SqliteRoutingDbContext>()
                .UseSqlite(connectionString, o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
                .Options;
        }
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public bool IsSqlServer => string.Equals(Provider, "SqlServer", StringComparison.OrdinalIgnoreCase);

    /// <summary>A short-lived context (one per batch, lease poll or renewal); the connection pool keeps connections open.</summary>
    public RoutingDbContext Create() => IsSqlServer
        ? new SqlServerRoutingDbContext((DbContextOptions<SqlServerRoutingDbContext>)_sqlServer!)
        : new SqliteRoutingDbContext((DbContextOptions<SqliteRoutingDbContext>)_sqlite!);

    /// <summary>Creates or upgrades routing's tables (its own migrations history table beside the CRM's).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (!IsSqlServer)
        {
            var file = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            if (!string.Equals(file, ":memory:", StringComparison.Ordinal) && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }
        await using var db = Create();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (!IsSqlServer)
        {
            // Readers (a standby polling the lease) never wait for the writer; a writer waits (busy timeout) instead of failing.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }
}
