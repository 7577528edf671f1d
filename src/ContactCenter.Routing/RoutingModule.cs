using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Service;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ContactCenter.Routing;

/// <summary>Entry points the host composes: services, bus consumers, HTTP endpoints.</summary>
public static class RoutingModule
{
    /// <summary>Registers the routing service: queue configuration (validated at start), the engine's actor, journal recovery, profile loading.</summary>
    public static IServiceCollection AddRouting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RoutingOptions>()
            .BindConfiguration("Routing")
            .PostConfigure<IServiceProvider>((o, sp) => o.QueuesFile = FindQueuesFile(
                o.QueuesFile ?? Path.Combine(configuration["Telephony:ConfigPath"] ?? "telephony-config", "queues.yaml"),
                sp.GetService<IHostEnvironment>()?.ContentRootPath))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddSingleton<IValidateOptions<RoutingOptions>, QueueFileValidator>();
        services.AddSingleton(sp => QueueConfigLoader.LoadFile(sp.GetRequiredService<IOptions<RoutingOptions>>().Value.QueuesFile!));
        services.AddMetrics();
        services.AddSingleton<RoutingMetrics>();
        services.AddSingleton<RoutingActor>();
        services.AddHostedService<RoutingHostedService>();
        return services;
    }

    /// <summary>
    /// A relative queues file is looked for from the working folder, then from the content root and each folder above
    /// it, as the telephony config folder is, so both modules read the same telephony-config whichever folder the
    /// host was started from. Not found: the path as given, for the validator's message.
    /// </summary>
    private static string FindQueuesFile(string path, string? contentRoot)
    {
        if (Path.IsPathRooted(path) || File.Exists(path) || contentRoot is null)
        {
            return path;
        }

        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return path;
    }

    /// <summary>Registers routing's consumers (one <c>routing</c> endpoint, single active consumer on RabbitMQ) and its request client.</summary>
    public static void AddRoutingConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<CallQueuedConsumer, RoutingConsumerDefinition<CallQueuedConsumer>>();
        bus.AddConsumer<CallerIdentifiedConsumer, RoutingConsumerDefinition<CallerIdentifiedConsumer>>();
        bus.AddConsumer<AgentNoAnswerConsumer, RoutingConsumerDefinition<AgentNoAnswerConsumer>>();
        bus.AddConsumer<CallConnectedConsumer, RoutingConsumerDefinition<CallConnectedConsumer>>();
        bus.AddConsumer<CallEndedConsumer, RoutingConsumerDefinition<CallEndedConsumer>>();
        bus.AddConsumer<CallTransferredConsumer, RoutingConsumerDefinition<CallTransferredConsumer>>();
        bus.AddConsumer<CallHeartbeatConsumer, RoutingConsumerDefinition<CallHeartbeatConsumer>>();
        bus.AddConsumer<SetAgentStateConsumer, RoutingConsumerDefinition<SetAgentStateConsumer>>();
        bus.AddConsumer<CompleteWrapUpConsumer, RoutingConsumerDefinition<CompleteWrapUpConsumer>>();
        bus.AddConsumer<AgentProfileChangedConsumer, RoutingConsumerDefinition<AgentProfileChangedConsumer>>();
        bus.AddRequestClient<GetAgentProfiles>();
    }

    /// <summary>Maps <c>/api/routing/decisions</c> (supervisor), <c>/api/routing/agents</c> and <c>/api/routing/queues</c> (agent).</summary>
    public static IEndpointRouteBuilder MapRouting(this IEndpointRouteBuilder app)
    {
        RoutingApi.Map(app);
        return app;
    }
}

/// <summary>Validates queues.yaml at start so a bad file stops start-up with file, line and field.</summary>
internal sealed class QueueFileValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.QueuesFile) || !File.Exists(options.QueuesFile))
        {
            return ValidateOptionsResult.Skip;
        }
        try
        {
            QueueConfigLoader.LoadFile(options.QueuesFile);
            return ValidateOptionsResult.Success;
        }
        catch (RoutingConfigurationException ex)
        {
            return ValidateOptionsResult.Fail($"Routing:QueuesFile: {ex.Message}");
        }
    }
}
