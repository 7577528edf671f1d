using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.Monitoring;
using ContactCenter.Desktop.State;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ContactCenter.Desktop.Consumers;

/// <summary>
/// Supervisors in calls (issue 18): each step goes to every board (the buttons show who is in which call), and to the
/// agent's desktop only when <see cref="MonitoringOptions.AgentSeesMonitoring"/> is on; a take-over moves the agent's
/// call into wrap-up on their desktop.
/// </summary>
internal sealed class MonitoringPushConsumer(
    DesktopState desktop,
    IHubContext<AgentHub, IAgentClient> agents,
    IHubContext<BoardHub, IBoardClient> boards,
    IOptions<MonitoringOptions> options) : IConsumer<MonitoringChanged>, IConsumer<CallTakenOver>
{
    public async Task Consume(ConsumeContext<MonitoringChanged> context)
    {
        var view = MonitoringView.From(context.Message);
        await boards.Clients.All.MonitoringChanged(view);
        if (options.Value.AgentSeesMonitoring && view.Phase != MonitoringPhase.Refused && view.Phase != MonitoringPhase.Ringing)
        {
            await agents.Clients.Group(HubGroups.Agent(view.AgentId)).MonitoringChanged(view);
        }
    }

    public async Task Consume(ConsumeContext<CallTakenOver> context)
    {
        if (desktop.OnTakenOver(context.Message) is { } call)
        {
            await agents.Clients.Group(HubGroups.Agent(call.AgentId)).CallStateChanged(call);
        }
    }
}

internal sealed class MonitoringPushConsumerDefinition : ConsumerDefinition<MonitoringPushConsumer>
{
    public MonitoringPushConsumerDefinition()
    {
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<MonitoringPushConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 1000));
    }
}
