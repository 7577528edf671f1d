using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using ContactCenter.Reporting.Record;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting;

/// <summary>
/// The reports module: the event record taken from the bus, the 15-minute aggregates kept with it, the reports API under
/// <c>/api/reports</c> (supervisors; an agent's own figures at <c>/api/reports/me</c>) and its OpenAPI document
/// <c>/openapi/reports.json</c>.
/// </summary>
public static class ReportingModule
{
    internal const string OpenApiDocument = "reports";

    /// <summary>Registers the reports' database (Database:Provider; ConnectionStrings:Reporting, else :ContactCenter), options, writer and API services.</summary>
    public static IServiceCollection AddReporting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ReportingOptions>()
            .Bind(configuration.GetSection("Reporting"))
            .PostConfigure<IServiceProvider>((o, sp) =>
            {
                o.QueuesFile = FindQueuesFile(
                    o.QueuesFile ?? Path.Combine(configuration["Telephony:ConfigPath"] ?? "telephony-config", "queues.yaml"),
                    sp.GetService<IHostEnvironment>()?.ContentRootPath);
                o.DatabaseProvider = configuration["Database:Provider"] is { Length: > 0 } provider ? provider.Trim() : "Sqlite";
                o.ConnectionString = configuration.GetConnectionString("Reporting") is { Length: > 0 } own ? own
                    : configuration.GetConnectionString("ContactCenter") is { Length: > 0 } shared ? shared
                    : o.DatabaseProvider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase) ? "Data Source=" + Path.Combine("data", "contactcenter.db") : null;
                o.ConnectionStringKey = configuration.GetConnectionString("Reporting") is { Length: > 0 }
                    ? "ConnectionStrings:Reporting" : "ConnectionStrings:ContactCenter";
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportingOptions>, ReportingOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ReportingOptions>>().Value;
            return new ReportingDatabase(o.DatabaseProvider, o.ConnectionString!);
        });
        services.AddSingleton(sp => ReportQueues.LoadFile(sp.GetRequiredService<IOptions<ReportingOptions>>().Value.QueuesFile!));
        services.AddSingleton<ReportStore>();
        services.AddSingleton<EventWriter>();
        services.AddSingleton<ReportReader>();
        services.AddHostedService<ReportingService>();
        services.AddHealthChecks().AddCheck<ReportingHealthCheck>("reporting-database", tags: ["ready"]);
        services.AddProblemDetails();
        services.AddOpenApi(OpenApiDocument, o => o.ShouldInclude = d => d.GroupName == OpenApiDocument);
        return services;
    }

    /// <summary>Registers the consumer that records the reports' events (endpoint <c>reporting</c>).</summary>
    public static void AddReportingConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<ReportingConsumer, ReportingConsumerDefinition>();
    }

    /// <summary>Maps <c>/api/reports/...</c> and the OpenAPI document <c>/openapi/reports.json</c>.</summary>
    public static IEndpointRouteBuilder MapReporting(this IEndpointRouteBuilder app)
    {
        ReportsApi.Map(app);
        app.MapOpenApi("/openapi/{documentName:regex(^reports$)}.json");
        return app;
    }

    /// <summary>Creates or upgrades the reports' tables. Throws <see cref="InvalidOperationException"/> naming the connection string's key.</summary>
    public static async Task MigrateReportingDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<ReportingOptions>>().Value;
        try
        {
            await services.GetRequiredService<ReportingDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OptionsValidationException)
        {
            throw new InvalidOperationException(
                $"{options.ConnectionStringKey}: cannot open or migrate the reports' tables in the {options.DatabaseProvider} database: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Rebuilds every aggregate and folded row from the event record alone (the host's <c>reports-rebuild</c> verb); returns the
    /// number of events read.
    /// </summary>
    public static Task<int> RebuildReportsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<ReportStore>().RebuildAsync(cancellationToken);
    }

    /// <summary>A relative queues file is looked for from the working folder, then the content root and each folder above it (as routing does).</summary>
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
}

/// <summary>Ready when the reports' database answers.</summary>
internal sealed class ReportingHealthCheck(ReportingDatabase database, ILogger<ReportingHealthCheck> log) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = database.CreateContext();
            return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the reports' database does not answer");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogDebug(ex, "Reports' database check failed");
            return HealthCheckResult.Unhealthy("the reports' database does not answer: " + ex.Message);
        }
    }
}
