using System.Diagnostics;
using System.Globalization;
using ContactCenter.Sip.Fuzzing;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>≥ 1,000,000-input mutation fuzz run over the torture corpora.</summary>
internal static class FuzzMode
{
    public static int Run(string[] args)
    {
        var inputs = 1_000_000L;
        var corpora = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/corpora"));
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--inputs":
                    inputs = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--corpora":
                    corpora = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }
        if (!Directory.Exists(corpora))
        {
            Console.Error.WriteLine($"corpora folder not found: {corpora} (use --corpora)");
            return 2;
        }
        var fuzzer = new SipMutationFuzzer(SipMutationFuzzer.LoadSeeds(corpora), Environment.TickCount);
        var sw = Stopwatch.StartNew();
        const long Chunk = 100_000;
        for (long done = 0; done < inputs; done += Chunk)
        {
            fuzzer.Run(Math.Min(Chunk, inputs - done));
            Console.WriteLine($"{fuzzer.Inputs:N0} inputs, {fuzzer.Parsed:N0} parsed, {fuzzer.Rejected:N0} rejected, {sw.Elapsed.TotalSeconds:F1}s, managed heap {GC.GetTotalMemory(false) / 1_048_576} MiB");
        }
        Console.WriteLine($"OK: {fuzzer.Inputs:N0} inputs, no exception, no hang ({sw.Elapsed.TotalSeconds:F1}s)");
        return 0;
    }
}
