namespace ContactCenter.Reporting.Aggregation;

/// <summary>The counters of a queue's 15-minute interval: the column names of <c>ReportQueueIntervals</c>, in order.</summary>
internal enum QueueCounter
{
    Offered,
    Answered,
    AnsweredWithinTarget,
    Abandoned,
    ShortAbandoned,
    Diverted,
    Overflowed,
    Voicemail,
    Refused,
    ServiceLevelMet,
    ServiceLevelCounted,
    AnswerWaitTicks,
    AbandonWaitTicks,
    Handled,
    HandleTicks,
    TalkTicks,
    WrapUpTicks,
    TransfersIn,
    TransfersOut,
    CallbacksRequested,
    CallbackAttempts,
    CallbacksReached,
    CallbacksNoAnswer,
    CallbacksBusy,
    CallbacksFailed,
    CallbacksGivenUp,
}

/// <summary>The counters of an agent's 15-minute interval: the column names of <c>ReportAgentIntervals</c>, in order.</summary>
internal enum AgentCounter
{
    AvailableTicks,
    ReservedTicks,
    OnCallTicks,
    WrapUpStateTicks,
    NotReadyTicks,
    Rung,
    Missed,
    Answered,
    Handled,
    HandleTicks,
    TalkTicks,
    WrapUpTicks,
    TransfersOut,
    OutboundCalls,
    OutboundHandleTicks,
}

/// <summary>Which aggregate table a contribution goes to.</summary>
internal enum Subject : byte
{
    Queue = 0,
    Agent = 1,
    /// <summary>A queue's UTC hours (<c>ReportQueueHours</c>): derived from its 15-minute contributions, never stored in a call's.</summary>
    QueueHour = 2,
    /// <summary>An agent's UTC hours (<c>ReportAgentHours</c>).</summary>
    AgentHour = 3,
}

/// <summary>The 15-minute grid every aggregate sits on (UTC; every real time zone's offset is a multiple of 15 minutes).</summary>
internal static class Buckets
{
    public const long Size = 15 * TimeSpan.TicksPerMinute;

    public static int QueueCounters { get; } = Enum.GetValues<QueueCounter>().Length;

    public static int AgentCounters { get; } = Enum.GetValues<AgentCounter>().Length;

    public static int CountersOf(Subject subject) => subject is Subject.Queue or Subject.QueueHour ? QueueCounters : AgentCounters;

    /// <summary>The hour table of a 15-minute subject.</summary>
    public static Subject HourOf(Subject subject) => subject == Subject.Queue ? Subject.QueueHour : Subject.AgentHour;

    /// <summary>The start of the UTC hour holding <paramref name="ticks"/>.</summary>
    public static long FloorHour(long ticks) => ticks - (((ticks % TimeSpan.TicksPerHour) + TimeSpan.TicksPerHour) % TimeSpan.TicksPerHour);

    /// <summary>The start of the interval holding <paramref name="ticks"/>.</summary>
    public static long Floor(long ticks) => ticks - (((ticks % Size) + Size) % Size);

    /// <summary>The first interval start at or after <paramref name="ticks"/>.</summary>
    public static long Ceiling(long ticks) => Floor(ticks) == ticks ? ticks : Floor(ticks) + Size;
}

/// <summary>One addition to one counter of one interval of one queue or agent.</summary>
internal readonly record struct Contribution(Subject Subject, string Key, long Start, int Counter, long Value);
