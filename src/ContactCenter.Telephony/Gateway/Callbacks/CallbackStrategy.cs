using ContactCenter.Contracts;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Dialling;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Callbacks;

/// <summary>
/// A callback attempt: routing reserved the agent (<see cref="ConnectCallToAgent"/> with IsCallback); every attempt is in the
/// <see cref="CallbackLedger"/>, one that did not reach the customer is retried while the queue's attempts last, and an agent
/// who does not answer is a missed ring like any other (<see cref="AgentNoAnswer"/>: routing gives the callback to the next
/// agent), not a used attempt.
/// </summary>
internal sealed class CallbackStrategy(GatewayContext gateway, CallbackLedger ledger, ConnectCallToAgent command, CallbackAttempt attempt, ILogger logger)
    : IDialStrategy
{
    private readonly QueueCallbackSettings settings = gateway.Config.CallbackSettings(command.Queue);
    private bool begun;

    public string Kind => "Callback";
    public CallDirection Direction => CallDirection.Callback;
    public Guid CallId => command.CallId;
    public string AgentId => command.AgentId;
    public PhoneKind Phone => command.Phone;
    public DateTimeOffset ReservedAt => command.OccurredAt;
    public string? RawNumber => command.Caller;
    public string? Queue => command.Queue;
    public string? IvrPath => command.IvrPath;
    public TimeSpan AgentRingTimeout => command.RingTimeout;
    public TimeSpan CustomerNoAnswer => settings.NoAnswer;
    public bool Record => command.Record;
    public string Tag => "cb";
    public string AgentDisplayName => "Callback";

    public IReadOnlyList<KeyValuePair<string, string>> AgentHeaders(string number) =>
    [
        new("X-ContactCenter-Call", CallId.ToString()),
        new("X-ContactCenter-Queue", command.Queue),
        new("X-ContactCenter-Callback", number),
    ];

    public async Task BeginAsync()
    {
        await ledger.BeginAsync(attempt, Template());
        begun = true;
    }

    public async Task OnConnectAgainAsync(ConnectCallToAgent again)
    {
        if (!string.Equals(again.AgentId, command.AgentId, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Callback {CallId}: asked to ring {Agent} while placing it with {Current}", CallId, again.AgentId, command.AgentId);
            await PublishNoAnswerAsync(again.AgentId, "the callback is already being placed with another agent");
        }
        // The same command again (a redelivery): nothing changes twice.
    }

    public async Task AgentNotReachedAsync(string reason)
    {
        if (begun)
        {
            // Not an attempt on the customer: the same call id may be reserved again, so it is not marked done.
            await ledger.AbandonAsync(attempt);
        }

        await PublishNoAnswerAsync(command.AgentId, reason);
        logger.LogInformation("Callback {CallId}: {Agent} not reached ({Reason}); back to routing", CallId, command.AgentId, reason);
    }

    public async Task<AttemptEnd> FinishAsync(CallOutcome outcome, string reason, bool reachedCustomer, bool retryNow, bool permanent, DateTimeOffset now)
    {
        DateTimeOffset? retryAt = null;
        if (!reachedCustomer && !permanent)
        {
            if (retryNow)
            {
                retryAt = now;
            }
            else if (attempt.Attempt < settings.Attempts)
            {
                retryAt = now + settings.RetryAfter;
            }
        }

        var next = begun ? await ledger.FinishAsync(attempt, Template(), retryAt) : null;
        var summary = next is not null
            ? $"attempt {next.Attempt} due at {retryAt:O} as {next.CallId}"
            : reachedCustomer ? "promise kept" : $"promise given up after attempt {attempt.Attempt} of {settings.Attempts}";
        return new AttemptEnd(attempt.Attempt, next is null ? null : retryAt, summary);
    }

    /// <summary>What a retry is queued as: the same queue, number and wait as this attempt.</summary>
    private CallQueued Template() => new()
    {
        CallId = CallId,
        Queue = command.Queue,
        Caller = command.Caller ?? "",
        GatewayId = gateway.Options.GatewayId,
        IvrPath = command.IvrPath ?? "",
        IsCallback = true,
        CallbackNumber = command.Caller,
        CallbackOf = attempt.Origin,
        Attempt = attempt.Attempt,
        QueuedAt = command.QueuedAt ?? command.OccurredAt,
        OccurredAt = command.OccurredAt,
    };

    private Task PublishNoAnswerAsync(string agentId, string reason) =>
        gateway.Bus.Publish(new AgentNoAnswer
        {
            CallId = CallId,
            AgentId = agentId,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
}
