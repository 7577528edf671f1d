using ContactCenter.Contracts;
using MassTransit;

namespace ContactCenter.Reporting.Record;

/// <summary>
/// Takes every event the reports need from the bus into the record (<see cref="RecordedEvent"/> says which columns hold
/// what). One endpoint, <c>reporting</c>, so that several reporting processes share the work; consumers only hand the event to
/// the <see cref="EventWriter"/> and wait for its commit.
/// </summary>
internal sealed class ReportingConsumer(EventWriter writer) :
    IConsumer<CallReceived>,
    IConsumer<CallerIdentified>,
    IConsumer<CallQueued>,
    IConsumer<AgentReserved>,
    IConsumer<AgentNoAnswer>,
    IConsumer<CallConnected>,
    IConsumer<CallLeftQueue>,
    IConsumer<CallTransferred>,
    IConsumer<CallEnded>,
    IConsumer<CallHandled>,
    IConsumer<AgentStateChanged>,
    IConsumer<VoicemailRecorded>
{
    public Task Consume(ConsumeContext<CallReceived> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallerIdentified> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallQueued> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<AgentReserved> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<AgentNoAnswer> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallConnected> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallLeftQueue> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallTransferred> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallEnded> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<CallHandled> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<AgentStateChanged> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);

    public Task Consume(ConsumeContext<VoicemailRecorded> context) => writer.RecordAsync(RecordedEvent.From(context.Message), context.CancellationToken);
}

/// <summary>The <c>reporting</c> endpoint: many deliveries in flight (they wait together for one commit), retries for a failed commit.</summary>
internal sealed class ReportingConsumerDefinition : ConsumerDefinition<ReportingConsumer>
{
    public const int Concurrency = 256;

    public ReportingConsumerDefinition()
    {
        EndpointName = "reporting";
        ConcurrentMessageLimit = Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ReportingConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(100, 500, 2000, 5000));
        endpointConfigurator.PrefetchCount = Concurrency;
    }
}
