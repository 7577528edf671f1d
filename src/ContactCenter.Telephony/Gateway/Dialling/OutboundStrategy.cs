using ContactCenter.Contracts;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Dialling;

/// <summary>
/// An agent's outbound call (click to dial, <see cref="ConnectOutboundCall"/>): one attempt, no ledger, no retries. Whatever
/// happens, including the agent's own phone not answering, ends with one <see cref="CallEnded"/> (<see cref="CallDirection.Outbound"/>)
/// that routing, the desktop and the CRM's history all follow.
/// </summary>
internal sealed class OutboundStrategy(GatewayContext gateway, ConnectOutboundCall command, ILogger logger) : IDialStrategy
{
    public string Kind => "Outbound";
    public CallDirection Direction => CallDirection.Outbound;
    public Guid CallId => command.CallId;
    public string AgentId => command.AgentId;
    /// <summary>The agent placed the call from the desktop: whichever of their phones is registered rings (ConnectOutboundCall names none).</summary>
    public PhoneKind Phone => PhoneKind.Both;
    public DateTimeOffset ReservedAt => command.OccurredAt;
    public string? RawNumber => command.Number;
    public string? Queue => null;
    public string? IvrPath => null;
    public TimeSpan AgentRingTimeout => command.RingTimeout;
    public TimeSpan CustomerNoAnswer => gateway.Options.OutboundNoAnswer;
    public bool Record => false;
    public string Tag => "ob";
    public string AgentDisplayName => "Outbound";

    public IReadOnlyList<KeyValuePair<string, string>> AgentHeaders(string number) =>
    [
        new("X-ContactCenter-Call", CallId.ToString()),
        new("X-ContactCenter-Outbound", number),
    ];

    public Task BeginAsync() => Task.CompletedTask;

    public Task OnConnectAgainAsync(ConnectCallToAgent again)
    {
        logger.LogWarning("Outbound {CallId}: ConnectCallToAgent for {Agent} ignored (an agent's own call)", CallId, again.AgentId);
        return Task.CompletedTask;
    }

    public async Task AgentNotReachedAsync(string reason)
    {
        await gateway.Bus.Publish(new CallEnded
        {
            CallId = CallId,
            AgentId = command.AgentId,
            Outcome = CallOutcome.NoAnswer,
            EndedBy = CallParty.Agent,
            Reason = $"agent's phone not reached ({reason}); {command.Number} was not dialled",
            Direction = CallDirection.Outbound,
            Dialled = command.Number,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallEnded(CallOutcome.NoAnswer);
        logger.LogInformation("Outbound {CallId}: {Agent} not reached ({Reason}); {Number} not dialled", CallId, command.AgentId, reason, command.Number);
    }

    public Task<AttemptEnd> FinishAsync(CallOutcome outcome, string reason, bool reachedCustomer, bool retryNow, bool permanent, DateTimeOffset now) =>
        Task.FromResult(new AttemptEnd(0, null, "no retry (an agent's outbound call)"));
}
