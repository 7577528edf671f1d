using ContactCenter.Contracts;
using ContactCenter.Crm.Data;

namespace ContactCenter.Crm.Interactions;

/// <summary>
/// Merges a call's events into its one interaction row, keyed by CallId. Every merge is
/// commutative and idempotent (earliest/latest times, ranked sources for queue and agent), so
/// the row is the same whatever order events arrive in and however often they are redelivered.
/// Rows are written by the process's one <see cref="InteractionWriter"/> (group commit); writers in other
/// processes are resolved by the row's concurrency token and the primary key: the loser re-reads and
/// merges again.
/// </summary>
internal sealed class InteractionRecorder(InteractionWriter writer)
{
    /// <summary>Ranks of the sources of queue and agent: a later stage of the call wins over an earlier one.</summary>
    private const int RankQueued = 1;
    private const int RankReserved = 2;
    private const int RankConnected = 3;
    private const int RankEnded = 4;

    public Task RecordAsync(CallReceived m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        i.Caller = m.Caller;
        i.Did = m.Did;
        i.GatewayId = m.GatewayId;
        i.ReceivedAt = Earliest(i.ReceivedAt, m.OccurredAt);
    }, ct);

    public Task RecordAsync(CallQueued m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        if (!m.IsCallback && m.VoicemailPath is not null && m.CallbackOf is { } left && left != m.CallId)
        {
            // A voicemail to handle (a work item): its own row, linked to the call on which it was left. The agent who accepts
            // it, when, what they did (called back: rows whose CallbackOf is this one) and their disposition merge into it.
            i.Direction = CallDirection.Callback;
            i.CallbackOf = left;
            i.CallbackRequestedAt = Earliest(i.CallbackRequestedAt, m.OccurredAt);
            i.Dialled ??= m.CallbackNumber ?? m.Caller;
            i.VoicemailPath ??= Truncate(m.VoicemailPath, 256);
            i.VoicemailSeconds ??= m.VoicemailLength is { } length ? Seconds(length) : null;
            EndWorkItem(i);
        }
        else if (m.IsCallback && m.CallbackOf is { } origin && origin != m.CallId)
        {
            // A callback of its own (a retry, a voicemail's callback): its own row, linked to the call whose promise it keeps.
            i.Direction = CallDirection.Callback;
            i.CallbackOf = origin;
            i.CallbackRequestedAt = Earliest(i.CallbackRequestedAt, m.QueuedAt);
            i.Dialled ??= m.CallbackNumber ?? m.Caller;
            i.CallbackAttempts = Math.Max(i.CallbackAttempts, m.Attempt);
            i.VoicemailPath ??= m.VoicemailPath is null ? null : Truncate(m.VoicemailPath, 256);
        }

        i.Caller ??= m.Caller;
        i.CustomerId ??= m.CustomerId;
        i.QueuedAt = Earliest(i.QueuedAt, m.QueuedAt);
        i.IvrPath = Longest(i.IvrPath, m.IvrPath);
        SetQueue(i, m.Queue, RankQueued, m.OccurredAt);
    }, ct);

    /// <summary>A voicemail left on this call: the kept message (file and length) or why it was discarded.</summary>
    public Task RecordAsync(VoicemailRecorded m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        i.Caller ??= m.Caller;
        SetQueue(i, m.Queue, RankQueued, m.OccurredAt);
        var seconds = Seconds(m.Duration);
        if (m.Path is not null)
        {
            // A kept message wins over a discarded attempt, whatever the order.
            i.VoicemailPath = Truncate(m.Path, 256);
            i.VoicemailSeconds = seconds;
            i.VoicemailNote = null;
            i.CallbackRequestedAt = Earliest(i.CallbackRequestedAt, m.OccurredAt);
        }
        else if (i.VoicemailPath is null)
        {
            i.VoicemailSeconds = seconds;
            i.VoicemailNote = m.DiscardedReason is null ? "discarded" : Truncate(m.DiscardedReason, 256);
        }
    }, ct);

    public Task RecordAsync(AgentReserved m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        i.Caller ??= m.Caller;
        i.ReservedAt = Latest(i.ReservedAt, m.OccurredAt);
        i.IvrPath = Longest(i.IvrPath, m.IvrPath);
        SetQueue(i, m.Queue, RankReserved, m.OccurredAt);
        SetAgent(i, m.AgentId, RankReserved, m.OccurredAt);
    }, ct);

    /// <summary>An agent accepted what they were offered: for a voicemail, the time they took it is when it was answered.</summary>
    public Task RecordAsync(OfferAccepted m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        if (m.Offer == OfferKind.Voicemail)
        {
            i.AnsweredAt = Earliest(i.AnsweredAt, m.OccurredAt);
            SetAgent(i, m.AgentId, RankConnected, m.OccurredAt);
            EndWorkItem(i);
        }
        else
        {
            SetAgent(i, m.AgentId, RankReserved, m.OccurredAt);
        }
        SetQueue(i, m.Queue, RankReserved, m.OccurredAt);
    }, ct);

    public Task RecordAsync(CallConnected m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        i.AnsweredAt = Earliest(i.AnsweredAt, m.OccurredAt);
        SetQueue(i, m.Queue, RankConnected, m.OccurredAt);
        SetAgent(i, m.AgentId, RankConnected, m.OccurredAt);
    }, ct);

    /// <summary>
    /// An agent dialled out: the row is an outbound interaction whose Caller is the number dialled, so the writer links it to
    /// the customer who has that number (or to the customer the agent dialled from).
    /// </summary>
    public Task RecordAsync(PlaceOutboundCall m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        MarkOutbound(i, m.Number);
        i.CustomerId ??= m.CustomerId;
        // A call back from a voicemail the agent works on: linked to it, as a callback row is to the call it keeps the promise of.
        i.CallbackOf ??= m.WorkItemId;
        i.ReceivedAt = Earliest(i.ReceivedAt, m.OccurredAt);
        SetAgent(i, m.AgentId, RankQueued, m.OccurredAt);
    }, ct);

    /// <summary>Routing refused the agent's outbound call (busy, no gateway): it ends in the history as failed, with the reason.</summary>
    public Task RecordAsync(OutboundCallRefused m, CancellationToken ct) =>
        RecordRefusedAsync(m.CallId, m.AgentId, m.Number, null, m.Reason, m.OccurredAt, ct);

    /// <summary>
    /// An agent's outbound call refused before it was placed (by routing, or by the CRM itself: do not call): a failed outbound
    /// interaction with the reason, in the history of the customer the number (or <paramref name="customerId"/>) belongs to.
    /// </summary>
    public Task RecordRefusedAsync(Guid callId, string agentId, string number, Guid? customerId, string reason, DateTimeOffset at, CancellationToken ct) =>
        MergeAsync(callId, i =>
        {
            MarkOutbound(i, number);
            i.CustomerId ??= customerId;
            i.ReceivedAt = Earliest(i.ReceivedAt, at);
            if (i.EndedAt is null)
            {
                i.EndedAt = at;
                i.Outcome = CallOutcome.Failed;
                i.EndedBy = CallParty.System;
                i.EndReason = Truncate("refused: " + reason, 256);
            }
            SetAgent(i, agentId, RankQueued, at);
        }, ct);

    public Task RecordAsync(CallEnded m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        if (m.Direction == CallDirection.Outbound)
        {
            MarkOutbound(i, m.Dialled);
        }

        if (m.Direction == CallDirection.Callback)
        {
            // An attempt to call the customer back on this call's promise. The first attempt of a callback taken on an inbound
            // call shares that call's id and row: the row then tells the whole story (requested at, attempts, how it ended).
            if (m.Attempt < i.CallbackAttempts)
            {
                return; // an older attempt's end, arriving late: the latest attempt's outcome stands
            }

            i.CallbackAttempts = m.Attempt;
            i.CallbackRetryAt = m.RetryAt;
            i.Dialled = m.Dialled ?? i.Dialled;
            i.EndedAt = Latest(i.EndedAt, m.OccurredAt);
        }
        else
        {
            if (m.Outcome == CallOutcome.Callback)
            {
                i.CallbackRequestedAt = Earliest(i.CallbackRequestedAt, m.OccurredAt);
            }

            i.EndedAt = Earliest(i.EndedAt, m.OccurredAt);
            if (i.CallbackAttempts > 0)
            {
                return; // the callback's outcome (later, whatever the arrival order) stands over the inbound leg's
            }
        }

        i.Outcome = m.Outcome;
        i.EndedBy = m.EndedBy;
        i.EndReason = Truncate(m.Reason, 256);
        i.RecordingPath = m.RecordingPath ?? i.RecordingPath;
        i.IvrPath = Longest(i.IvrPath, m.IvrPath);
        SetQueue(i, m.Queue, RankEnded, m.OccurredAt);
        SetAgent(i, m.AgentId, RankEnded, m.OccurredAt);
    }, ct);

    /// <summary>A supervisor took the call over: the history names both (the supervisor as the call's agent from now on).</summary>
    public Task RecordAsync(CallTakenOver m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        i.TakenOverFrom = Truncate(m.AgentId, 64);
        SetAgent(i, m.SupervisorId, RankConnected, m.OccurredAt);
    }, ct);

    public Task RecordAsync(CompleteWrapUp m, CancellationToken ct) => MergeAsync(m.CallId, i =>
    {
        if (i.WrappedUpAt is not null && i.AgentId is { } owner && !string.Equals(owner, m.AgentId, StringComparison.Ordinal))
        {
            // A call another agent already wrapped up: its disposition and notes are theirs, never overwritten by someone else.
            return;
        }
        if (i.WrappedUpAt is null || m.OccurredAt >= i.WrappedUpAt)
        {
            i.WrappedUpAt = m.OccurredAt;
            i.Disposition = Truncate(m.Disposition, 64);
            i.Notes = m.Notes is null ? null : Truncate(m.Notes, 4000);
            i.CaseId = m.CaseId;
        }
        EndWorkItem(i);
        // The wrap-up names the agent but says nothing about when they took the call: lowest rank.
        SetAgent(i, m.AgentId, 0, m.OccurredAt);
    }, ct);

    /// <summary>
    /// A voicemail's work item that an agent accepted and completed ends, handled, when it was completed (whatever order its
    /// queueing, acceptance and wrap-up arrive in): it has no call of its own to end it.
    /// </summary>
    private static void EndWorkItem(Interaction i)
    {
        if (i.VoicemailPath is not null && i.Direction == CallDirection.Callback && i.CallbackAttempts == 0
            && i.AnsweredAt is not null && i.WrappedUpAt is { } completed)
        {
            i.EndedAt = Earliest(i.EndedAt, completed);
            i.Outcome ??= CallOutcome.Answered;
            i.EndReason ??= "voicemail handled";
        }
    }

    private static void MarkOutbound(Interaction i, string? number)
    {
        i.Direction = CallDirection.Outbound;
        if (!string.IsNullOrWhiteSpace(number))
        {
            i.Dialled ??= Truncate(number, 32);
            i.Caller ??= Truncate(number, 32);
        }
    }

    private Task MergeAsync(Guid callId, Action<Interaction> merge, CancellationToken ct) => writer.MergeAsync(callId, merge, ct);

    internal static void Derive(Interaction i)
    {
        DateTimeOffset? start = null;
        foreach (var t in (ReadOnlySpan<DateTimeOffset?>)[i.ReceivedAt, i.QueuedAt, i.ReservedAt, i.AnsweredAt, i.EndedAt, i.WrappedUpAt])
        {
            start = Earliest(start, t);
        }
        i.StartedAt = start ?? i.StartedAt;
        var waitEnd = i.AnsweredAt ?? i.EndedAt;
        i.WaitSeconds = i.QueuedAt is { } q && waitEnd is { } w ? Seconds(w - q) : null;
        i.TalkSeconds = i.AnsweredAt is { } a && i.EndedAt is { } e ? Seconds(e - a) : null;
        i.WrapUpSeconds = i.EndedAt is { } ended && i.WrappedUpAt is { } wrapped ? Seconds(wrapped - ended) : null;
    }

    private static int Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (int)Math.Round(span.TotalSeconds);

    private static void SetQueue(Interaction i, string? queue, int rank, DateTimeOffset at)
    {
        if (!string.IsNullOrWhiteSpace(queue) && Wins(rank, at, queue, i.QueueRank, i.QueueSetAt, i.Queue))
        {
            i.Queue = Truncate(queue, 64);
            i.QueueRank = rank;
            i.QueueSetAt = at;
        }
    }

    private static void SetAgent(Interaction i, string? agent, int rank, DateTimeOffset at)
    {
        if (!string.IsNullOrWhiteSpace(agent) && Wins(rank, at, agent, i.AgentRank, i.AgentSetAt, i.AgentId))
        {
            i.AgentId = Truncate(agent, 64);
            i.AgentRank = rank;
            i.AgentSetAt = at;
        }
    }

    /// <summary>A total order on (rank, time, value): the same winner whatever the arrival order.</summary>
    private static bool Wins(int rank, DateTimeOffset at, string value, int currentRank, DateTimeOffset? currentAt, string? current)
    {
        if (current is null)
        {
            return true;
        }
        if (rank != currentRank)
        {
            return rank > currentRank;
        }
        if (currentAt is null || at != currentAt)
        {
            return currentAt is null || at > currentAt;
        }
        return string.CompareOrdinal(value, current) > 0;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a <= b ? a : b;

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a >= b ? a : b;

    /// <summary>The IVR path only grows during a call: keep the longest seen.</summary>
    private static string? Longest(string? current, string? candidate)
    {
        if (string.IsNullOrWhiteSpace(candidate))
        {
            return current;
        }
        candidate = Truncate(candidate, 256);
        if (current is null || candidate.Length > current.Length
            || (candidate.Length == current.Length && string.CompareOrdinal(candidate, current) > 0))
        {
            return candidate;
        }
        return current;
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
