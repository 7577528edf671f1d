using System.Diagnostics.Metrics;

namespace ContactCenter.Desktop;

/// <summary>The desktop's instruments (meter <c>ContactCenter.Desktop</c>).</summary>
internal sealed class DesktopMetrics
{
    public const string MeterName = "ContactCenter.Desktop";

    private readonly Histogram<double> popLatency;

    public DesktopMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        popLatency = meter.CreateHistogram<double>(
            "contactcenter.desktop.screen_pop.latency", "s",
            "From the CRM assembling a screen pop to the desktop pushing it to the agent's connections.");
    }

    public void ScreenPopPushed(TimeSpan latency) => popLatency.Record(Math.Max(0, latency.TotalSeconds));
}
