using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ContactCenter.Host.Composition;

/// <summary>OpenTelemetry metrics, scraped by Prometheus at <c>/metrics</c>.</summary>
internal static class TelemetrySetup
{
    public static IServiceCollection AddContactCenterTelemetry(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("contactcenter"))
            .WithMetrics(metrics => metrics
                .AddMeter("ContactCenter.*")
                .AddMeter("MassTransit")
                .AddAspNetCoreInstrumentation()
                .AddMeter("System.Runtime")
                .AddPrometheusExporter());
        return services;
    }
}
