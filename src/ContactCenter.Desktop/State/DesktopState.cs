using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;

namespace ContactCenter.Desktop.State;

/// <summary>
/// What this Desktop instance knows right now, kept in memory so that a desktop reconnecting
/// mid-call gets its call and pop again and a board connecting gets the latest figures.
/// Every <c>On*</c> method is idempotent and tolerant of events arriving out of order: it
/// returns what to push, or null when the event changed nothing (a redelivery, a late event
/// for a finished call, an older figure).
/// </summary>
internal sealed partial class DesktopState(TimeProvider time)
{
    private const int FinishedCallsKept = 10_000;

    private readonly Lock gate = new();
    private readonly Dictionary<string, AgentEntry> agents = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, string> liveCalls = [];
    // Finished per agent and call: a call that rang out on one agent's phone goes on to another.
    private readonly HashSet<(string AgentId, Guid CallId)> finished = [];
    private readonly Queue<(string AgentId, Guid CallId)> finishedOrder = new();
    private readonly Dictionary<string, QueueStatistics> queues = new(StringComparer.Ordinal);
    private readonly LinkedList<CallbackGivenUpView> givenUp = new();

    public CallStateView? OnReserved(AgentReserved m)
    {
        lock (gate)
        {
            var call = CurrentOrNewCall(m.AgentId, m.CallId, m.OccurredAt, out var created);
            if (call is null)
            {
                return null;
            }

            var changed = created;
            changed |= Fill(ref call.Caller, m.Caller);
            changed |= Fill(ref call.Queue, m.Queue);
            changed |= Fill(ref call.IvrPath, m.IvrPath);
            if (call.WaitedSeconds is null)
            {
                call.WaitedSeconds = m.Waited.TotalSeconds;
                changed = true;
            }

            if (call.RingingAt is null)
            {
                call.RingingAt = m.OccurredAt;
                changed = true;
            }

            return changed ? call.View() : null;
        }
    }

    public (ScreenPop? Pop, CallStateView? Call) OnScreenPop(ScreenPopReady m)
    {
        lock (gate)
        {
            var call = CurrentOrNewCall(m.AgentId, m.CallId, m.OccurredAt, out var created);
            if (call is null)
            {
                return (null, null);
            }

            var entry = agents[m.AgentId];
            if (entry.Pop is not null && entry.Pop.CallId == m.CallId)
            {
                return (null, null);
            }

            entry.Pop = m;
            Fill(ref call.Caller, m.Caller);
            Fill(ref call.Queue, m.Queue);
            Fill(ref call.IvrPath, m.IvrPath);
            call.WaitedSeconds ??= m.Waited.TotalSeconds;
            call.RingingAt ??= m.OccurredAt;
            return (BuildPop(m), created ? call.View() : null);
        }
    }

    public CallStateView? OnConnected(CallConnected m)
    {
        lock (gate)
        {
            var call = CurrentOrNewCall(m.AgentId, m.CallId, m.OccurredAt, out _);
            if (call is null || call.Phase >= CallPhase.Connected)
            {
                return null;
            }

            Fill(ref call.Queue, m.Queue);
            if (m.Direction == CallDirection.Outbound)
            {
                call.Direction = CallDirection.Outbound;
            }

            call.Phase = CallPhase.Connected;
            call.ConnectedAt = m.OccurredAt;
            return call.View();
        }
    }

    public CallStateView? OnEnded(CallEnded m)
    {
        lock (gate)
        {
            var agentId = m.AgentId;
            if (agentId is null && !liveCalls.TryGetValue(m.CallId, out agentId))
            {
                return null;
            }

            var call = CurrentOrNewCall(agentId, m.CallId, m.OccurredAt, out _);
            if (call is null || call.Phase >= CallPhase.WrapUp)
            {
                return null;
            }

            call.EndedAt = m.OccurredAt;
            call.Outcome = m.Outcome;
            call.EndedBy = m.EndedBy;
            call.EndReason = m.Reason;
            if (m.Direction == CallDirection.Outbound)
            {
                call.Direction = CallDirection.Outbound;
                Fill(ref call.Caller, m.Dialled);
            }

            if ((call.ConnectedAt is not null || m.Outcome == CallOutcome.Answered) && call.WorkItemId is null)
            {
                call.Phase = CallPhase.WrapUp;
                return call.View();
            }

            // Not answered, or a call back from a work item (whose own wrap-up covers it): over.
            return Finish(agentId, call);
        }
    }

    /// <summary>
    /// The agent blind-transferred the call from their phone: their part is over (wrap-up), while the
    /// call itself lives on with the next agent, whose desktop gets its own pop.
    /// </summary>
    public CallStateView? OnTransferred(CallTransferred m)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(m.AgentId, out var entry) || entry.Call is not { } call || call.CallId != m.CallId
                || call.Phase >= CallPhase.WrapUp)
            {
                return null;
            }
            if (liveCalls.TryGetValue(m.CallId, out var holder) && holder == m.AgentId)
            {
                liveCalls.Remove(m.CallId);
            }
            call.EndedAt = m.OccurredAt;
            call.Outcome = CallOutcome.Answered;
            call.EndedBy = CallParty.Agent;
            call.EndReason = m.TargetAgentId is { } target ? $"transferred to {target}" : $"transferred to {m.Queue}";
            call.Phase = CallPhase.WrapUp;
            return call.View();
        }
    }

    /// <summary>
    /// Why the agent may not dial now, or null when they may: they must be Available or NotReady as routing last said (routing
    /// decides again when it gets the call) and have no call on the desktop that is not over.
    /// </summary>
    public string? DialRefusal(string agentId, Guid? workItemId = null)
    {
        lock (gate)
        {
            return RefusalOf(Entry(agentId), workItemId);
        }
    }

    private static string? RefusalOf(AgentEntry entry, Guid? workItemId)
    {
        if (entry.Call is { Phase: < CallPhase.Ended } current)
        {
            return current.Phase == CallPhase.WrapUp ? "finish the wrap-up of your last call first" : "you are already on a call";
        }

        if (workItemId is { } item)
        {
            // A call back from a voicemail: the agent's state is the work item's; routing checks the rest.
            return entry.Work.Exists(w => w.CallId == item && w.Phase == WorkPhase.Working) ? null : "that voicemail is not yours to call back";
        }

        return entry.State?.State switch
        {
            null or AgentState.Available or AgentState.NotReady => null,
            AgentState.LoggedOut => "you are logged out: log in to place calls",
            AgentState.WrapUp => "finish the wrap-up of your last call first",
            _ => "you are already on a call",
        };
    }

    /// <summary>The agent dialled a number: the call card shows it ringing (the agent's own phone rings first). Null when another call is live.</summary>
    public CallStateView? OnDialling(string agentId, Guid callId, string number, string? customerName, Guid? workItemId = null)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            var entry = Entry(agentId);
            if (RefusalOf(entry, workItemId) is not null)
            {
                return null;
            }

            var call = CurrentOrNewCall(agentId, callId, now, out var created);
            if (call is null || !created)
            {
                return null;
            }

            call.Direction = CallDirection.Outbound;
            call.Caller = number;
            call.CustomerName = customerName;
            call.RingingAt = now;
            call.WorkItemId = workItemId;
            if (workItemId is { } item && entry.Work.Find(w => w.CallId == item) is { } work)
            {
                work.CallBackId = callId;
            }

            return call.View();
        }
    }

    /// <summary>Routing refused an outbound call the agent dialled: the call card ends with the reason.</summary>
    public CallStateView? OnOutboundRefused(OutboundCallRefused m)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(m.AgentId, out var entry) || entry.Call is not { } call || call.CallId != m.CallId || call.Phase >= CallPhase.WrapUp)
            {
                return null;
            }

            call.EndedAt = m.OccurredAt;
            call.Outcome = CallOutcome.Failed;
            call.EndedBy = CallParty.System;
            call.EndReason = "refused: " + m.Reason;
            return Finish(m.AgentId, call);
        }
    }

    /// <summary>The agent finished after-call work for <paramref name="callId"/>.</summary>
    public CallStateView? OnWrapUpCompleted(string agentId, Guid callId)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(agentId, out var entry) || entry.Call is not { } call || call.CallId != callId)
            {
                return null;
            }

            call.WrapUpCompletedAt = time.GetUtcNow();
            call.EndedAt ??= call.WrapUpCompletedAt;
            return Finish(agentId, call);
        }
    }

    /// <summary>
    /// True when the call is known to be another agent's. A call the agent had and still holds (in wrap-up) stays theirs to
    /// wrap up even when someone else now has it: after a supervisor's take-over the call is the supervisor's, and the agent
    /// it was taken from still completes their own wrap-up for it.
    /// </summary>
    public bool IsAnotherAgentsCall(string agentId, Guid callId)
    {
        lock (gate)
        {
            if (agents.TryGetValue(agentId, out var own) && own.Call?.CallId == callId)
            {
                return false;
            }

            if (liveCalls.TryGetValue(callId, out var owner) && !string.Equals(owner, agentId, StringComparison.Ordinal))
            {
                return true;
            }

            foreach (var (id, entry) in agents)
            {
                if (!string.Equals(id, agentId, StringComparison.Ordinal) && entry.Work.Exists(w => w.CallId == callId))
                {
                    return true;
                }
            }

            return false;
        }
    }

    public (AgentStateView? State, CallStateView? Call) OnAgentState(AgentStateChanged m)
    {
        lock (gate)
        {
            var entry = Entry(m.AgentId);
            // Routing stamps every change of one input with that input's time (Available then Reserved when a freed agent is
            // offered something at once): at the same time, only the change that follows the current state is newer.
            if (entry.State is { } current && (current.OccurredAt > m.OccurredAt || (current.OccurredAt == m.OccurredAt && m.Previous != current.State)))
            {
                return (null, null);
            }

            entry.State = m;
            CallStateView? callView = null;
            if (entry.Call is { } call
                && (m.CallId is null || m.CallId == call.CallId)
                && m.State is AgentState.Available or AgentState.NotReady or AgentState.LoggedOut
                && m.OccurredAt >= call.StartedAt)
            {
                if (call.Phase == CallPhase.WrapUp || (call.Phase == CallPhase.Ringing && m.Previous == AgentState.Reserved))
                {
                    call.EndReason ??= m.Reason ?? (call.Phase == CallPhase.Ringing ? "not answered" : "wrap-up ended");
                    call.EndedAt ??= m.OccurredAt;
                    callView = Finish(m.AgentId, call);
                }
            }

            return (entry.View(), callView);
        }
    }

    /// <summary>
    /// New figures for a queue: the rows to push to the boards (none when stale). A partition's overall row (<c>*east</c>, when
    /// routing runs several partitions of queues) also refreshes the merged <c>*</c> row, "All queues".
    /// </summary>
    public IReadOnlyList<QueueStatisticsView> OnQueueStatistics(QueueStatistics m)
    {
        lock (gate)
        {
            if (queues.TryGetValue(m.Queue, out var current) && current.OccurredAt >= m.OccurredAt)
            {
                return [];
            }

            queues[m.Queue] = m;
            if (m.Queue.Length > 1 && m.Queue[0] == '*')
            {
                var all = MergePartitions();
                queues[all.Queue] = all;
                return [QueueView(m), QueueView(all)];
            }

            return [QueueView(m)];
        }
    }

    /// <summary>
    /// "All queues" from every partition's overall row, exactly: counts add up, and each rate is recomputed from the counters
    /// behind it (service level, ASA, AHT, abandonment, occupancy), never averaged. Longest wait and estimated wait are the
    /// longest of the partitions'.
    /// </summary>
    private QueueStatistics MergePartitions()
    {
        int waiting = 0, offered = 0, answered = 0, abandoned = 0, within = 0, shortAbandoned = 0, diverted = 0, handled = 0, slMet = 0, slCounted = 0;
        TimeSpan longest = TimeSpan.Zero, estimated = TimeSpan.Zero, answerWait = TimeSpan.Zero, handle = TimeSpan.Zero, busy = TimeSpan.Zero, staffed = TimeSpan.Zero;
        var at = DateTimeOffset.MinValue;
        var byState = new Dictionary<AgentState, int>();
        foreach (var (name, q) in queues)
        {
            if (name.Length < 2 || name[0] != '*')
            {
                continue;
            }

            waiting += q.Waiting;
            offered += q.Offered;
            answered += q.Answered;
            abandoned += q.Abandoned;
            within += q.AnsweredWithinTarget;
            var (met, counted) = QueueFigures.ServiceLevelCounters(q);
            slMet += (int)met;
            slCounted += (int)counted;
            shortAbandoned += q.ShortAbandoned;
            diverted += q.Diverted;
            handled += q.Handled;
            answerWait += q.TotalAnswerWait;
            handle += q.TotalHandleTime;
            busy += q.BusyTime;
            staffed += q.StaffedTime;
            longest = longest > q.LongestWait ? longest : q.LongestWait;
            estimated = estimated > q.EstimatedWait ? estimated : q.EstimatedWait;
            at = at > q.OccurredAt ? at : q.OccurredAt;
            foreach (var (state, count) in q.AgentsByState)
            {
                byState[state] = byState.GetValueOrDefault(state) + count;
            }
        }

        // The same definitions as routing's and the reports' (ContactCenter.Contracts.QueueFigures, docs/reporting.md): each
        // partition's counters add up and every rate is recomputed from them.
        return new QueueStatistics
        {
            Queue = "*",
            Waiting = waiting,
            LongestWait = longest,
            Offered = offered,
            Answered = answered,
            Abandoned = abandoned,
            ServiceLevel = QueueFigures.ServiceLevel(slMet, slCounted),
            AverageSpeedOfAnswer = QueueFigures.Average(answerWait.Ticks, answered),
            AverageHandleTime = QueueFigures.Average(handle.Ticks, handled),
            AbandonmentRate = QueueFigures.AbandonmentRate(abandoned, offered, shortAbandoned),
            Occupancy = QueueFigures.Occupancy(busy.Ticks, staffed.Ticks),
            EstimatedWait = estimated,
            AgentsByState = byState,
            AnsweredWithinTarget = within,
            ServiceLevelMet = slMet,
            ServiceLevelCounted = slCounted,
            ShortAbandoned = shortAbandoned,
            Diverted = diverted,
            Handled = handled,
            TotalAnswerWait = answerWait,
            TotalHandleTime = handle,
            BusyTime = busy,
            StaffedTime = staffed,
            OccurredAt = at,
        };
    }

    /// <summary>An agent's desktop connected: what to resend it, and its row for the board.</summary>
    public (AgentStateView? State, CallStateView? Call, ScreenPop? Pop, AgentStateView Board, IReadOnlyList<WorkItemView> Work) Connect(string agentId, string? displayName)
    {
        lock (gate)
        {
            var entry = Entry(agentId);
            entry.Connections++;
            if (displayName is not null)
            {
                entry.DisplayName = displayName;
            }

            entry.ConnectedSince ??= time.GetUtcNow();
            var pop = entry.Pop is { } p && entry.Call is not null ? BuildPop(p) : null;
            var board = entry.View();
            return (entry.State is null ? null : board, entry.Call?.View(), pop, board, entry.Work.ConvertAll(w => WorkView(agentId, w)));
        }
    }

    /// <summary>An agent's desktop disconnected; the board row, when the last one went.</summary>
    public AgentStateView? Disconnect(string agentId)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(agentId, out var entry) || entry.Connections == 0)
            {
                return null;
            }

            entry.Connections--;
            if (entry.Connections > 0)
            {
                return null;
            }

            entry.ConnectedSince = null;
            return entry.View();
        }
    }

    /// <summary>Most callbacks given up kept for a supervisor who connects later.</summary>
    public const int GivenUpKept = 50;

    /// <summary>
    /// A call ended: when it was a callback's last attempt that did not reach the customer, the view for the board
    /// (kept, newest first, for boards that connect later); otherwise null. A redelivered event changes nothing.
    /// </summary>
    public CallbackGivenUpView? OnCallbackEnded(CallEnded m)
    {
        if (m.Direction != CallDirection.Callback || m.RetryAt is not null || m.Outcome is not (CallOutcome.Busy or CallOutcome.NoAnswer or CallOutcome.Failed))
        {
            return null;
        }

        var view = new CallbackGivenUpView(m.CallId, m.Queue, m.Dialled, m.AgentId, m.Outcome, m.Attempt, m.Reason, m.OccurredAt);
        lock (gate)
        {
            foreach (var known in givenUp)
            {
                if (known.CallId == m.CallId)
                {
                    return null;
                }
            }

            givenUp.AddFirst(view);
            if (givenUp.Count > GivenUpKept)
            {
                givenUp.RemoveLast();
            }
        }

        return view;
    }

    /// <summary>The callbacks given up lately, newest first.</summary>
    public IReadOnlyList<CallbackGivenUpView> CallbacksGivenUp()
    {
        lock (gate)
        {
            return [.. givenUp];
        }
    }

    public (IReadOnlyList<QueueStatisticsView> Queues, IReadOnlyList<AgentStateView> Agents) BoardSnapshot()
    {
        lock (gate)
        {
            var queueViews = new List<QueueStatisticsView>(queues.Count);
            foreach (var q in queues.Values)
            {
                queueViews.Add(QueueView(q));
            }

            var agentViews = new List<AgentStateView>(agents.Count);
            foreach (var a in agents.Values)
            {
                if (a.State is not null || a.Connections > 0)
                {
                    agentViews.Add(a.View());
                }
            }

            queueViews.Sort((x, y) => string.CompareOrdinal(x.Queue, y.Queue));
            agentViews.Sort((x, y) => string.CompareOrdinal(x.AgentId, y.AgentId));
            return (queueViews, agentViews);
        }
    }

    private AgentEntry Entry(string agentId)
    {
        if (!agents.TryGetValue(agentId, out var entry))
        {
            entry = new AgentEntry(agentId);
            agents[agentId] = entry;
        }

        return entry;
    }

    /// <summary>The agent's record of this call, created when new; null when the event is stale.</summary>
    private CallRecord? CurrentOrNewCall(string agentId, Guid callId, DateTimeOffset at, out bool created)
    {
        created = false;
        if (finished.Contains((agentId, callId)))
        {
            return null;
        }

        var entry = Entry(agentId);
        if (entry.Call is { } current)
        {
            if (current.CallId == callId)
            {
                return current;
            }

            if (current.StartedAt > at)
            {
                return null;
            }

            Remember(agentId, current.CallId);
            entry.Pop = null;
        }

        created = true;
        entry.Call = new CallRecord(callId, agentId, at);
        liveCalls[callId] = agentId;
        return entry.Call;
    }

    private CallStateView Finish(string agentId, CallRecord call)
    {
        call.Phase = CallPhase.Ended;
        var entry = agents[agentId];
        entry.Call = null;
        entry.Pop = null;
        Remember(agentId, call.CallId);
        return call.View();
    }

    private void Remember(string agentId, Guid callId)
    {
        liveCalls.Remove(callId);
        if (finished.Add((agentId, callId)))
        {
            finishedOrder.Enqueue((agentId, callId));
            if (finishedOrder.Count > FinishedCallsKept)
            {
                finished.Remove(finishedOrder.Dequeue());
            }
        }
    }

    private ScreenPop BuildPop(ScreenPopReady m)
    {
        var now = time.GetUtcNow();
        var cases = new List<OpenCaseView>(m.OpenCases.Count);
        foreach (var c in m.OpenCases)
        {
            var age = now - c.OpenedAt;
            cases.Add(new OpenCaseView(
                c.Id, c.Number, c.Subject, c.Status, c.Priority, c.OwnerAgentId, c.OpenedAt,
                Math.Max(0, age.TotalSeconds), FormatAge(age), c.SlaDueAt, c.SlaDueAt is { } due && due < now));
        }

        return new ScreenPop(
            m.CallId, m.AgentId, m.Caller, m.Queue, m.IvrPath, m.Waited.TotalSeconds, m.Customer,
            m.RecentInteractions, m.TotalInteractions, cases, m.OccurredAt, m.IsCallback);
    }

    internal static string FormatAge(TimeSpan age)
    {
        if (age < TimeSpan.FromMinutes(1))
        {
            return "<1m";
        }

        var c = CultureInfo.InvariantCulture;
        return age.TotalDays >= 1
            ? string.Create(c, $"{(int)age.TotalDays}d {age.Hours}h")
            : age.TotalHours >= 1
                ? string.Create(c, $"{(int)age.TotalHours}h {age.Minutes}m")
                : string.Create(c, $"{age.Minutes}m");
    }

    private static QueueStatisticsView QueueView(QueueStatistics q)
    {
        var byState = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (state, count) in q.AgentsByState)
        {
            byState[StateName(state)] = count;
        }

        return new QueueStatisticsView(
            q.Queue, q.Waiting, q.LongestWait.TotalSeconds, q.Offered, q.Answered, q.Abandoned, q.ServiceLevel,
            q.AverageSpeedOfAnswer.TotalSeconds, q.AverageHandleTime.TotalSeconds, q.AbandonmentRate, q.Occupancy,
            q.EstimatedWait.TotalSeconds, byState, q.OccurredAt);
    }

    /// <summary>camelCase state name, as the JSON protocol writes the enum.</summary>
    internal static string StateName(AgentState state) => state switch
    {
        AgentState.LoggedOut => "loggedOut",
        AgentState.Available => "available",
        AgentState.Reserved => "reserved",
        AgentState.OnCall => "onCall",
        AgentState.WrapUp => "wrapUp",
        AgentState.NotReady => "notReady",
    };

    private static bool Fill(ref string? field, string? value)
    {
        if (field is null && !string.IsNullOrEmpty(value))
        {
            field = value;
            return true;
        }

        return false;
    }

    private sealed class AgentEntry(string agentId)
    {
        public string? DisplayName { get; set; }
        public int Connections { get; set; }
        public DateTimeOffset? ConnectedSince { get; set; }
        public AgentStateChanged? State { get; set; }
        public CallRecord? Call { get; set; }
        public ScreenPopReady? Pop { get; set; }
        /// <summary>Offers and work items on the desktop, oldest first (DesktopState.Work.cs).</summary>
        public List<WorkRecord> Work { get; } = [];

        public AgentStateView View() => State is { } s
            ? new AgentStateView(agentId, DisplayName, s.State, s.Previous, s.Reason, s.CallId, s.OccurredAt, Connections > 0,
                s.CallId is { } callId && Call?.CallId == callId ? Call.Queue : null)
            : new AgentStateView(agentId, DisplayName, AgentState.LoggedOut, AgentState.LoggedOut, "no presence from routing yet", null,
                ConnectedSince ?? DateTimeOffset.MinValue, Connections > 0);
    }

    private sealed class CallRecord(Guid callId, string agentId, DateTimeOffset startedAt)
    {
        public Guid CallId { get; } = callId;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public CallPhase Phase { get; set; } = CallPhase.Ringing;
        // Fields so that Fill can take them by ref.
        public string? Caller;
        public string? Queue;
        public string? IvrPath;
        public double? WaitedSeconds { get; set; }
        public DateTimeOffset? RingingAt { get; set; }
        public DateTimeOffset? ConnectedAt { get; set; }
        public DateTimeOffset? EndedAt { get; set; }
        public DateTimeOffset? WrapUpCompletedAt { get; set; }
        public CallOutcome? Outcome { get; set; }
        public CallParty? EndedBy { get; set; }
        public string? EndReason { get; set; }
        public CallDirection Direction { get; set; }
        public string? CustomerName { get; set; }
        /// <summary>A call back from this work item: no wrap-up of its own (the work item's covers it).</summary>
        public Guid? WorkItemId { get; set; }

        public CallStateView View() => new(
            CallId, agentId, Phase, Caller, Queue, IvrPath, WaitedSeconds, RingingAt, ConnectedAt, EndedAt,
            WrapUpCompletedAt, Outcome, EndedBy, EndReason, Direction, CustomerName, WorkItemId);
    }
}
