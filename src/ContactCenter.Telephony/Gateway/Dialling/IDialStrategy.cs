using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Gateway.Dialling;

/// <summary>
/// What differs between the calls an <see cref="AgentFirstSession"/> places (a callback, an agent's outbound call): what the
/// agent's phone shows, the customer's no-answer time, and above all what happens around the attempt (a callback's ledger and
/// retries, a missed ring given back to routing; nothing of the sort for an outbound call).
/// </summary>
internal interface IDialStrategy
{
    /// <summary>For logs: "Callback", "Outbound".</summary>
    string Kind { get; }
    CallDirection Direction { get; }
    Guid CallId { get; }
    string AgentId { get; }
    /// <summary>Which of the agent's registered phones may be rung (the directory's phone kind).</summary>
    PhoneKind Phone { get; }
    /// <summary>When routing reserved the agent for this call (the start of "agent free to customer ringing").</summary>
    DateTimeOffset ReservedAt { get; }
    /// <summary>The number as routing or the desktop gave it (normalised by the session).</summary>
    string? RawNumber { get; }
    /// <summary>The queue named in CallConnected/CallEnded (empty or null when none).</summary>
    string? Queue { get; }
    string? IvrPath { get; }
    TimeSpan AgentRingTimeout { get; }
    /// <summary>How long the customer's phone rings before the attempt ends as no answer.</summary>
    TimeSpan CustomerNoAnswer { get; }
    bool Record { get; }
    /// <summary>Suffix of the legs' media ids and of the recording's file name.</summary>
    string Tag { get; }
    /// <summary>The display name the agent's phone shows (the number is the From user).</summary>
    string AgentDisplayName { get; }
    /// <summary>Extra headers of the INVITE to the agent's phone.</summary>
    IReadOnlyList<KeyValuePair<string, string>> AgentHeaders(string number);

    /// <summary>The attempt begins (before anything is dialled).</summary>
    Task BeginAsync();

    /// <summary>The agent's phone could not be reached (not registered, no answer, no media port): end without dialling the customer.</summary>
    Task AgentNotReachedAsync(string reason);

    /// <summary>
    /// The attempt is over (the legs are released): returns what the <see cref="CallEnded"/> says of retries and what to log.
    /// </summary>
    Task<AttemptEnd> FinishAsync(CallOutcome outcome, string reason, bool reachedCustomer, bool retryNow, bool permanent, DateTimeOffset now);

    /// <summary>Routing asks again to ring an agent for this call.</summary>
    Task OnConnectAgainAsync(ConnectCallToAgent again);
}

/// <summary>What a finished attempt reports: its number, when the next is due (null: none), and a line for the log.</summary>
internal readonly record struct AttemptEnd(int Attempt, DateTimeOffset? RetryAt, string Summary);
