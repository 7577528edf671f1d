using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using ContactCenter.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Reporting.Tests;

/// <summary>The database providers the reports' tests run on (SQL Server cannot run here).</summary>
public enum ReportsProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>The reports' store and reader on a fresh, migrated database: a SQLite file in a temp folder or a PostgreSQL database of its own.</summary>
internal sealed class TestReportsDatabase : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "reports-db-" + Guid.NewGuid().ToString("N"));
    private TestPostgres? _postgres;

    private TestReportsDatabase(ReportsProvider provider, ReportQueues queues)
    {
        Provider = provider;
        Queues = queues;
        Directory.CreateDirectory(_folder);
    }

    public ReportsProvider Provider { get; }

    public ReportQueues Queues { get; }

    public ReportingDatabase Database { get; private set; } = null!;

    public ReportStore Store { get; private set; } = null!;

    public ReportReader Reader { get; private set; } = null!;

    public string ConnectionString => _postgres?.ConnectionString ?? $"Data Source={Path.Combine(_folder, "reports.db")}";

    public static async Task<TestReportsDatabase> CreateAsync(ReportsProvider provider, ReportQueues queues)
    {
        var db = new TestReportsDatabase(provider, queues);
        try
        {
            if (provider == ReportsProvider.PostgreSql)
            {
                db._postgres = await TestPostgres.CreateAsync(create: false);
            }
            db.Database = new ReportingDatabase(provider.ToString(), db.ConnectionString);
            await db.Database.MigrateAsync(CancellationToken.None);
            db.Store = new ReportStore(db.Database, queues, NullLogger<ReportStore>.Instance);
            db.Reader = new ReportReader(db.Database, queues);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another store on the same database (a second process, or the rebuild command's).</summary>
    public ReportStore AnotherStore() => new(new ReportingDatabase(Provider.ToString(), ConnectionString), Queues, NullLogger<ReportStore>.Instance);

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
