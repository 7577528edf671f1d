using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Ivr;

/// <summary>Something that happened to a call in the IVR; the input of <see cref="IvrSession.Handle"/>.</summary>
internal abstract record IvrEvent;

/// <summary>The call was answered and the IVR starts. <paramref name="Ani"/> is the caller's number, <paramref name="Did"/> the dialled one.</summary>
internal sealed record CallStarted(string Ani, string Did) : IvrEvent;

/// <summary>The caller pressed a key (0-9, *, #, A-D), whether it came by RFC 4733, SIP INFO or in-band tones.</summary>
internal sealed record DigitPressed(char Digit) : IvrEvent;

/// <summary>The prompt sequence started by <see cref="PlayPrompts"/> with this id played to its end (not when stopped).</summary>
internal sealed record PromptFinished(long PlayId) : IvrEvent;

/// <summary>A timer started by <see cref="StartTimer"/> fired.</summary>
internal sealed record TimerFired(long TimerId) : IvrEvent;

/// <summary>
/// The CRM's answer to <see cref="LookUpCaller"/> (same <paramref name="RequestId"/>), or an unsolicited
/// <c>CallerIdentified</c> for the ANI (RequestId null) that arrived on its own after <c>CallReceived</c>.
/// <paramref name="Caller"/> is null when the number/account is unknown.
/// </summary>
internal sealed record CallerLookupCompleted(long? RequestId, CallerInfo? Caller) : IvrEvent;

/// <summary>The CRM's answer to <see cref="LookUpCaseStatus"/>; <paramref name="Case"/> null when no such case.</summary>
internal sealed record CaseStatusLookupCompleted(long RequestId, CaseStatusInfo? Case) : IvrEvent;

/// <summary>The caller's place in the queue and the estimated wait (from routing's QueueStatistics).</summary>
internal sealed record QueuePositionChanged(int Position, TimeSpan EstimatedWait) : IvrEvent;

/// <summary>Routing asks to offer the waiting caller a callback now (DivertQueuedCall with action <c>callback</c>); once per call.</summary>
internal sealed record CallbackOfferRequested : IvrEvent;

/// <summary>An agent answered and the legs are bridged: the IVR stops everything it plays and is done.</summary>
internal sealed record AgentConnected : IvrEvent;

/// <summary>The caller hung up: the IVR cancels its timers and is done.</summary>
internal sealed record CallerHungUp : IvrEvent;

/// <summary>Routing diverted the queued call to voicemail (the queue's max wait); the IVR hands it to <see cref="TakeVoicemail"/>.</summary>
internal sealed record VoicemailRequested : IvrEvent;

/// <summary>What the CRM knows about the caller.</summary>
internal sealed record CallerInfo
{
    public required Guid CustomerId { get; init; }
    public string? Name { get; init; }
    public CustomerTier Tier { get; init; }
    public string? Language { get; init; }
    public string? PreferredAgentId { get; init; }

    /// <summary>Maps the CRM's event; null when it did not know the caller.</summary>
    public static CallerInfo? From(CallerIdentified identified) => identified.CustomerId is { } id
        ? new CallerInfo
        {
            CustomerId = id, Name = identified.CustomerName, Tier = identified.Tier, Language = identified.Language,
            PreferredAgentId = identified.PreferredAgentId,
        }
        : null;
}

/// <summary>A case's number (e.g. CS-000123) and status (open, pending, resolved, closed...).</summary>
internal sealed record CaseStatusInfo(string CaseNumber, string Status)
{
    /// <summary>Maps the CRM's answer; null when it found no case.</summary>
    public static CaseStatusInfo? From(CaseStatusResult result) =>
        result is { Found: true, CaseNumber: { } number, Status: { } status } ? new CaseStatusInfo(number, status) : null;
}
