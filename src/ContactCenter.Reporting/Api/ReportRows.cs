using ContactCenter.Contracts;
using ContactCenter.Reporting.Aggregation;

namespace ContactCenter.Reporting.Api;

/// <summary>
/// One row of the queue report: a queue's figures for one period (or, with <see cref="Row"/> <c>total</c>, for the whole range;
/// <see cref="Queue"/> <c>*</c> for all queues). Rates are 0..1, durations in seconds; every rate is computed from the counters
/// beside it by <see cref="QueueFigures"/>, the board's definitions (docs/reporting.md).
/// </summary>
public sealed record QueueReportRow(
    string Row,
    string Queue,
    DateTimeOffset Start,
    DateTimeOffset End,
    long Offered,
    long Answered,
    long AnsweredWithinTarget,
    long Abandoned,
    long ShortAbandoned,
    long Diverted,
    long Overflowed,
    long Voicemail,
    long Refused,
    double ServiceLevel,
    long ServiceLevelMet,
    long ServiceLevelCounted,
    double ServiceLevelTarget,
    double ServiceLevelThreshold,
    double Asa,
    double Aht,
    double AverageTalk,
    double AverageWrapUp,
    double AverageAbandonWait,
    double AbandonmentRate,
    long Handled,
    long TransfersIn,
    long TransfersOut,
    double TransferRate,
    long CallbacksRequested,
    long CallbackAttempts,
    long CallbacksReached,
    long CallbacksNoAnswer,
    long CallbacksBusy,
    long CallbacksFailed,
    long CallbacksGivenUp)
{
    internal static QueueReportRow From(string row, string queue, DateTimeOffset start, DateTimeOffset end, long[] c, double target, TimeSpan threshold)
    {
        long V(QueueCounter k) => c[(int)k];
        return new QueueReportRow(row, queue, start, end,
            V(QueueCounter.Offered), V(QueueCounter.Answered), V(QueueCounter.AnsweredWithinTarget), V(QueueCounter.Abandoned),
            V(QueueCounter.ShortAbandoned), V(QueueCounter.Diverted), V(QueueCounter.Overflowed), V(QueueCounter.Voicemail),
            V(QueueCounter.Refused),
            QueueFigures.ServiceLevel(V(QueueCounter.ServiceLevelMet), V(QueueCounter.ServiceLevelCounted)),
            V(QueueCounter.ServiceLevelMet), V(QueueCounter.ServiceLevelCounted), target, threshold.TotalSeconds,
            Seconds(QueueFigures.Average(V(QueueCounter.AnswerWaitTicks), V(QueueCounter.Answered))),
            Seconds(QueueFigures.Average(V(QueueCounter.HandleTicks), V(QueueCounter.Handled))),
            Seconds(QueueFigures.Average(V(QueueCounter.TalkTicks), V(QueueCounter.Handled))),
            Seconds(QueueFigures.Average(V(QueueCounter.WrapUpTicks), V(QueueCounter.Handled))),
            Seconds(QueueFigures.Average(V(QueueCounter.AbandonWaitTicks), V(QueueCounter.Abandoned))),
            QueueFigures.AbandonmentRate(V(QueueCounter.Abandoned), V(QueueCounter.Offered), V(QueueCounter.ShortAbandoned)),
            V(QueueCounter.Handled), V(QueueCounter.TransfersIn), V(QueueCounter.TransfersOut),
            QueueFigures.Rate(V(QueueCounter.TransfersOut), V(QueueCounter.Answered)),
            V(QueueCounter.CallbacksRequested), V(QueueCounter.CallbackAttempts), V(QueueCounter.CallbacksReached),
            V(QueueCounter.CallbacksNoAnswer), V(QueueCounter.CallbacksBusy), V(QueueCounter.CallbacksFailed), V(QueueCounter.CallbacksGivenUp));
    }

    private static double Seconds(TimeSpan t) => t.Ticks / (double)TimeSpan.TicksPerSecond;
}

/// <summary>
/// One row of the agent report: an agent's figures for one period (or the range's <c>total</c>; agent <c>*</c> for everyone).
/// Times in seconds; occupancy = (on call + wrap-up) / staffed, utilisation = (on call + wrap-up) / signed in.
/// </summary>
public sealed record AgentReportRow(
    string Row,
    string Agent,
    DateTimeOffset Start,
    DateTimeOffset End,
    long Rung,
    long Missed,
    long Answered,
    long Handled,
    double Aht,
    double AverageTalk,
    double AverageWrapUp,
    long TransfersOut,
    double TransferRate,
    long OutboundCalls,
    double OutboundHandleTime,
    double Available,
    double Ringing,
    double OnCall,
    double WrapUp,
    double NotReady,
    double Staffed,
    double SignedIn,
    double Occupancy,
    double Utilisation)
{
    internal static AgentReportRow From(string row, string agent, DateTimeOffset start, DateTimeOffset end, long[] c)
    {
        long V(AgentCounter k) => c[(int)k];
        var busy = V(AgentCounter.OnCallTicks) + V(AgentCounter.WrapUpStateTicks);
        var staffed = busy + V(AgentCounter.AvailableTicks) + V(AgentCounter.ReservedTicks);
        var signedIn = staffed + V(AgentCounter.NotReadyTicks);
        return new AgentReportRow(row, agent, start, end,
            V(AgentCounter.Rung), V(AgentCounter.Missed), V(AgentCounter.Answered), V(AgentCounter.Handled),
            Seconds(QueueFigures.Average(V(AgentCounter.HandleTicks), V(AgentCounter.Handled))),
            Seconds(QueueFigures.Average(V(AgentCounter.TalkTicks), V(AgentCounter.Handled))),
            Seconds(QueueFigures.Average(V(AgentCounter.WrapUpTicks), V(AgentCounter.Handled))),
            V(AgentCounter.TransfersOut), QueueFigures.Rate(V(AgentCounter.TransfersOut), V(AgentCounter.Answered)),
            V(AgentCounter.OutboundCalls), Seconds(V(AgentCounter.OutboundHandleTicks)),
            Seconds(V(AgentCounter.AvailableTicks)), Seconds(V(AgentCounter.ReservedTicks)), Seconds(V(AgentCounter.OnCallTicks)),
            Seconds(V(AgentCounter.WrapUpStateTicks)), Seconds(V(AgentCounter.NotReadyTicks)), Seconds(staffed), Seconds(signedIn),
            QueueFigures.Occupancy(busy, staffed), QueueFigures.Rate(busy, signedIn));
    }

    private static double Seconds(TimeSpan t) => Seconds(t.Ticks);

    private static double Seconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;
}

/// <summary>A report: its range and interval, a row per queue (or agent) and period, and the totals over the range.</summary>
public sealed record Report<T>(DateTimeOffset From, DateTimeOffset To, string Interval, string TimeZone, IReadOnlyList<T> Rows, IReadOnlyList<T> Totals);

/// <summary>One call behind a figure (a stay of the call in a queue, or an agent's event on it).</summary>
public sealed record ReportCallRow(
    Guid CallId,
    string? Queue,
    string? Agent,
    string? Caller,
    DateTimeOffset At,
    DateTimeOffset? EnteredAt,
    DateTimeOffset? LeftAt,
    string? Exit,
    double? Waited,
    int? Position,
    string? ServiceLevel,
    double? Talk,
    double? WrapUp,
    bool TransferredOut,
    bool Callback,
    string? Detail,
    string History,
    string Decisions);

/// <summary>One interval of an agent in one state (the state timeline).</summary>
public sealed record AgentStateRow(string Agent, string State, string? Reason, DateTimeOffset Start, DateTimeOffset? End, double Seconds, Guid? CallId);

/// <summary>One event of a call's history, as recorded.</summary>
public sealed record CallHistoryEvent(DateTimeOffset At, string Event, string? Queue, string? Agent, string Detail);

/// <summary>A call's history: what the record holds about it, its stays in queues, and where routing explains its decisions.</summary>
public sealed record CallHistory(Guid CallId, string? Caller, string? Did, string? Direction, string? Outcome, IReadOnlyList<ReportCallRow> Stays,
    IReadOnlyList<CallHistoryEvent> Events, string Decisions);

/// <summary>A queue's report settings (for the reports page and BI tools).</summary>
public sealed record ReportQueueSettings(string Queue, string TimeZone, double ServiceLevelTarget, double ServiceLevelThreshold, string Denominator,
    double ShortAbandon);
