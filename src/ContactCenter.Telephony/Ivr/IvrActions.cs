using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Ivr;

/// <summary>What the call session must do; the output of <see cref="IvrSession.Handle"/>, to be carried out in order.</summary>
internal abstract record IvrAction;

/// <summary>
/// Play these prompt files in order, replacing whatever is playing. When <paramref name="BargeIn"/>, a key press
/// stops it (the engine then emits <see cref="StopPlayback"/> itself). <paramref name="Loop"/> repeats the
/// sequence until replaced or stopped (hold music) and never sends <see cref="PromptFinished"/>.
/// </summary>
internal sealed record PlayPrompts(long PlayId, IReadOnlyList<PromptFile> Prompts, bool BargeIn, bool Loop) : IvrAction;

/// <summary>One prompt: its name (e.g. <c>digits/4</c>) and the absolute path of its 8 kHz WAV file.</summary>
internal sealed record PromptFile(string Name, string Path);

/// <summary>Stop whatever is playing now (no <see cref="PromptFinished"/> follows).</summary>
internal sealed record StopPlayback : IvrAction;

/// <summary>
/// Digits are wanted now: make sure DTMF (RFC 4733, INFO, in-band) reaches the engine as <see cref="DigitPressed"/>.
/// The engine itself applies length, terminator and timeouts; the figures are informative (e.g. for an in-band detector).
/// </summary>
internal sealed record StartDigitCollection(int MinDigits, int MaxDigits, char? Terminator, TimeSpan FirstDigitTimeout, TimeSpan InterDigitTimeout) : IvrAction;

/// <summary>Digits are no longer wanted.</summary>
internal sealed record StopDigitCollection : IvrAction;

/// <summary>Call <see cref="IvrSession.Handle"/> with <see cref="TimerFired"/>(<paramref name="TimerId"/>) after <paramref name="Delay"/>.</summary>
internal sealed record StartTimer(long TimerId, TimeSpan Delay) : IvrAction;

/// <summary>Drop the timer with this id (firing it anyway is harmless: the engine ignores stale timers).</summary>
internal sealed record CancelTimer(long TimerId) : IvrAction;

/// <summary>Ask the CRM who this is: by calling number (<paramref name="Ani"/>) or by keyed-in account number. Answer with <see cref="CallerLookupCompleted"/>.</summary>
internal sealed record LookUpCaller(long RequestId, string? Ani, string? AccountNumber) : IvrAction
{
    /// <summary>The bus request for this action (answered with CallerIdentified).</summary>
    public IdentifyCaller ToRequest(Guid callId, DateTimeOffset now) =>
        new() { CallId = callId, Caller = Ani, AccountNumber = AccountNumber, OccurredAt = now };
}

/// <summary>
/// Ask the CRM for a case's status: the keyed-in <paramref name="CaseNumber"/>, or (when null) the latest case of
/// the customer (<paramref name="CustomerId"/>, else the one owning <paramref name="Ani"/>). Answer with <see cref="CaseStatusLookupCompleted"/>.
/// </summary>
internal sealed record LookUpCaseStatus(long RequestId, Guid? CustomerId, string Ani, string? CaseNumber) : IvrAction
{
    /// <summary>The bus request for this action (answered with CaseStatusResult).</summary>
    public GetCaseStatus ToRequest(Guid callId, DateTimeOffset now) =>
        new() { CallId = callId, CustomerId = CustomerId, Caller = Ani, CaseNumber = CaseNumber, OccurredAt = now };
}

/// <summary>
/// Hand the call to routing (publish <c>CallQueued</c>, see <see cref="ToCallQueued"/>). With <see cref="IsCallback"/>
/// the caller took a callback: the queued entry becomes a virtual call that keeps <see cref="QueuedAt"/>, and a
/// <see cref="HangUp"/> follows after the confirmation prompt.
/// </summary>
internal sealed record QueueCall : IvrAction
{
    public required string Queue { get; init; }
    public required IReadOnlyList<SkillLevel> Skills { get; init; }
    public required int Priority { get; init; }
    public string? Language { get; init; }
    public required string IvrPath { get; init; }
    public bool IsCallback { get; init; }
    public string? CallbackNumber { get; init; }
    public required DateTimeOffset QueuedAt { get; init; }
    public Guid? CustomerId { get; init; }
    public CustomerTier Tier { get; init; }
    public string? PreferredAgentId { get; init; }

    /// <summary>The bus event for this action.</summary>
    public CallQueued ToCallQueued(Guid callId, string caller, string gatewayId, DateTimeOffset now) => new()
    {
        CallId = callId,
        Queue = Queue,
        Caller = caller,
        GatewayId = gatewayId,
        IvrPath = IvrPath,
        Skills = Language is null || Skills.Any(s => s.Skill == $"lang-{Language}")
            ? Skills
            : [.. Skills, new SkillLevel { Skill = $"lang-{Language}", Level = 1 }],
        Priority = Priority,
        CustomerId = CustomerId,
        Tier = Tier,
        PreferredAgentId = PreferredAgentId,
        IsCallback = IsCallback,
        CallbackNumber = CallbackNumber,
        QueuedAt = QueuedAt,
        OccurredAt = now,
    };
}

/// <summary>End the call (BYE to the caller). <paramref name="Outcome"/> is what CallEnded should record.</summary>
internal sealed record HangUp(string Reason, CallOutcome Outcome) : IvrAction;

/// <summary>
/// Take a voicemail (a <c>voicemail</c> node, or a queue's divert to voicemail): stop what plays, play
/// <paramref name="Greeting"/> (the standard greeting when empty) and the beep, record up to
/// <paramref name="MaxLength"/> (the gateway's setting when null), then queue a callback described by
/// <paramref name="Callback"/> (its queue, skills, priority, customer and QueuedAt) carrying the message. Ends the IVR.
/// </summary>
internal sealed record TakeVoicemail(QueueCall Callback, IReadOnlyList<PromptFile> Greeting, TimeSpan? MaxLength) : IvrAction;

/// <summary>Transfer the caller to a SIP URI or number (blind), ending the IVR.</summary>
internal sealed record TransferCall(string Target) : IvrAction;
