using ContactCenter.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Gateway;

/// <summary>Routing asks this gateway to ring an agent for one of its calls.</summary>
internal sealed class ConnectCallToAgentConsumer(SipGateway gateway, ILogger<ConnectCallToAgentConsumer> logger) : IConsumer<ConnectCallToAgent>
{
    public async Task Consume(ConsumeContext<ConnectCallToAgent> context)
    {
        var command = context.Message;
        if (gateway.Find(command.CallId) is { } call)
        {
            call.ConnectAgent(command);
            return;
        }

        if (command.IsCallback)
        {
            // A callback has no caller's leg: the gateway places it now (or drops a repeat of one already placed).
            gateway.PlaceCallback(command);
            return;
        }

        // The call is gone (caller hung up; routing has or will have its CallEnded). Tell routing
        // the agent was not rung, so the reservation ends at once instead of at its ring timeout.
        logger.LogInformation("ConnectCallToAgent for unknown call {CallId}; releasing {Agent}", command.CallId, command.AgentId);
        await context.Publish(new AgentNoAnswer
        {
            CallId = command.CallId,
            AgentId = command.AgentId,
            Reason = "call no longer on this gateway",
            OccurredAt = context.SentTime is { } sent ? new DateTimeOffset(sent, TimeSpan.Zero) : command.OccurredAt,
        });
    }
}

/// <summary>Routing accepted an agent's outbound call (click to dial): place it.</summary>
internal sealed class ConnectOutboundCallConsumer(SipGateway gateway) : IConsumer<ConnectOutboundCall>
{
    public Task Consume(ConsumeContext<ConnectOutboundCall> context) => gateway.PlaceOutboundAsync(context.Message);
}

/// <summary>Routing (a partition just active) asks for the live calls now: a heartbeat at once.</summary>
internal sealed class ReportLiveCallsConsumer(SipGateway gateway, IOptions<GatewayOptions> options) : IConsumer<ReportLiveCalls>
{
    public Task Consume(ConsumeContext<ReportLiveCalls> context) =>
        context.Message.GatewayId is { } asked && !string.Equals(asked, options.Value.GatewayId, StringComparison.Ordinal)
            ? Task.CompletedTask
            : gateway.PublishHeartbeatAsync();
}

/// <summary>Routing takes a waiting call out of its queue (overflow, callback, queue full).</summary>
internal sealed class DivertQueuedCallConsumer(SipGateway gateway) : IConsumer<DivertQueuedCall>
{
    public async Task Consume(ConsumeContext<DivertQueuedCall> context)
    {
        if (gateway.Find(context.Message.CallId) is { } call)
        {
            call.Divert(context.Message);
            return;
        }

        // Not a call held here: a callback handed to routing that it refused (queue full, no agents) is owed again later.
        await gateway.OnCallbackRefusedAsync(context.Message);
    }
}

/// <summary>Queue figures for position and estimated-wait announcements.</summary>
internal sealed class QueueStatisticsConsumer(SipGateway gateway) : IConsumer<QueueStatistics>
{
    public Task Consume(ConsumeContext<QueueStatistics> context)
    {
        gateway.OnQueueStatistics(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every gateway consumer listens on this instance's own endpoint, <c>telephony-{GatewayId}</c>:
/// commands for its calls are sent there, and each instance gets its own copy of the events it needs.
/// </summary>
internal sealed class GatewayConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    public GatewayConsumerDefinition(IOptions<GatewayOptions> options)
    {
        EndpointName = options.Value.EndpointName;
        ConcurrentMessageLimit = 64;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(100, 500, 1000));
        // As many deliveries as may be in flight (RabbitMQ's default prefetch is 4 on two cores).
        endpointConfigurator.PrefetchCount = 64;
    }
}
