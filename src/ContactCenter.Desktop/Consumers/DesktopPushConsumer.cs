using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.State;
using MassTransit;
using Microsoft.AspNetCore.SignalR;

namespace ContactCenter.Desktop.Consumers;

/// <summary>
/// Turns call, presence and queue events into pushes to the agents' desktops and the boards.
/// Idempotent: <see cref="DesktopState"/> says whether an event changed anything, and a
/// redelivered or stale event pushes nothing.
/// </summary>
internal sealed class DesktopPushConsumer(
    DesktopState desktop,
    GatewaySurges surges,
    IHubContext<AgentHub, IAgentClient> agents,
    IHubContext<BoardHub, IBoardClient> boards,
    DesktopMetrics metrics,
    TimeProvider time) :
    IConsumer<ScreenPopReady>,
    IConsumer<AgentReserved>,
    IConsumer<CallConnected>,
    IConsumer<CallEnded>,
    IConsumer<CallTransferred>,
    IConsumer<AgentStateChanged>,
    IConsumer<QueueStatistics>,
    IConsumer<OutboundCallRefused>,
    IConsumer<OfferAccepted>,
    IConsumer<OfferWithdrawn>,
    IConsumer<GatewayOverload>
{
    public async Task Consume(ConsumeContext<GatewayOverload> context)
    {
        if (surges.OnReport(context.Message) is { } view)
        {
            await boards.Clients.All.GatewayOverload(view);
        }
    }

    public async Task Consume(ConsumeContext<OfferAccepted> context)
    {
        var m = context.Message;
        var (work, call, pop) = desktop.OnOfferAccepted(m);
        var agent = agents.Clients.Group(HubGroups.Agent(m.AgentId));
        if (work is not null)
        {
            await agent.WorkItemChanged(work);
        }

        if (call is not null)
        {
            await agent.CallStateChanged(call);
        }

        if (pop is not null)
        {
            await agent.ScreenPop(pop);
        }
    }

    public async Task Consume(ConsumeContext<OfferWithdrawn> context)
    {
        if (desktop.OnOfferWithdrawn(context.Message) is { } work)
        {
            await agents.Clients.Group(HubGroups.Agent(work.AgentId)).WorkItemChanged(work);
        }
    }

    public async Task Consume(ConsumeContext<OutboundCallRefused> context)
    {
        var m = context.Message;
        if (desktop.OnOutboundRefused(m) is { } call)
        {
            var agent = agents.Clients.Group(HubGroups.Agent(m.AgentId));
            await agent.OutboundCallRefused(new OutboundRefusedView(m.CallId, m.Number, m.Reason));
            await agent.CallStateChanged(call);
        }
    }

    public async Task Consume(ConsumeContext<ScreenPopReady> context)
    {
        var m = context.Message;
        if (m.Offer != OfferKind.None)
        {
            // The 360 of an offer (a voicemail, a preview callback) goes on its card, not on a ringing call.
            if (desktop.OnOfferPop(m) is { } work)
            {
                await agents.Clients.Group(HubGroups.Agent(m.AgentId)).WorkItemChanged(work);
                metrics.ScreenPopPushed(time.GetUtcNow() - m.OccurredAt);
            }

            return;
        }

        var (pop, call) = desktop.OnScreenPop(m);
        var agent = agents.Clients.Group(HubGroups.Agent(m.AgentId));
        if (call is not null)
        {
            await agent.CallStateChanged(call);
        }

        if (pop is not null)
        {
            await agent.ScreenPop(pop);
            metrics.ScreenPopPushed(time.GetUtcNow() - m.OccurredAt);
        }
    }

    public async Task Consume(ConsumeContext<AgentReserved> context)
    {
        if (context.Message.Offer != OfferKind.None)
        {
            if (desktop.OnOffered(context.Message) is { } work)
            {
                await agents.Clients.Group(HubGroups.Agent(work.AgentId)).WorkItemChanged(work);
            }

            return;
        }

        if (desktop.OnReserved(context.Message) is { } call)
        {
            await agents.Clients.Group(HubGroups.Agent(call.AgentId)).CallStateChanged(call);
        }
    }

    public async Task Consume(ConsumeContext<CallConnected> context)
    {
        if (desktop.OnConnected(context.Message) is { } call)
        {
            await agents.Clients.Group(HubGroups.Agent(call.AgentId)).CallStateChanged(call);
        }
    }

    public async Task Consume(ConsumeContext<CallEnded> context)
    {
        if (desktop.OnEnded(context.Message) is { } call)
        {
            await agents.Clients.Group(HubGroups.Agent(call.AgentId)).CallStateChanged(call);
        }

        if (desktop.OnCallbackEnded(context.Message) is { } givenUp)
        {
            await boards.Clients.All.CallbacksGivenUp([givenUp]);
        }
    }

    public async Task Consume(ConsumeContext<CallTransferred> context)
    {
        if (desktop.OnTransferred(context.Message) is { } call)
        {
            await agents.Clients.Group(HubGroups.Agent(call.AgentId)).CallStateChanged(call);
        }
    }

    public async Task Consume(ConsumeContext<AgentStateChanged> context)
    {
        var (state, call) = desktop.OnAgentState(context.Message);
        if (state is null)
        {
            return;
        }

        var agent = agents.Clients.Group(HubGroups.Agent(state.AgentId));
        await agent.AgentStateChanged(state);
        if (call is not null)
        {
            await agent.CallStateChanged(call);
        }

        await boards.Clients.All.AgentStates([state]);
    }

    public async Task Consume(ConsumeContext<QueueStatistics> context)
    {
        foreach (var view in desktop.OnQueueStatistics(context.Message))
        {
            await boards.Clients.All.QueueStatistics(view);
        }
    }
}

/// <summary>Retry and concurrency for the desktop's endpoint.</summary>
internal sealed class DesktopPushConsumerDefinition : ConsumerDefinition<DesktopPushConsumer>
{
    /// <summary>
    /// Pushes in flight: about nine events per call reach this endpoint, so at 100 calls/s over RabbitMQ 16 in flight
    /// (each waiting for a core and its acknowledgement) let the screen pops queue up for a second. Order between them
    /// does not matter: <see cref="DesktopState"/> drops stale events.
    /// </summary>
    private const int Concurrency = 64;

    public DesktopPushConsumerDefinition()
    {
        ConcurrentMessageLimit = Concurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DesktopPushConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 200, 1000));
        // As many deliveries as may be in flight (RabbitMQ's default prefetch is 4 on two cores).
        endpointConfigurator.PrefetchCount = Concurrency;
    }
}
