using ContactCenter.Contracts;
using MassTransit;

namespace ContactCenter.Crm.Interactions;

internal sealed class RecordCallReceivedConsumer(InteractionRecorder recorder) : IConsumer<CallReceived>
{
    public Task Consume(ConsumeContext<CallReceived> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordCallQueuedConsumer(InteractionRecorder recorder) : IConsumer<CallQueued>
{
    public Task Consume(ConsumeContext<CallQueued> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordVoicemailConsumer(InteractionRecorder recorder) : IConsumer<VoicemailRecorded>
{
    public Task Consume(ConsumeContext<VoicemailRecorded> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordAgentReservedConsumer(InteractionRecorder recorder) : IConsumer<AgentReserved>
{
    public Task Consume(ConsumeContext<AgentReserved> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordOfferAcceptedConsumer(InteractionRecorder recorder) : IConsumer<OfferAccepted>
{
    public Task Consume(ConsumeContext<OfferAccepted> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordCallConnectedConsumer(InteractionRecorder recorder) : IConsumer<CallConnected>
{
    public Task Consume(ConsumeContext<CallConnected> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordCallEndedConsumer(InteractionRecorder recorder) : IConsumer<CallEnded>
{
    public Task Consume(ConsumeContext<CallEnded> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordCallTakenOverConsumer(InteractionRecorder recorder) : IConsumer<CallTakenOver>
{
    public Task Consume(ConsumeContext<CallTakenOver> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordWrapUpConsumer(InteractionRecorder recorder) : IConsumer<CompleteWrapUp>
{
    public Task Consume(ConsumeContext<CompleteWrapUp> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

internal sealed class RecordOutboundCallConsumer(InteractionRecorder recorder) : IConsumer<PlaceOutboundCall>, IConsumer<OutboundCallRefused>
{
    public Task Consume(ConsumeContext<PlaceOutboundCall> context) => recorder.RecordAsync(context.Message, context.CancellationToken);

    public Task Consume(ConsumeContext<OutboundCallRefused> context) => recorder.RecordAsync(context.Message, context.CancellationToken);
}

/// <summary>All interaction recording on one endpoint, <c>crm-interactions</c>.</summary>
internal static class InteractionEndpoint
{
    public const string Name = "crm-interactions";

    /// <summary>
    /// Messages in flight: each consumer only hands its event to the <see cref="InteractionWriter"/> and waits for the
    /// commit (up to the linger), holding no thread, so many must wait at once for the writer to batch them.
    /// </summary>
    public const int Concurrency = 256;
}

internal sealed class RecordCallReceivedDefinition() : CrmConsumerDefinition<RecordCallReceivedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordCallQueuedDefinition() : CrmConsumerDefinition<RecordCallQueuedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordVoicemailDefinition() : CrmConsumerDefinition<RecordVoicemailConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordAgentReservedDefinition() : CrmConsumerDefinition<RecordAgentReservedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordOfferAcceptedDefinition() : CrmConsumerDefinition<RecordOfferAcceptedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordCallConnectedDefinition() : CrmConsumerDefinition<RecordCallConnectedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordCallTakenOverDefinition() : CrmConsumerDefinition<RecordCallTakenOverConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordCallEndedDefinition() : CrmConsumerDefinition<RecordCallEndedConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordOutboundCallDefinition() : CrmConsumerDefinition<RecordOutboundCallConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);

internal sealed class RecordWrapUpDefinition() : CrmConsumerDefinition<RecordWrapUpConsumer>(InteractionEndpoint.Name, InteractionEndpoint.Concurrency);
