using BenchmarkDotNet.Attributes;

namespace ContactCenter.Crm.Benchmarks;

/// <summary>Customer-360 by phone: EF Core path vs the hand-written one-round-trip baseline (BenchmarkDotNet).</summary>
[MemoryDiagnoser]
public class Customer360Benchmarks
{
    private BenchmarkEnvironment env = null!;
    private AdoCustomer360 ado = null!;
    private AdoCustomer360 adoPerCall = null!;
    private string[] phones = [];
    private int next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        env = await BenchmarkEnvironment.CreateAsync();
        ado = new AdoCustomer360(env.ConnectionString, 10);
        adoPerCall = new AdoCustomer360(env.ConnectionString, 10, reuseCommand: false);
        var rnd = new Random(11);
        phones = [.. Enumerable.Range(0, 4096).Select(_ => BenchmarkData.PhoneOf(rnd.Next(env.Customers)))];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        ado.Dispose();
        adoPerCall.Dispose();
        await env.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "ADO.NET one round trip")]
    public async Task<Guid?> Ado() => (await ado.ByPhoneAsync(phones[next++ & 4095], BenchmarkData.Now))?.Customer.Id;

    [Benchmark(Description = "ADO.NET one round trip, command per lookup")]
    public async Task<Guid?> AdoPerCall() => (await adoPerCall.ByPhoneAsync(phones[next++ & 4095], BenchmarkData.Now))?.Customer.Id;

    [Benchmark(Description = "EF Core Customer360Query")]
    public async Task<Guid?> Ef() => (await env.EfByPhoneAsync(phones[next++ & 4095]))?.Customer.Id;
}

/// <summary>Interaction ingestion: one call's six events through the recorder, per event.</summary>
[MemoryDiagnoser]
public class IngestionBenchmarks
{
    private BenchmarkEnvironment env = null!;
    private int n;

    [GlobalSetup]
    public async Task SetupAsync() => env = await BenchmarkEnvironment.CreateAsync();

    [GlobalCleanup]
    public async Task CleanupAsync() => await env.DisposeAsync();

    [Benchmark(OperationsPerInvoke = 6, Description = "call event recorded")]
    public Task RecordCall() =>
        LatencyReport.RecordCallAsync(env, Guid.NewGuid(), BenchmarkData.PhoneOf(n++ % env.Customers), BenchmarkData.Now.AddSeconds(n));
}
