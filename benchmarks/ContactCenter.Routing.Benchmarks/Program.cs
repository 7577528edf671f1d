using BenchmarkDotNet.Running;
using ContactCenter.Routing.Benchmarks;

if (args.Length > 0 && args[0] == "--latency")
{
    LatencyProbe.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}
if (args.Length > 1 && args[0] == "--spin")
{
    Spin.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
