using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;

namespace ContactCenter.Desktop.State;

/// <summary>
/// The latest overload report of each telephony gateway, for the boards (a board that connects mid-surge sees the banner).
/// A report older than the one held (out of order, redelivered) changes nothing.
/// </summary>
internal sealed class GatewaySurges
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, GatewayOverloadView> latest = new(StringComparer.Ordinal);

    /// <summary>The view to push, or null when the report is stale.</summary>
    public GatewayOverloadView? OnReport(GatewayOverload report)
    {
        var view = new GatewayOverloadView(report.GatewayId, report.Overloaded, report.Reason, report.Refused, report.Since, report.OccurredAt);
        lock (gate)
        {
            if (latest.TryGetValue(report.GatewayId, out var held) && held.At > report.OccurredAt)
            {
                return null;
            }

            latest[report.GatewayId] = view;
            return view;
        }
    }

    /// <summary>Gateways refusing calls now.</summary>
    public IReadOnlyList<GatewayOverloadView> Overloaded()
    {
        lock (gate)
        {
            return [.. latest.Values.Where(v => v.Overloaded).OrderBy(v => v.GatewayId, StringComparer.Ordinal)];
        }
    }
}
