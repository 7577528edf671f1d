using ContactCenter.Crm.Data;
using ContactCenter.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Crm.Tests;

/// <summary>The database providers the CRM's tests run on (SQL Server cannot run here: its migration script is checked instead).</summary>
public enum CrmProvider
{
    /// <summary>A fresh SQLite file in a temp folder (the embedded default).</summary>
    Sqlite,

    /// <summary>A fresh database of its own on the test run's PostgreSQL server (<c>CC_TEST_POSTGRES</c>).</summary>
    PostgreSql,
}

/// <summary>The CRM's services without a web host, on a fresh database: a SQLite file in a temp folder or a PostgreSQL database.</summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "crm-db-" + Guid.NewGuid().ToString("N"));
    private readonly TestPostgres? postgres;

    private TestDatabase(CrmProvider provider, TestPostgres? postgres, Dictionary<string, string?> settings)
    {
        Provider = provider;
        this.postgres = postgres;
        Directory.CreateDirectory(folder);
        Services = Build(settings);
    }

    internal TestDatabase(Dictionary<string, string?> settings)
        : this(CrmProvider.Sqlite, null, settings)
    {
    }

    public CrmProvider Provider { get; }

    /// <summary>The database's connection string (<c>ConnectionStrings:ContactCenter</c>).</summary>
    public string ConnectionString => postgres?.ConnectionString ?? $"Data Source={FilePath}";

    /// <summary>The CRM's services of a second process on the same database (its own writer, caches and pools).</summary>
    public ServiceProvider AnotherProcess() => Build([]);

    /// <summary>A context of the provider's own type on this database, outside the services (with the interceptors given).</summary>
    public CrmDbContext NewContext(params IInterceptor[] interceptors) => Provider switch
    {
        CrmProvider.Sqlite => new SqliteCrmDbContext(new DbContextOptionsBuilder<SqliteCrmDbContext>()
            .UseSqlite(ConnectionString).AddInterceptors(interceptors).Options),
        CrmProvider.PostgreSql => new PostgreSqlCrmDbContext(new DbContextOptionsBuilder<PostgreSqlCrmDbContext>()
            .UseNpgsql(ConnectionString).AddInterceptors(interceptors).Options),
        _ => throw new ArgumentOutOfRangeException(nameof(interceptors)),
    };

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = Provider.ToString(),
                ["ConnectionStrings:ContactCenter"] = ConnectionString,
                ["Auth:SigningKey"] = CrmTestHost.SigningKey,
            })
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(Time);
        services.AddCrm(configuration);
        return services.BuildServiceProvider(validateScopes: true);
    }

    public string FilePath => Path.Combine(folder, "crm.db");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public ServiceProvider Services { get; }

    /// <summary>A fresh SQLite database, migrated (and seeded with the demo data when asked).</summary>
    public static Task<TestDatabase> CreateAsync(bool seed = false, Dictionary<string, string?>? settings = null) =>
        CreateAsync(CrmProvider.Sqlite, seed, settings);

    /// <summary>A fresh database of the provider, migrated (and seeded with the demo data when asked).</summary>
    public static async Task<TestDatabase> CreateAsync(CrmProvider provider, bool seed = false, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []) { ["Demo:Seed"] = seed ? "true" : "false" };
        // PostgreSQL: the migration creates the database, as the migrate job does on a fresh server.
        var postgres = provider == CrmProvider.PostgreSql ? await TestPostgres.CreateAsync(create: false) : null;
        var db = new TestDatabase(provider, postgres, all);
        try
        {
            await db.Services.MigrateCrmDatabaseAsync(CancellationToken.None);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
        return db;
    }

    public async Task<T> WithAsync<T>(Func<CrmDbContext, IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CrmDbContext>(), scope.ServiceProvider);
    }

    public Task WithAsync(Func<CrmDbContext, IServiceProvider, Task> action) =>
        WithAsync<bool>(async (db, sp) =>
        {
            await action(db, sp);
            return true;
        });

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>A database whose settings may be wrong: built but not migrated, so the test sees the error.</summary>
internal static class TestDatabaseWithout
{
    public static Task<TestDatabase> MigrationAsync(Dictionary<string, string?> settings) => Task.FromResult(new TestDatabase(settings));
}
