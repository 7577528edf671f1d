using System.Text.Json;
using System.Text.Json.Serialization;
using ContactCenter.Desktop.Consumers;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.State;
using ContactCenter.Desktop.Web;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ContactCenter.Desktop;

/// <summary>Registers and maps the agent desktop and the supervisor queue board.</summary>
public static class DesktopModule
{
    /// <summary>The meter the desktop's instruments are on (screen-pop latency).</summary>
    public const string MeterName = DesktopMetrics.MeterName;

    /// <summary>
    /// SignalR with camelCase JSON (enums as camelCase strings), the <c>sub</c>-claim user id,
    /// the in-memory call/pop/state store used for reconnect resync, and the embedded UI.
    /// Authentication and the <c>agent</c>/<c>supervisor</c> policies are the host's.
    /// </summary>
    public static IServiceCollection AddDesktop(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<DesktopMetrics>();
        services.TryAddSingleton<DesktopState>();
        services.TryAddSingleton<GatewaySurges>();
        services.TryAddSingleton<DesktopAssets>();
        services.AddOptions<Monitoring.MonitoringOptions>().BindConfiguration(Monitoring.MonitoringOptions.SectionName);
        services.AddSingleton<IUserIdProvider, SubUserIdProvider>();
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024)
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
                o.PayloadSerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            });
        return services;
    }

    /// <summary>
    /// The consumer that pushes call, presence and queue events to the hubs. Its endpoint is
    /// per process and temporary (<c>desktop-push-{instance}</c>, auto-deleted on RabbitMQ):
    /// every Desktop instance gets its own copy of every event and pushes to its own
    /// connections, so several instances need no SignalR backplane.
    /// </summary>
    public static void AddDesktopConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var instance = NewId.NextGuid().ToString("N")[..12];
        bus.AddConsumer<DesktopPushConsumer, DesktopPushConsumerDefinition>()
            .Endpoint(e =>
            {
                e.InstanceId = instance;
                e.Temporary = true;
            });
        bus.AddConsumer<MonitoringPushConsumer, MonitoringPushConsumerDefinition>()
            .Endpoint(e =>
            {
                e.InstanceId = instance;
                e.Temporary = true;
            });
    }

    /// <summary>
    /// <c>/hubs/agent</c> (policy <c>agent</c>), <c>/hubs/board</c> (policy <c>supervisor</c>),
    /// the pages <c>/</c> (sign-in), <c>/agent</c>, <c>/board</c> and their assets under <c>/desktop/</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapDesktop(this IEndpointRouteBuilder app)
    {
        app.MapHub<AgentHub>("/hubs/agent").RequireAuthorization("agent");
        app.MapHub<BoardHub>("/hubs/board").RequireAuthorization("supervisor");
        DesktopPages.Map(app);
        return app;
    }
}
