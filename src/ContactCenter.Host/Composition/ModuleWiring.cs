using ContactCenter.Crm;
using ContactCenter.Desktop;
using ContactCenter.Host.Configuration;
using ContactCenter.Reporting;
using ContactCenter.Routing;
using ContactCenter.Telephony;
using MassTransit;

namespace ContactCenter.Host.Composition;

/// <summary>The one place that knows every module's entry points (DESIGN.md: AddXxx, MapXxx).</summary>
internal static class ModuleWiring
{
    public static void AddModules(IServiceCollection services, IConfiguration configuration, IReadOnlySet<Module> modules)
    {
        foreach (var module in Ordered(modules))
        {
            _ = module switch
            {
                Module.Telephony => services.AddTelephony(configuration),
                Module.Routing => services.AddRouting(configuration),
                Module.Crm => services.AddCrm(configuration),
                Module.Desktop => services.AddDesktop(configuration),
                Module.Reporting => services.AddReporting(configuration),
            };
        }
    }

    public static void AddConsumers(IBusRegistrationConfigurator bus, IReadOnlySet<Module> modules)
    {
        foreach (var module in Ordered(modules))
        {
            switch (module)
            {
                case Module.Telephony:
                    bus.AddTelephonyConsumers();
                    break;
                case Module.Routing:
                    bus.AddRoutingConsumers();
                    break;
                case Module.Crm:
                    bus.AddCrmConsumers();
                    break;
                case Module.Desktop:
                    bus.AddDesktopConsumers();
                    break;
                case Module.Reporting:
                    bus.AddReportingConsumers();
                    break;
                default:
                    throw new ConfigurationError("Services", $"unknown module {module}");
            }
        }
    }

    public static void MapModules(WebApplication app, IReadOnlySet<Module> modules)
    {
        foreach (var module in Ordered(modules))
        {
            switch (module)
            {
                case Module.Telephony:
                    app.MapTelephony();
                    break;
                case Module.Routing:
                    app.MapRouting();
                    break;
                case Module.Crm:
                    app.MapCrm();
                    break;
                case Module.Desktop:
                    app.MapDesktop();
                    break;
                case Module.Reporting:
                    app.MapReporting();
                    break;
                default:
                    throw new ConfigurationError("Services", $"unknown module {module}");
            }
        }
    }

    /// <summary>Creates or upgrades the databases of the modules that own tables.</summary>
    public static async Task MigrateAsync(IServiceProvider services, IReadOnlySet<Module> modules, CancellationToken cancellationToken)
    {
        if (modules.Contains(Module.Crm))
        {
            await services.MigrateCrmDatabaseAsync(cancellationToken);
        }

        if (modules.Contains(Module.Routing))
        {
            await services.MigrateRoutingDatabaseAsync(cancellationToken);
        }

        if (modules.Contains(Module.Reporting))
        {
            await services.MigrateReportingDatabaseAsync(cancellationToken);
        }
    }

    private static IEnumerable<Module> Ordered(IReadOnlySet<Module> modules) =>
        Enum.GetValues<Module>().Where(modules.Contains);
}
