using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using MassTransit;

namespace ContactCenter.Routing.Service;

/// <summary>
/// Routing's consumers for one partition's endpoint (<c>routing</c> for the default partition, <c>routing-{partition}</c> for the
/// others). Every input is published, so every partition's endpoint gets every message: a queued call of another partition's
/// queue is acknowledged and left here; the rest is sorted by the partition's gate on the actor's thread
/// (<see cref="PartitionGate"/>). One instance per partition, shared by concurrent deliveries: it only hands inputs to the
/// partition's current actor and waits for their effects to be confirmed.
/// </summary>
internal sealed class PartitionConsumer(RoutingPartition partition) :
    IConsumer<CallQueued>,
    IConsumer<CallerIdentified>,
    IConsumer<AgentNoAnswer>,
    IConsumer<CallConnected>,
    IConsumer<CallEnded>,
    IConsumer<CallTransferred>,
    IConsumer<CallTakenOver>,
    IConsumer<CallHeartbeat>,
    IConsumer<SetAgentState>,
    IConsumer<CompleteWrapUp>,
    IConsumer<AgentProfileChanged>,
    IConsumer<PlaceOutboundCall>,
    IConsumer<AcceptOffer>,
    IConsumer<DeclineOffer>
{
    /// <summary>
    /// Messages in flight on the endpoint. Each consumer only hands its input to the actor and waits for the effects to be
    /// confirmed, so many can wait at once and the actor journals them under one commit; RabbitMQ's default prefetch on two
    /// cores (4) would cap routing at 4 inputs per confirm round trip.
    /// </summary>
    public const int Concurrency = 128;

    /// <summary>Retry, concurrency and single active consumer for a partition's endpoint.</summary>
    public static void ConfigureEndpoint(IReceiveEndpointConfigurator endpoint, RoutingPartition partition)
    {
        endpoint.ConcurrentMessageLimit = Concurrency;
        // Retries are for a journal that failed a commit. A partition that stops being active here never fails a message:
        // RoutingPartition.Submit waits for the next term or for the endpoint stopping, which cancels the delivery and returns
        // the message to the queue for the active instance.
        endpoint.UseMessageRetry(r => r.Intervals(100, 500, 2000));
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // Belt and braces: only the lease holder connects this endpoint, and RabbitMQ also delivers to one consumer only
            // (a deposed instance that has not noticed yet keeps the queue until its appends fail on the fencing token).
            rabbit.SingleActiveConsumer = true;
            rabbit.PrefetchCount = Concurrency;
        }
        endpoint.Instance(new PartitionConsumer(partition));
    }

    public Task Consume(ConsumeContext<CallQueued> context)
    {
        var m = context.Message;
        if (!partition.OwnsQueue(m.Queue))
        {
            return Task.CompletedTask;
        }
        // A voicemail (a message, not a callback) is a work item: offered on a desktop, no phone leg.
        return partition.Submit(new QueueCall(m.CallId, m.Queue, m.Caller, m.GatewayId, m.IvrPath, m.Skills, m.Priority, m.Tier, m.CustomerId,
            m.PreferredAgentId, m.IsCallback, m.QueuedAt, IsWorkItem: m.VoicemailPath is not null && !m.IsCallback), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<CallerIdentified> context)
    {
        var m = context.Message;
        return partition.Submit(new UpdateCaller(m.CallId, m.Tier, m.Language, m.PreferredAgentId), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<AgentNoAnswer> context) =>
        partition.Submit(new RingNoAnswer(context.Message.CallId, context.Message.AgentId, context.Message.Reason), context.CancellationToken);

    public Task Consume(ConsumeContext<CallConnected> context) =>
        partition.Submit(new ConnectCall(context.Message.CallId, context.Message.AgentId), context.CancellationToken);

    public Task Consume(ConsumeContext<CallEnded> context)
    {
        var m = context.Message;
        return partition.Submit(new EndCall(m.CallId, m.AgentId, m.Outcome, m.EndedBy, m.Reason), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<CallTransferred> context)
    {
        var m = context.Message;
        var requeue = new QueueCall(m.CallId, m.Queue, m.Caller, m.GatewayId, m.IvrPath, m.Skills, m.Priority, m.Tier, m.CustomerId,
            m.TargetAgentId, IsCallback: false, QueuedAt: m.OccurredAt);
        return partition.Submit(new TransferCall(m.CallId, m.AgentId, requeue), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<CallTakenOver> context) =>
        partition.Submit(new TakeOverCall(context.Message.CallId, context.Message.AgentId, context.Message.SupervisorId), context.CancellationToken);

    public Task Consume(ConsumeContext<CallHeartbeat> context) =>
        partition.Submit(new GatewayHeartbeat(context.Message.GatewayId, context.Message.LiveCalls, context.Message.Interval), context.CancellationToken);

    public Task Consume(ConsumeContext<SetAgentState> context)
    {
        var m = context.Message;
        return partition.Submit(new ChangeAgentState(m.AgentId, m.State, m.Reason, m.RequestedBy), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<CompleteWrapUp> context) =>
        partition.Submit(new FinishWrapUp(context.Message.CallId, context.Message.AgentId), context.CancellationToken);

    public Task Consume(ConsumeContext<PlaceOutboundCall> context)
    {
        var m = context.Message;
        return partition.Submit(new StartOutbound(m.CallId, m.AgentId, m.Number, m.CustomerId, partition.OutboundGatewayId, m.WorkItemId), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<AcceptOffer> context) =>
        partition.Submit(new TakeOffer(context.Message.CallId, context.Message.AgentId), context.CancellationToken);

    public Task Consume(ConsumeContext<DeclineOffer> context) =>
        partition.Submit(new SkipOffer(context.Message.CallId, context.Message.AgentId, context.Message.Reason ?? ""), context.CancellationToken);

    public Task Consume(ConsumeContext<AgentProfileChanged> context) =>
        partition.Submit(new UpsertAgent(context.Message.Profile), context.CancellationToken);
}
