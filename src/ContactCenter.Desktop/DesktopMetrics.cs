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
        // Explicit buckets in seconds: the exporter's defaults (0, 5, 10, 25 ... 10000) suit milliseconds and would put
        // every pop in the first bucket.
        popLatency = meter.CreateHistogram<double>(
            "contactcenter.desktop.screen_pop.latency", "s",
            "From the CRM assembling a screen pop to the desktop pushing it to the agent's connections.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public void ScreenPopPushed(TimeSpan latency) => popLatency.Record(Math.Max(0, latency.TotalSeconds));
}
