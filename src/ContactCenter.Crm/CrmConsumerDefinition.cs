using MassTransit;

namespace ContactCenter.Crm;

/// <summary>
/// Endpoint policy shared by the CRM's consumers: a <c>crm-</c> endpoint name (so no other
/// module's consumer shares its queue), retries for transient database errors, bounded concurrency.
/// </summary>
internal abstract class CrmConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected CrmConsumerDefinition(string endpointName, int concurrency)
    {
        EndpointName = endpointName;
        ConcurrentMessageLimit = concurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 1000, 5000));
        if (ConcurrentMessageLimit is { } limit)
        {
            // As many deliveries as may be in flight (RabbitMQ's default prefetch is 4 on two cores).
            endpointConfigurator.PrefetchCount = limit;
        }
    }
}
