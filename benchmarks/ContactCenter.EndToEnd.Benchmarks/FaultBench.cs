using System.Globalization;
using ContactCenter.Testing.Topology;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>
/// ./bench.sh faults (issue #15): the production topology of tests/Shared/Topology (private RabbitMQ and PostgreSQL, CRM,
/// routing active + standby, two gateways, two desktops, separate processes) under steady load through IVR → queue → agent →
/// talk → BYE, every fault in turn; per fault: calls lost, double-assigned, history missing, agents stuck, time to full service.
/// Options: --rate N calls/s over both gateways (default 50), --hold-ms N (caller stays N ms after the answer; default 4000),
/// --agents N (default 300), --after N (seconds of load after full service is back; default 5), --faults "name;name".
/// </summary>
internal static class FaultBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        var rate = double.Parse(Get("--rate") ?? "50", CultureInfo.InvariantCulture);
        var holdMs = int.Parse(Get("--hold-ms") ?? "4000", CultureInfo.InvariantCulture);
        var agents = int.Parse(Get("--agents") ?? "300", CultureInfo.InvariantCulture);
        var after = TimeSpan.FromSeconds(double.Parse(Get("--after") ?? "5", CultureInfo.InvariantCulture));
        var faults = Get("--faults") is { } names ? [.. names.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(FaultDrill.Find)] : Fault.All;
        var work = Directory.CreateTempSubdirectory("cc-faults-bench-").FullName;
        static void Say(string line) => Console.WriteLine($"{TimeProvider.System.GetUtcNow().ToString("HH:mm:ss.f", CultureInfo.InvariantCulture)} {line}");
        Say($"fault bench: {rate} calls/s, hold {holdMs} ms, {agents} agents; work folder {work}; load {FaultDrill.Load()}");
        var outcomes = new List<FaultOutcome>();
        await using (var topology = await ContactCenterTopology.StartAsync(work, "Warning", null, Say))
        await using (var drill = await FaultDrill.StartAsync(topology, agents, Say))
        {
            foreach (var fault in faults)
            {
                try
                {
                    outcomes.Add(await drill.RunAsync(fault, rate, holdMs, after));
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
                {
                    Say($"{fault.Name}: {e.Message}");
                }

                // The next fault starts from a whole topology: every module ready, every agent Available.
                await drill.Agents.WaitAllAvailableAsync(TimeSpan.FromSeconds(60));
            }

            Say("module problems (fail/crit), last per module:\n" + topology.Problems(5));
        }

        Console.WriteLine();
        Console.WriteLine($"## faults at {rate} calls/s (hold {holdMs} ms, {agents} agents); load now {FaultDrill.Load()}");
        Console.WriteLine("| fault | placed | answered | refused | lost | on killed gateway | double-assigned | history missing / not ended | agents stuck | time to full service |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var o in outcomes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Fault} | {o.Placed} | {o.Answered} | {o.Refused} | {o.Lost} | {(o.LiveOnKilledGateway >= 0 ? o.OnKilledGateway.ToString(CultureInfo.InvariantCulture) : "-")} | {o.DoubleAssigned.Count} | {o.HistoryMissing.Count} / {o.HistoryNotEnded.Count} | {o.Stuck.Count} | {(o.TimeToFullService is { } t ? $"{t.TotalSeconds:F1} s" : "not restored")} |"));
        }

        return outcomes.Count == faults.Count && outcomes.TrueForAll(o => o.Clean) ? 0 : 1;
    }
}
