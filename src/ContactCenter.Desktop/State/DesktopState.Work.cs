using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;

namespace ContactCenter.Desktop.State;

/// <summary>
/// Offers and work items on the agents' desktops: a voicemail (offered, then worked on: played, called back, wrapped up) and a
/// callback of a preview queue (offered; accepted, it becomes the agent's call). Like the calls, every method is idempotent and
/// drops what is stale: an offer ended at some time ignores the events of that offer older than that time, while a later offer
/// of the same item to the same agent (it came back to them) is a new one.
/// </summary>
internal sealed partial class DesktopState
{
    private const int EndedWorkKept = 10_000;

    private readonly Dictionary<(string AgentId, Guid CallId), DateTimeOffset> endedWork = [];
    private readonly Queue<(string AgentId, Guid CallId)> endedWorkOrder = new();
    /// <summary>Pops that came before their offer (the CRM and routing publish independently); attached when the offer comes.</summary>
    private readonly Dictionary<(string AgentId, Guid CallId), ScreenPopReady> earlyPops = [];
    private readonly Queue<(string AgentId, Guid CallId)> earlyPopOrder = new();
    private const int EarlyPopsKept = 1_000;

    /// <summary>Routing offered the agent a voicemail or a preview callback (<see cref="AgentReserved.Offer"/>).</summary>
    public WorkItemView? OnOffered(AgentReserved m)
    {
        lock (gate)
        {
            var work = CurrentOrNewWork(m.AgentId, m.CallId, m.Offer, m.OccurredAt, out var created);
            if (work is null)
            {
                return null;
            }

            var changed = created;
            if (work.Pop is null && earlyPops.Remove((m.AgentId, m.CallId), out var early))
            {
                Attach(work, early);
                changed = true;
            }

            changed |= Fill(ref work.Caller, m.Caller);
            changed |= Fill(ref work.Queue, m.Queue);
            changed |= Fill(ref work.IvrPath, m.IvrPath);
            if (work.WaitedSeconds is null)
            {
                work.WaitedSeconds = m.Waited.TotalSeconds;
                changed = true;
            }

            if (work.ExpiresAt is null && m.OfferExpiresAt is { } expires)
            {
                work.ExpiresAt = expires;
                changed = true;
            }

            return changed ? WorkView(m.AgentId, work) : null;
        }
    }

    /// <summary>
    /// The CRM's pop for an offer: the caller's 360 on the offer's card. A pop never creates an offer (it may be assembled after
    /// the offer was withdrawn); one that comes first waits for its offer.
    /// </summary>
    public WorkItemView? OnOfferPop(ScreenPopReady m)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(m.AgentId, out var entry) || entry.Work.Find(w => w.CallId == m.CallId) is not { } work)
            {
                if (earlyPops.TryAdd((m.AgentId, m.CallId), m))
                {
                    earlyPopOrder.Enqueue((m.AgentId, m.CallId));
                    if (earlyPopOrder.Count > EarlyPopsKept)
                    {
                        earlyPops.Remove(earlyPopOrder.Dequeue());
                    }
                }

                return null;
            }

            if (work.Pop is not null)
            {
                return null;
            }

            Attach(work, m);
            return WorkView(m.AgentId, work);
        }
    }

    private static void Attach(WorkRecord work, ScreenPopReady m)
    {
        work.Pop = m;
        Fill(ref work.Caller, m.Caller);
        Fill(ref work.Queue, m.Queue);
        Fill(ref work.IvrPath, m.IvrPath);
        work.WaitedSeconds ??= m.Waited.TotalSeconds;
        work.ExpiresAt ??= m.OfferExpiresAt;
        work.VoicemailSeconds ??= m.VoicemailSeconds;
    }

    /// <summary>
    /// Routing took the agent's Accept. A voicemail is now being worked on; a preview callback leaves the offers and becomes the
    /// agent's call (ringing: their phone first, then the customer), with the offer's pop.
    /// </summary>
    public (WorkItemView? Work, CallStateView? Call, ScreenPop? Pop) OnOfferAccepted(OfferAccepted m)
    {
        lock (gate)
        {
            var work = CurrentOrNewWork(m.AgentId, m.CallId, m.Offer, m.OccurredAt, out _);
            if (work is null || work.Phase != WorkPhase.Offered)
            {
                return (null, null, null);
            }

            work.AcceptedAt = m.OccurredAt;
            Fill(ref work.Queue, m.Queue);
            if (m.Offer != OfferKind.PreviewCallback)
            {
                work.Phase = WorkPhase.Working;
                return (WorkView(m.AgentId, work), null, null);
            }

            var ended = EndWork(m.AgentId, work, "accepted: your phone rings, then the customer is dialled", m.OccurredAt);
            var call = CurrentOrNewCall(m.AgentId, m.CallId, m.OccurredAt, out _);
            if (call is null)
            {
                return (ended, null, null);
            }

            call.Caller ??= work.Caller;
            call.Queue ??= work.Queue;
            call.IvrPath ??= work.IvrPath;
            call.WaitedSeconds ??= work.WaitedSeconds;
            call.RingingAt ??= m.OccurredAt;
            call.Direction = CallDirection.Callback;
            var entry = agents[m.AgentId];
            entry.Pop = work.Pop;
            return (ended, call.View(), work.Pop is { } pop ? BuildPop(pop) : null);
        }
    }

    /// <summary>Routing withdrew an offer (skipped, not accepted in time, the agent went away) or a work item the agent held.</summary>
    public WorkItemView? OnOfferWithdrawn(OfferWithdrawn m)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(m.AgentId, out var entry) || entry.Work.Find(w => w.CallId == m.CallId) is not { } work || work.OfferedAt > m.OccurredAt)
            {
                RememberEndedWork(m.AgentId, m.CallId, m.OccurredAt);
                return null;
            }

            return EndWork(m.AgentId, work, m.Reason, m.OccurredAt);
        }
    }

    /// <summary>The agent completed a voicemail (CompleteWrapUp): it leaves the desktop. Null when it was not theirs to complete.</summary>
    public WorkItemView? OnWorkCompleted(string agentId, Guid callId)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(agentId, out var entry) || entry.Work.Find(w => w.CallId == callId) is not { Phase: WorkPhase.Working } work)
            {
                return null;
            }

            return EndWork(agentId, work, "completed", time.GetUtcNow());
        }
    }

    /// <summary>The work item the agent may act on (accept, skip, call back, complete), or null.</summary>
    public WorkItemView? Work(string agentId, Guid callId)
    {
        lock (gate)
        {
            return agents.TryGetValue(agentId, out var entry) && entry.Work.Find(w => w.CallId == callId) is { } work ? WorkView(agentId, work) : null;
        }
    }

    private WorkRecord? CurrentOrNewWork(string agentId, Guid callId, OfferKind kind, DateTimeOffset at, out bool created)
    {
        created = false;
        if (endedWork.TryGetValue((agentId, callId), out var ended) && at <= ended)
        {
            return null;
        }

        var entry = Entry(agentId);
        if (entry.Work.Find(w => w.CallId == callId) is { } known)
        {
            return known;
        }

        created = true;
        var work = new WorkRecord(callId, kind == OfferKind.None ? OfferKind.Voicemail : kind, at);
        entry.Work.Add(work);
        return work;
    }

    private WorkItemView EndWork(string agentId, WorkRecord work, string reason, DateTimeOffset at)
    {
        work.Phase = WorkPhase.Ended;
        work.EndReason = reason;
        agents[agentId].Work.Remove(work);
        RememberEndedWork(agentId, work.CallId, at);
        return WorkView(agentId, work);
    }

    private void RememberEndedWork(string agentId, Guid callId, DateTimeOffset at)
    {
        if (endedWork.TryGetValue((agentId, callId), out var known))
        {
            endedWork[(agentId, callId)] = known > at ? known : at;
            return;
        }

        endedWork[(agentId, callId)] = at;
        endedWorkOrder.Enqueue((agentId, callId));
        if (endedWorkOrder.Count > EndedWorkKept)
        {
            endedWork.Remove(endedWorkOrder.Dequeue());
        }
    }

    private WorkItemView WorkView(string agentId, WorkRecord w) => new(
        w.CallId, agentId, w.Kind, w.Phase, w.Pop?.Caller ?? w.Caller, w.Queue, w.IvrPath, w.WaitedSeconds, w.OfferedAt, w.ExpiresAt,
        w.AcceptedAt, w.EndReason, w.Pop is { } pop ? BuildPop(pop) : null,
        w.Kind == OfferKind.Voicemail ? w.Pop?.VoicemailCallId ?? w.CallId : null, w.VoicemailSeconds, w.CallBackId);

    private sealed class WorkRecord(Guid callId, OfferKind kind, DateTimeOffset offeredAt)
    {
        public Guid CallId { get; } = callId;
        public OfferKind Kind { get; } = kind;
        public DateTimeOffset OfferedAt { get; } = offeredAt;
        public WorkPhase Phase { get; set; } = WorkPhase.Offered;
        // Fields so that Fill can take them by ref.
        public string? Caller;
        public string? Queue;
        public string? IvrPath;
        public double? WaitedSeconds { get; set; }
        public DateTimeOffset? ExpiresAt { get; set; }
        public DateTimeOffset? AcceptedAt { get; set; }
        public string? EndReason { get; set; }
        public ScreenPopReady? Pop { get; set; }
        public int? VoicemailSeconds { get; set; }
        public Guid? CallBackId { get; set; }
    }
}
