namespace ContactCenter.Reporting.Data;

/// <summary>What a recorded event was on the bus (the record's <c>Kind</c> column; never renumbered).</summary>
internal enum RecordKind
{
    CallReceived = 1,
    CallerIdentified = 2,
    CallQueued = 3,
    AgentReserved = 4,
    AgentNoAnswer = 5,
    CallConnected = 6,
    CallLeftQueue = 7,
    CallTransferred = 8,
    CallEnded = 9,
    CallHandled = 10,
    AgentStateChanged = 11,
    VoicemailRecorded = 12,
}

/// <summary>
/// One event of the record (<c>ReportEvents</c>): append-only, one row per distinct fact, whatever the bus redelivers
/// (<see cref="Key"/> is unique). The columns are generic; <see cref="Record.RecordedEvent"/> says what each holds per kind.
/// Times are UTC ticks (100 ns since 0001-01-01), the same on every provider, exact for durations.
/// </summary>
internal sealed class ReportEvent
{
    /// <summary>Order of recording (not of occurrence).</summary>
    public long Seq { get; set; }
    /// <summary>16 bytes of SHA-256 over the kind and every column below: the fact's identity.</summary>
    public required byte[] Key { get; set; }
    public RecordKind Kind { get; set; }
    /// <summary>When it happened (the message's OccurredAt), UTC ticks.</summary>
    public long At { get; set; }
    public Guid? CallId { get; set; }
    public string? AgentId { get; set; }
    public string? Queue { get; set; }
    public int Code { get; set; }
    public int Code2 { get; set; }
    public int Flags { get; set; }
    public int Number { get; set; }
    public long Ticks { get; set; }
    public long Ticks2 { get; set; }
    public Guid? RelatedId { get; set; }
    public string? Other { get; set; }
    public string? Text { get; set; }
}

/// <summary>One call as the reports know it (<c>ReportCalls</c>), folded from its events; the aggregates hold its <see cref="Contributions"/>.</summary>
internal sealed class ReportCall
{
    public Guid CallId { get; set; }
    public string? Caller { get; set; }
    public string? Did { get; set; }
    public Guid? CustomerId { get; set; }
    public int Direction { get; set; }
    public long FirstAt { get; set; }
    public long LastAt { get; set; }
    /// <summary>The last queue the call was in.</summary>
    public string? Queue { get; set; }
    /// <summary>The last agent who had it.</summary>
    public string? AgentId { get; set; }
    public int? Outcome { get; set; }
    public int? EndedBy { get; set; }
    public long? EndedAt { get; set; }
    public int Attempt { get; set; }
    public Guid? CallbackOf { get; set; }
    public long? RetryAt { get; set; }
    public string? IvrPath { get; set; }
    /// <summary>What this call added to the aggregates, so a change of the call can take exactly that out again.</summary>
    public required byte[] Contributions { get; set; }
}

/// <summary>One stay of a call in one queue (<c>ReportSegments</c>): the rows behind every queue figure.</summary>
internal sealed class ReportSegment
{
    public Guid CallId { get; set; }
    public int No { get; set; }
    public required string Queue { get; set; }
    public long EnteredAt { get; set; }
    /// <summary>How it entered: <see cref="Aggregation.SegmentEntry"/>.</summary>
    public int Entry { get; set; }
    public long? LeftAt { get; set; }
    /// <summary>How it left (<see cref="Contracts.QueueExitReason"/>), or null while waiting.</summary>
    public int? Exit { get; set; }
    public long Waited { get; set; }
    public int Position { get; set; }
    public string? AgentId { get; set; }
    /// <summary><see cref="Aggregation.SegmentFlags"/>: the classification the aggregates counted.</summary>
    public int Flags { get; set; }
    public long? HandledAt { get; set; }
    public long TalkTicks { get; set; }
    public long WrapUpTicks { get; set; }
    public long? TransferredAt { get; set; }
}

/// <summary>One interval of an agent in one state (<c>ReportAgentStates</c>); the current one has no end.</summary>
internal sealed class ReportAgentState
{
    public required string AgentId { get; set; }
    public long StartAt { get; set; }
    public long? EndAt { get; set; }
    public int State { get; set; }
    public string? Reason { get; set; }
    public Guid? CallId { get; set; }
}

/// <summary>The single row of the reports' own state (<c>ReportState</c>): the lock every write takes, and how far agents' open states are counted.</summary>
internal sealed class ReportStateRow
{
    public int Id { get; set; }
    /// <summary>Agents' current states are counted in the aggregates up to here (UTC ticks).</summary>
    public long AsOf { get; set; }
    /// <summary>Grows by one at every write transaction (the update is the lock).</summary>
    public long Version { get; set; }
}

/// <summary>A queue's counters for one 15-minute interval (<c>ReportQueueIntervals</c>); columns as <see cref="Aggregation.QueueCounter"/>.</summary>
internal sealed class ReportQueueInterval
{
    public required string Queue { get; set; }
    public long Start { get; set; }
    public long Offered { get; set; }
    public long Answered { get; set; }
    public long AnsweredWithinTarget { get; set; }
    public long Abandoned { get; set; }
    public long ShortAbandoned { get; set; }
    public long Diverted { get; set; }
    public long Overflowed { get; set; }
    public long Voicemail { get; set; }
    public long Refused { get; set; }
    public long ServiceLevelMet { get; set; }
    public long ServiceLevelCounted { get; set; }
    public long AnswerWaitTicks { get; set; }
    public long AbandonWaitTicks { get; set; }
    public long Handled { get; set; }
    public long HandleTicks { get; set; }
    public long TalkTicks { get; set; }
    public long WrapUpTicks { get; set; }
    public long TransfersIn { get; set; }
    public long TransfersOut { get; set; }
    public long CallbacksRequested { get; set; }
    public long CallbackAttempts { get; set; }
    public long CallbacksReached { get; set; }
    public long CallbacksNoAnswer { get; set; }
    public long CallbacksBusy { get; set; }
    public long CallbacksFailed { get; set; }
    public long CallbacksGivenUp { get; set; }
}

/// <summary>A queue's counters for one UTC hour (<c>ReportQueueHours</c>): the sums of its four 15-minute rows, kept for long reports by hour and more.</summary>
internal sealed class ReportQueueHour
{
    public required string Queue { get; set; }
    public long Start { get; set; }
    public long Offered { get; set; }
    public long Answered { get; set; }
    public long AnsweredWithinTarget { get; set; }
    public long Abandoned { get; set; }
    public long ShortAbandoned { get; set; }
    public long Diverted { get; set; }
    public long Overflowed { get; set; }
    public long Voicemail { get; set; }
    public long Refused { get; set; }
    public long ServiceLevelMet { get; set; }
    public long ServiceLevelCounted { get; set; }
    public long AnswerWaitTicks { get; set; }
    public long AbandonWaitTicks { get; set; }
    public long Handled { get; set; }
    public long HandleTicks { get; set; }
    public long TalkTicks { get; set; }
    public long WrapUpTicks { get; set; }
    public long TransfersIn { get; set; }
    public long TransfersOut { get; set; }
    public long CallbacksRequested { get; set; }
    public long CallbackAttempts { get; set; }
    public long CallbacksReached { get; set; }
    public long CallbacksNoAnswer { get; set; }
    public long CallbacksBusy { get; set; }
    public long CallbacksFailed { get; set; }
    public long CallbacksGivenUp { get; set; }
}

/// <summary>An agent's counters for one UTC hour (<c>ReportAgentHours</c>): the sums of its four 15-minute rows.</summary>
internal sealed class ReportAgentHour
{
    public required string AgentId { get; set; }
    public long Start { get; set; }
    public long AvailableTicks { get; set; }
    public long ReservedTicks { get; set; }
    public long OnCallTicks { get; set; }
    public long WrapUpStateTicks { get; set; }
    public long NotReadyTicks { get; set; }
    public long Rung { get; set; }
    public long Missed { get; set; }
    public long Answered { get; set; }
    public long Handled { get; set; }
    public long HandleTicks { get; set; }
    public long TalkTicks { get; set; }
    public long WrapUpTicks { get; set; }
    public long TransfersOut { get; set; }
    public long OutboundCalls { get; set; }
    public long OutboundHandleTicks { get; set; }
}

/// <summary>An agent's counters for one 15-minute interval (<c>ReportAgentIntervals</c>); columns as <see cref="Aggregation.AgentCounter"/>.</summary>
internal sealed class ReportAgentInterval
{
    public required string AgentId { get; set; }
    public long Start { get; set; }
    public long AvailableTicks { get; set; }
    public long ReservedTicks { get; set; }
    public long OnCallTicks { get; set; }
    public long WrapUpStateTicks { get; set; }
    public long NotReadyTicks { get; set; }
    public long Rung { get; set; }
    public long Missed { get; set; }
    public long Answered { get; set; }
    public long Handled { get; set; }
    public long HandleTicks { get; set; }
    public long TalkTicks { get; set; }
    public long WrapUpTicks { get; set; }
    public long TransfersOut { get; set; }
    public long OutboundCalls { get; set; }
    public long OutboundHandleTicks { get; set; }
}
