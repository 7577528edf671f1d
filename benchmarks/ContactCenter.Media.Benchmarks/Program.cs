using BenchmarkDotNet.Running;
using ContactCenter.Media.Benchmarks;

if (args.Length > 0 && args[0] == "gen")
{
    return Generator.Run(args);
}

if (args.Length > 0 && args[0] is "relay" or "ivr" or "pacing")
{
    return await LoadTests.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
