using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>The CRM's real services (AddCrm) over the benchmark database.</summary>
internal sealed class BenchmarkEnvironment : IAsyncDisposable
{
    public const int FullCustomers = 100_000;
    public const int FullInteractions = 1_000_000;
    public const int FullCases = 200_000;

    private BenchmarkEnvironment(ServiceProvider services, string connectionString, int customers)
    {
        Services = services;
        ConnectionString = connectionString;
        Customers = customers;
    }

    public ServiceProvider Services { get; }

    public string ConnectionString { get; }

    public int Customers { get; }

    /// <summary>Scale 1 is the size; 10 is a tenth of it. CRM_BENCH_SCALE overrides.</summary>
    public static int ScaleDivisor => int.TryParse(Environment.GetEnvironmentVariable("CRM_BENCH_SCALE"), out var s) && s > 0 ? s : 1;

    public static async Task<BenchmarkEnvironment> CreateAsync(Action<ILoggingBuilder>? logging = null)
    {
        var divisor = ScaleDivisor;
        var customers = FullCustomers / divisor;
        var path = Path.Combine(Path.GetTempPath(), "crm-bench", $"crm-{divisor}.db");
        var connectionString = await BenchmarkData.EnsureAsync(path, customers, FullInteractions / divisor, FullCases / divisor);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ContactCenter"] = connectionString,
            ["Auth:SigningKey"] = "benchmark-signing-key-0123456789-abcdefghij",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning);
            logging?.Invoke(b);
        });
        services.AddSingleton<TimeProvider>(new FixedTime());
        services.AddCrm(configuration);
        return new BenchmarkEnvironment(services.BuildServiceProvider(), connectionString, customers);
    }

    public async Task<Customer360?> EfByPhoneAsync(string e164)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Customer360Query>().ByPhoneAsync(e164, Guid.Empty, CancellationToken.None);
    }

    public InteractionRecorder Recorder(IServiceScope scope) => scope.ServiceProvider.GetRequiredService<InteractionRecorder>();

    public CrmDbContext Db(IServiceScope scope) => scope.ServiceProvider.GetRequiredService<CrmDbContext>();

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>The benchmark's clock stands at <see cref="BenchmarkData.Now"/>, so both paths judge SLAs at the same instant.</summary>
internal sealed class FixedTime : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => BenchmarkData.Now;
}
