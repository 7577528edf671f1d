using ContactCenter.Host.Configuration;
using MassTransit;

namespace ContactCenter.Host.Composition;

/// <summary>MassTransit for the whole process: the selected modules' consumers on one bus.</summary>
internal static class BusSetup
{
    public static IServiceCollection AddContactCenterBus(this IServiceCollection services, HostSettings settings)
    {
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            ModuleWiring.AddConsumers(bus, settings.Services);

            switch (settings.Transport)
            {
                case BusTransport.InMemory:
                    bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
                    break;
                case BusTransport.RabbitMq:
                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        var rabbit = settings.RabbitMq;
                        cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
                        {
                            h.Username(rabbit.Username);
                            h.Password(rabbit.Password);
                        });
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    throw new ConfigurationError("Bus:Transport", $"unsupported transport {settings.Transport}");
            }
        });

        // Start-up waits for the bus, and shutdown drains it: in-flight messages finish
        // before the process exits (Ctrl+C / SIGTERM).
        services.AddOptions<MassTransitHostOptions>().Configure(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(30);
            options.StopTimeout = TimeSpan.FromSeconds(25);
        });
        services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return services;
    }
}
