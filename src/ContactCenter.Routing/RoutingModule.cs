using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Service;
using ContactCenter.Routing.Service.Database;
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
            .PostConfigure<IServiceProvider>((o, sp) =>
            {
                o.QueuesFile = FindQueuesFile(
                    o.QueuesFile ?? Path.Combine(configuration["Telephony:ConfigPath"] ?? "telephony-config", "queues.yaml"),
                    sp.GetService<IHostEnvironment>()?.ContentRootPath);
                o.DatabaseProvider = configuration["Database:Provider"] is { Length: > 0 } provider ? provider.Trim() : "Sqlite";
                o.ConnectionString = configuration.GetConnectionString("Routing") is { Length: > 0 } own ? own
                    : configuration.GetConnectionString("ContactCenter") is { Length: > 0 } shared ? shared
                    : o.DatabaseProvider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase) ? "Data Source=" + Path.Combine("data", "contactcenter.db") : null;
                o.ConnectionStringKey = configuration.GetConnectionString("Routing") is { Length: > 0 }
                    ? "ConnectionStrings:Routing" : "ConnectionStrings:ContactCenter";
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddSingleton<IValidateOptions<RoutingOptions>, QueueFileValidator>();
        services.AddSingleton(sp => QueueConfigLoader.LoadFile(sp.GetRequiredService<IOptions<RoutingOptions>>().Value.QueuesFile!));
        services.AddMetrics();
        services.AddSingleton<RoutingMetrics>();
        services.AddSingleton<RoutingPartitions>();
        services.AddBusObserver<RoutingBusObserver>();
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

    /// <summary>
    /// Registers routing's request client. Its consumers are not registered here: each partition connects its own endpoint
    /// (<c>routing</c>, <c>routing-{partition}</c>; single active consumer on RabbitMQ) only while this process holds the
    /// partition's lease and its engine has replayed the journal (<see cref="RoutingPartition"/>).
    /// </summary>
    public static void AddRoutingConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddRequestClient<GetAgentProfiles>();
    }

    /// <summary>Creates or upgrades routing's tables when <c>Routing:JournalStore</c> is <c>Database</c> (nothing to do for files).</summary>
    public static async Task MigrateRoutingDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<RoutingOptions>>().Value;
        if (!options.UsesDatabase)
        {
            return;
        }
        try
        {
            await new RoutingDatabase(options.DatabaseProvider, options.ConnectionString!).MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OptionsValidationException)
        {
            throw new InvalidOperationException(
                $"{options.ConnectionStringKey}: cannot open or migrate routing's tables in the {options.DatabaseProvider} database: {ex.Message}", ex);
        }
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
            var config = QueueConfigLoader.LoadFile(options.QueuesFile);
            var known = config.Partitions();
            var unknown = options.ServedPartitions(config).Where(p => !known.Contains(p)).ToList();
            return unknown.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"Routing:Partitions: {string.Join(", ", unknown.Select(p => $"'{p}'"))} is not a partition of {options.QueuesFile} (its partitions: {string.Join(", ", known)})");
        }
        catch (RoutingConfigurationException ex)
        {
            return ValidateOptionsResult.Fail($"Routing:QueuesFile: {ex.Message}");
        }
    }
}
