using ContactCenter.Crm.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Crm.Tests;

/// <summary>The CRM's services without a web host, on a fresh SQLite file in a temp folder.</summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "crm-db-" + Guid.NewGuid().ToString("N"));

    internal TestDatabase(Dictionary<string, string?> settings)
    {
        Directory.CreateDirectory(folder);
        Services = Build(settings);
    }

    /// <summary>The CRM's services of a second process on the same database file (its own writer, caches and pools).</summary>
    public ServiceProvider AnotherProcess() => Build([]);

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:ContactCenter"] = $"Data Source={FilePath}",
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

    public static async Task<TestDatabase> CreateAsync(bool seed = false, Dictionary<string, string?>? settings = null)
    {
        var db = new TestDatabase(new Dictionary<string, string?>(settings ?? []) { ["Demo:Seed"] = seed ? "true" : "false" });
        await db.Services.MigrateCrmDatabaseAsync(CancellationToken.None);
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
