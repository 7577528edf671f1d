namespace ContactCenter.Contracts;

/// <summary>Event: the IVR handed the call to a queue; routing now looks for an agent.</summary>
public sealed record CallQueued
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The queue's name (from telephony-config/queues.yaml).</summary>
    public required string Queue { get; init; }
    /// <summary>Caller number, E.164 when known.</summary>
    public required string Caller { get; init; }
    /// <summary>The gateway instance holding the call.</summary>
    public required string GatewayId { get; init; }
    /// <summary>The path the caller took through the IVR, e.g. <c>main&gt;2&gt;support</c>.</summary>
    public required string IvrPath { get; init; }
    /// <summary>Skills the IVR added to the queue's own (language, product...).</summary>
    public IReadOnlyList<SkillLevel> Skills { get; init; } = [];
    /// <summary>Priority set by the IVR (0 normal; higher is more urgent).</summary>
    public int Priority { get; init; }
    /// <summary>The customer when identified.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>The customer's tier when identified.</summary>
    public CustomerTier Tier { get; init; }
    /// <summary>Agent to try first (owner of the caller's open case), if any.</summary>
    public string? PreferredAgentId { get; init; }
    /// <summary>True when the caller took a callback: a virtual call that keeps its place.</summary>
    public bool IsCallback { get; init; }
    /// <summary>Number to dial back for a callback.</summary>
    public string? CallbackNumber { get; init; }
    /// <summary>For a callback retried after an attempt that did not reach the customer, or a voicemail: the original call.</summary>
    public Guid? CallbackOf { get; init; }
    /// <summary>For a callback: which attempt this is (1 for the first).</summary>
    public int Attempt { get; init; }
    /// <summary>
    /// A voicemail to handle (with <see cref="IsCallback"/> false): the recorded message's file name (the CRM serves it to agents).
    /// Routing offers it to an agent as a work item with no phone leg (<see cref="OfferKind.Voicemail"/>); <see cref="CallbackOf"/>
    /// names the call on which it was left.
    /// </summary>
    public string? VoicemailPath { get; init; }
    /// <summary>For a voicemail: its length.</summary>
    public TimeSpan? VoicemailLength { get; init; }
    /// <summary>When the call started waiting; kept across re-queues and restarts.</summary>
    public required DateTimeOffset QueuedAt { get; init; }
    /// <summary>When this event happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
