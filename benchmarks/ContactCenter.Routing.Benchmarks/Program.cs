using BenchmarkDotNet.Running;
using ContactCenter.Routing.Benchmarks;

if (args.Length > 0 && args[0] == "--latency")
{
    LatencyProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
