using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>
/// Samples the runtime's GC AllocationTick events (one per ~100 KB allocated) by type, to show where a
/// call's bytes go: <c>uas --alloc-profile</c> prints the top types every report.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> bytesByType = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }
        var typeIndex = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        var amountIndex = eventData.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }
        var type = eventData.Payload[typeIndex] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        bytesByType.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public string Top(int n)
    {
        var total = bytesByType.Values.Sum();
        return string.Join('\n', bytesByType.OrderByDescending(kv => kv.Value).Take(n)
            .Select(kv => $"  {kv.Value * 100.0 / Math.Max(1, total),5:0.0}%  {kv.Key}"));
    }
}
