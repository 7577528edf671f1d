using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using MassTransit;

namespace ContactCenter.Routing.Service;

/// <summary>Every routing consumer shares one endpoint (<c>routing</c>) so that one active instance owns the engine.</summary>
internal sealed class RoutingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    public const string EndpointQueue = "routing";

    /// <summary>
    /// Messages in flight on the endpoint. Each consumer only hands its input to the actor and waits for the effects to be
    /// confirmed, so many can wait at once and the actor journals them under one fsync; RabbitMQ's default prefetch on two
    /// cores (4) would cap routing at 4 inputs per confirm round trip.
    /// </summary>
    public const int Concurrency = 128;

    public RoutingConsumerDefinition()
    {
        EndpointName = EndpointQueue;
        ConcurrentMessageLimit = Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(100, 500, 2000));
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // Active/standby: RabbitMQ delivers to one consumer of the queue; a standby takes over when it goes away.
            rabbit.SingleActiveConsumer = true;
            rabbit.PrefetchCount = Concurrency;
        }
    }
}

internal sealed class CallQueuedConsumer(RoutingActor actor) : IConsumer<CallQueued>
{
    public Task Consume(ConsumeContext<CallQueued> context)
    {
        var m = context.Message;
        return actor.Submit(new QueueCall(m.CallId, m.Queue, m.Caller, m.GatewayId, m.IvrPath, m.Skills, m.Priority, m.Tier, m.CustomerId,
            m.PreferredAgentId, m.IsCallback, m.QueuedAt), context.CancellationToken);
    }
}

internal sealed class CallerIdentifiedConsumer(RoutingActor actor) : IConsumer<CallerIdentified>
{
    public Task Consume(ConsumeContext<CallerIdentified> context)
    {
        var m = context.Message;
        return actor.Submit(new UpdateCaller(m.CallId, m.Tier, m.Language, m.PreferredAgentId), context.CancellationToken);
    }
}

internal sealed class AgentNoAnswerConsumer(RoutingActor actor) : IConsumer<AgentNoAnswer>
{
    public Task Consume(ConsumeContext<AgentNoAnswer> context) =>
        actor.Submit(new RingNoAnswer(context.Message.CallId, context.Message.AgentId, context.Message.Reason), context.CancellationToken);
}

internal sealed class CallConnectedConsumer(RoutingActor actor) : IConsumer<CallConnected>
{
    public Task Consume(ConsumeContext<CallConnected> context) =>
        actor.Submit(new ConnectCall(context.Message.CallId, context.Message.AgentId), context.CancellationToken);
}

internal sealed class CallEndedConsumer(RoutingActor actor) : IConsumer<CallEnded>
{
    public Task Consume(ConsumeContext<CallEnded> context)
    {
        var m = context.Message;
        return actor.Submit(new EndCall(m.CallId, m.AgentId, m.Outcome, m.EndedBy, m.Reason), context.CancellationToken);
    }
}

internal sealed class CallHeartbeatConsumer(RoutingActor actor) : IConsumer<CallHeartbeat>
{
    public Task Consume(ConsumeContext<CallHeartbeat> context) =>
        actor.Submit(new GatewayHeartbeat(context.Message.GatewayId, context.Message.LiveCalls, context.Message.Interval), context.CancellationToken);
}

internal sealed class SetAgentStateConsumer(RoutingActor actor) : IConsumer<SetAgentState>
{
    public Task Consume(ConsumeContext<SetAgentState> context)
    {
        var m = context.Message;
        return actor.Submit(new ChangeAgentState(m.AgentId, m.State, m.Reason, m.RequestedBy), context.CancellationToken);
    }
}

internal sealed class CompleteWrapUpConsumer(RoutingActor actor) : IConsumer<CompleteWrapUp>
{
    public Task Consume(ConsumeContext<CompleteWrapUp> context) =>
        actor.Submit(new FinishWrapUp(context.Message.CallId, context.Message.AgentId), context.CancellationToken);
}

internal sealed class AgentProfileChangedConsumer(RoutingActor actor) : IConsumer<AgentProfileChanged>
{
    public Task Consume(ConsumeContext<AgentProfileChanged> context) =>
        actor.Submit(new UpsertAgent(context.Message.Profile), context.CancellationToken);
}

internal sealed class CallTransferredConsumer(RoutingActor actor) : IConsumer<CallTransferred>
{
    public Task Consume(ConsumeContext<CallTransferred> context)
    {
        var m = context.Message;
        var requeue = new QueueCall(m.CallId, m.Queue, m.Caller, m.GatewayId, m.IvrPath, m.Skills, m.Priority, m.Tier, m.CustomerId,
            m.TargetAgentId, IsCallback: false, QueuedAt: m.OccurredAt);
        return actor.Submit(new TransferCall(m.CallId, m.AgentId, requeue), context.CancellationToken);
    }
}
