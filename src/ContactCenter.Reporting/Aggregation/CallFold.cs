using ContactCenter.Contracts;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;

namespace ContactCenter.Reporting.Aggregation;

/// <summary>How a call entered a queue (<see cref="ReportSegment.Entry"/>).</summary>
internal enum SegmentEntry
{
    /// <summary>From the IVR or as a callback (<c>CallQueued</c>).</summary>
    Queued = 0,
    /// <summary>An agent transferred it here (<c>CallTransferred</c>).</summary>
    Transferred = 1,
    /// <summary>Another queue's maximum wait moved it here.</summary>
    Overflowed = 2,
}

/// <summary>The classification a segment was counted with (<see cref="ReportSegment.Flags"/>), kept so drill-downs list exactly the counted calls.</summary>
[Flags]
internal enum SegmentFlags
{
    None = 0,
    AnsweredWithinTarget = 1,
    ShortAbandon = 2,
    ServiceLevelCounted = 4,
    ServiceLevelMet = 8,
    TransferredOut = 16,
    Callback = 32,
}

/// <summary>A call folded from its events: its row, its stays in queues, and what it adds to the aggregates.</summary>
internal sealed record CallFoldResult(ReportCall Call, IReadOnlyList<ReportSegment> Segments, IReadOnlyList<Contribution> Contributions);

/// <summary>
/// Folds one call's events into its figures. A pure function of the set of events (they are put in order of time, then of
/// stage, then of key), so the result is the same whatever order the bus delivered them in and however often: the live
/// aggregates and a rebuild from the record agree exactly. Each figure is counted at the time of its event (offered when the
/// call entered the queue, answered or abandoned when it left, handled when the after-call work ended), in the queue the event
/// names, and classified by <see cref="QueueFigures.Classify"/> with the queue's settings: the board's definitions.
/// </summary>
internal static class CallFold
{
    public static CallFoldResult Fold(Guid callId, IReadOnlyList<ReportEvent> events, ReportQueues queues)
    {
        var ordered = events.Where(e => e.Kind != RecordKind.AgentStateChanged).ToList();
        ordered.Sort(Compare);
        var call = new ReportCall { CallId = callId, Contributions = [] };
        var segments = new List<ReportSegment>();
        var pendingExits = new List<ReportEvent>();
        var contributions = new List<Contribution>();
        var queuedSeen = false;
        var first = true;

        void Add(Subject subject, string? key, long at, int counter, long value = 1)
        {
            if (key is { Length: > 0 } && value != 0)
            {
                contributions.Add(new Contribution(subject, key, Buckets.Floor(at), counter, value));
            }
        }
        void Q(string? queue, long at, QueueCounter counter, long value = 1) => Add(Subject.Queue, queue, at, (int)counter, value);
        void A(string? agent, long at, AgentCounter counter, long value = 1) => Add(Subject.Agent, agent, at, (int)counter, value);

        ReportSegment Open(string queue, long at, SegmentEntry entry, bool callback, bool takePending = true)
        {
            var s = new ReportSegment
            {
                CallId = callId,
                No = segments.Count,
                Queue = queue,
                EnteredAt = at,
                Entry = (int)entry,
                Flags = callback ? (int)SegmentFlags.Callback : 0,
            };
            segments.Add(s);
            // An exit seen before its entry (events of one instant) is applied now.
            var pending = takePending ? pendingExits.FindIndex(e => e.Queue == queue) : -1;
            if (pending >= 0)
            {
                var exit = pendingExits[pending];
                pendingExits.RemoveAt(pending);
                Close(s, exit);
            }
            return s;
        }

        void Close(ReportSegment s, ReportEvent e)
        {
            var reason = (QueueExitReason)e.Code;
            s.Queue = e.Queue ?? s.Queue;
            s.LeftAt = e.At;
            s.Exit = e.Code;
            s.Waited = e.Ticks;
            s.Position = e.Number;
            s.AgentId = e.AgentId;
            var f = QueueFigures.Classify(reason, TimeSpan.FromTicks(e.Ticks), queues.Get(s.Queue).Policy);
            var flags = (SegmentFlags)s.Flags & (SegmentFlags.Callback | SegmentFlags.TransferredOut);
            flags |= f.AnsweredWithinTarget ? SegmentFlags.AnsweredWithinTarget : 0;
            flags |= f.ShortAbandoned ? SegmentFlags.ShortAbandon : 0;
            flags |= f.ServiceLevelCounted ? SegmentFlags.ServiceLevelCounted : 0;
            flags |= f.ServiceLevelMet ? SegmentFlags.ServiceLevelMet : 0;
            s.Flags = (int)flags;
            if (reason == QueueExitReason.Overflowed && e.Other is { Length: > 0 } target)
            {
                Open(target, e.At, SegmentEntry.Overflowed, (flags & SegmentFlags.Callback) != 0);
            }
        }

        ReportSegment? AnsweredBy(string? agent, long at)
        {
            ReportSegment? found = null;
            foreach (var s in segments)
            {
                if (s.Exit == (int)QueueExitReason.Answered && s.AgentId == agent && (found is null || s.LeftAt <= at))
                {
                    found = s;
                }
            }
            return found;
        }

        foreach (var e in ordered)
        {
            if (first)
            {
                call.FirstAt = e.At;
                first = false;
            }
            call.LastAt = Math.Max(call.LastAt, e.At);
            switch (e.Kind)
            {
                case RecordKind.CallReceived:
                    call.Caller ??= e.Other;
                    call.Did ??= e.Text;
                    break;
                case RecordKind.CallerIdentified:
                    call.CustomerId ??= e.RelatedId;
                    break;
                case RecordKind.CallQueued:
                    call.Caller ??= e.Other;
                    call.IvrPath = Longest(call.IvrPath, e.Text);
                    if (e.Flags == 1)
                    {
                        call.CallbackOf ??= e.RelatedId is { } origin && origin != callId ? origin : null;
                        call.Attempt = Math.Max(call.Attempt, e.Number);
                        if (call.CallbackOf is not null)
                        {
                            call.Direction = (int)CallDirection.Callback;
                        }
                    }
                    if (!queuedSeen)
                    {
                        // A call is offered to its first queue once; a CallQueued repeated (re-announced, turned into a callback) is not a new offer.
                        queuedSeen = true;
                        Open(e.Queue ?? "", e.At, SegmentEntry.Queued, e.Flags == 1);
                    }
                    else if (e.Flags == 1 && segments.LastOrDefault(s => s.LeftAt is null) is { } waiting)
                    {
                        waiting.Flags |= (int)SegmentFlags.Callback;
                    }
                    break;
                case RecordKind.AgentReserved:
                    A(e.AgentId, e.At, AgentCounter.Rung);
                    break;
                case RecordKind.AgentNoAnswer:
                    A(e.AgentId, e.At, AgentCounter.Missed);
                    break;
                case RecordKind.CallConnected:
                    call.AgentId = e.AgentId;
                    if (e.Code == (int)CallDirection.Outbound)
                    {
                        call.Direction = (int)CallDirection.Outbound;
                        A(e.AgentId, e.At, AgentCounter.OutboundCalls);
                    }
                    else if (e.Code == (int)CallDirection.Callback)
                    {
                        call.Direction = (int)CallDirection.Callback;
                    }
                    break;
                case RecordKind.CallLeftQueue:
                    {
                        var open = segments.FirstOrDefault(s => s.LeftAt is null && s.Queue == e.Queue)
                            ?? segments.FirstOrDefault(s => s.LeftAt is null);
                        if (open is null)
                        {
                            pendingExits.Add(e);
                        }
                        else
                        {
                            Close(open, e);
                        }
                        break;
                    }
                case RecordKind.CallTransferred:
                    if (AnsweredBy(e.AgentId, e.At) is { } from)
                    {
                        from.Flags |= (int)SegmentFlags.TransferredOut;
                        from.TransferredAt = e.At;
                    }
                    Open(e.Queue ?? "", e.At, SegmentEntry.Transferred, false);
                    break;
                case RecordKind.CallEnded:
                    call.Outcome = e.Code;
                    call.EndedBy = e.Code2;
                    call.EndedAt = e.At;
                    call.AgentId = e.AgentId ?? call.AgentId;
                    call.Attempt = Math.Max(call.Attempt, e.Number);
                    call.RetryAt = e.Ticks2 == 0 ? null : e.Ticks2;
                    if (e.Flags == (int)CallDirection.Callback)
                    {
                        call.Direction = (int)CallDirection.Callback;
                    }
                    break;
                case RecordKind.CallHandled:
                    if (AnsweredBy(e.AgentId, e.At) is { } handled && e.Queue is not null)
                    {
                        handled.HandledAt = e.At;
                        handled.TalkTicks = e.Ticks;
                        handled.WrapUpTicks = e.Ticks2;
                    }
                    break;
                case RecordKind.VoicemailRecorded:
                    break;
                case RecordKind.AgentStateChanged:
                    break;
            }
        }

        // Exits whose stay never began in the record (its CallQueued was lost): the stay is known from the exit's wait.
        while (pendingExits.Count > 0)
        {
            var e = pendingExits[0];
            pendingExits.RemoveAt(0);
            Close(Open(e.Queue ?? "", e.At - e.Ticks, SegmentEntry.Queued, false, takePending: false), e);
        }

        // What each stay adds: offered when it entered, its exit when it left (the board's definitions).
        foreach (var s in segments)
        {
            Q(s.Queue, s.EnteredAt, QueueCounter.Offered);
            if (s.Entry == (int)SegmentEntry.Transferred)
            {
                Q(s.Queue, s.EnteredAt, QueueCounter.TransfersIn);
            }
            if (s.LeftAt is not { } left || s.Exit is not { } exit)
            {
                continue;
            }
            var flags = (SegmentFlags)s.Flags;
            switch ((QueueExitReason)exit)
            {
                case QueueExitReason.Answered:
                    Q(s.Queue, left, QueueCounter.Answered);
                    Q(s.Queue, left, QueueCounter.AnswerWaitTicks, s.Waited);
                    if ((flags & SegmentFlags.AnsweredWithinTarget) != 0)
                    {
                        Q(s.Queue, left, QueueCounter.AnsweredWithinTarget);
                    }
                    A(s.AgentId, left, AgentCounter.Answered);
                    break;
                case QueueExitReason.Abandoned when (flags & SegmentFlags.ShortAbandon) != 0:
                    Q(s.Queue, left, QueueCounter.ShortAbandoned);
                    break;
                case QueueExitReason.Abandoned:
                    Q(s.Queue, left, QueueCounter.Abandoned);
                    Q(s.Queue, left, QueueCounter.AbandonWaitTicks, s.Waited);
                    break;
                case QueueExitReason.Overflowed:
                    Q(s.Queue, left, QueueCounter.Diverted);
                    Q(s.Queue, left, QueueCounter.Overflowed);
                    break;
                case QueueExitReason.Voicemail:
                    Q(s.Queue, left, QueueCounter.Diverted);
                    Q(s.Queue, left, QueueCounter.Voicemail);
                    break;
                case QueueExitReason.QueueFull or QueueExitReason.NoAgents:
                    Q(s.Queue, left, QueueCounter.Diverted);
                    Q(s.Queue, left, QueueCounter.Refused);
                    break;
                case QueueExitReason.Ended:
                    Q(s.Queue, left, QueueCounter.Diverted);
                    break;
                default:
                    break;
            }
            if ((flags & SegmentFlags.ServiceLevelCounted) != 0)
            {
                Q(s.Queue, left, QueueCounter.ServiceLevelCounted);
            }
            if ((flags & SegmentFlags.ServiceLevelMet) != 0)
            {
                Q(s.Queue, left, QueueCounter.ServiceLevelMet);
            }
            if (s.TransferredAt is { } transferred)
            {
                Q(s.Queue, transferred, QueueCounter.TransfersOut);
            }
        }

        // What the call's other events add: handled (routing's talk and wrap-up), transfers, callback requests and outcomes.
        foreach (var e in ordered)
        {
            switch (e.Kind)
            {
                case RecordKind.CallHandled when e.Queue is not null:
                    Q(e.Queue, e.At, QueueCounter.Handled);
                    Q(e.Queue, e.At, QueueCounter.HandleTicks, e.Ticks + e.Ticks2);
                    Q(e.Queue, e.At, QueueCounter.TalkTicks, e.Ticks);
                    Q(e.Queue, e.At, QueueCounter.WrapUpTicks, e.Ticks2);
                    A(e.AgentId, e.At, AgentCounter.Handled);
                    A(e.AgentId, e.At, AgentCounter.HandleTicks, e.Ticks + e.Ticks2);
                    A(e.AgentId, e.At, AgentCounter.TalkTicks, e.Ticks);
                    A(e.AgentId, e.At, AgentCounter.WrapUpTicks, e.Ticks2);
                    break;
                case RecordKind.CallHandled:
                    A(e.AgentId, e.At, AgentCounter.OutboundHandleTicks, e.Ticks + e.Ticks2);
                    break;
                case RecordKind.CallTransferred:
                    A(e.AgentId, e.At, AgentCounter.TransfersOut);
                    break;
                case RecordKind.CallEnded when e.Code == (int)CallOutcome.Callback && e.Flags != (int)CallDirection.Callback:
                    Q(e.Queue ?? QueueAt(segments, e.At), e.At, QueueCounter.CallbacksRequested);
                    break;
                case RecordKind.VoicemailRecorded when e.Flags == 1:
                    Q(e.Queue ?? QueueAt(segments, e.At), e.At, QueueCounter.CallbacksRequested);
                    break;
                case RecordKind.CallEnded when e.Flags == (int)CallDirection.Callback:
                    {
                        var queue = e.Queue is { Length: > 0 } named ? named : QueueAt(segments, e.At);
                        var outcome = (CallOutcome)e.Code;
                        Q(queue, e.At, QueueCounter.CallbackAttempts);
                        Q(queue, e.At, outcome switch
                        {
                            CallOutcome.Answered => QueueCounter.CallbacksReached,
                            CallOutcome.NoAnswer => QueueCounter.CallbacksNoAnswer,
                            CallOutcome.Busy => QueueCounter.CallbacksBusy,
                            _ => QueueCounter.CallbacksFailed,
                        });
                        if (outcome != CallOutcome.Answered && e.Ticks2 == 0)
                        {
                            Q(queue, e.At, QueueCounter.CallbacksGivenUp);
                        }
                        break;
                    }
                default:
                    break;
            }
        }

        call.Queue = segments.Count > 0 ? segments[^1].Queue : ordered.LastOrDefault(e => e.Queue is not null)?.Queue;
        return new CallFoldResult(call, segments, contributions);
    }

    /// <summary>The order events are folded in: time, then the stage of a call's life, then the key (any fixed order).</summary>
    public static int Compare(ReportEvent a, ReportEvent b)
    {
        var c = a.At.CompareTo(b.At);
        if (c != 0)
        {
            return c;
        }
        c = Stage(a.Kind).CompareTo(Stage(b.Kind));
        return c != 0 ? c : a.Key.AsSpan().SequenceCompareTo(b.Key);
    }

    private static int Stage(RecordKind kind) => kind switch
    {
        RecordKind.CallReceived => 0,
        RecordKind.CallerIdentified => 1,
        RecordKind.CallQueued => 2,
        RecordKind.AgentReserved => 3,
        RecordKind.AgentNoAnswer => 4,
        RecordKind.CallConnected => 5,
        RecordKind.CallLeftQueue => 6,
        RecordKind.CallTransferred => 7,
        RecordKind.VoicemailRecorded => 8,
        RecordKind.CallEnded => 9,
        RecordKind.CallHandled => 10,
        RecordKind.AgentStateChanged => 11,
        _ => 12,
    };

    private static string? QueueAt(List<ReportSegment> segments, long at)
    {
        string? queue = null;
        foreach (var s in segments)
        {
            if (s.EnteredAt <= at)
            {
                queue = s.Queue;
            }
        }
        return queue ?? (segments.Count > 0 ? segments[0].Queue : null);
    }

    private static string? Longest(string? a, string? b) => (b?.Length ?? 0) > (a?.Length ?? 0) ? b : a;
}
