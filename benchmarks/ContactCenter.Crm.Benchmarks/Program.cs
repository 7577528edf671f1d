using BenchmarkDotNet.Running;
using ContactCenter.Crm.Benchmarks;

// `latency [lookups] [calls]`: p50/p99 of the customer-360 (EF vs ADO.NET) and ingestion rate;
// `explain`: the EF path's SQL and SQLite's plans of both paths; anything else goes to BenchmarkDotNet. CRM_BENCH_SCALE=10 runs at a tenth of the size.
if (args.Length > 0 && args[0] == "latency")
{
    var lookups = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    var calls = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
    await LatencyReport.RunAsync(lookups, calls);
    return;
}

if (args.Length > 0 && args[0] == "explain")
{
    await Explain.RunAsync();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
