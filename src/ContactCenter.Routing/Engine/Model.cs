using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Engine;

/// <summary>A skill requirement compiled to a skill index.</summary>
internal readonly record struct Requirement(int Skill, int Level, bool Optional);

internal enum CallPhase
{
    Waiting,
    Reserved,
    OnCall,
    Ended,
}

/// <summary>A call routing knows about (waiting, reserved, or on a call).</summary>
internal sealed class CallRecord
{
    public required Guid Id { get; init; }
    public required long Seq { get; init; }
    public required int Queue { get; set; }
    public required string Caller { get; init; }
    public required string GatewayId { get; init; }
    public required string IvrPath { get; init; }
    public required Requirement[] Requirements { get; set; }
    public required int Priority { get; set; }
    public required CustomerTier Tier { get; set; }
    public required long QueuedAtTicks { get; init; }
    public required long KnownSinceTicks { get; init; }
    public long EffectiveKey { get; set; }
    public bool IsCallback { get; set; }
    /// <summary>An agent's outbound call: never waits in a queue, counts in no queue's statistics; <see cref="Queue"/> only gives its ring and wrap-up times.</summary>
    public bool IsOutbound { get; init; }
    /// <summary>
    /// A work item (a voicemail): no phone leg, waits in the engine's work list (not its queue's call list), offered on the desktop
    /// and worked until the agent completes it (RoutingEngine.WorkItems.cs).
    /// </summary>
    public bool IsWorkItem { get; init; }
    /// <summary>Offered to <see cref="Agent"/> and waiting for Accept (a work item, or a callback of a preview queue).</summary>
    public bool AwaitingAccept { get; set; }
    /// <summary>An agent's outbound call placed from a work item they hold (a voicemail's call back): the work item's id.</summary>
    public Guid? ForWork { get; init; }
    public int PreferredAgent { get; set; } = -1;
    public long PreferredUntilTicks { get; set; }
    public int Ring { get; set; }
    public int LowerBy { get; set; }
    public bool DropOptional { get; set; }
    public CallPhase Phase { get; set; }
    public int Agent { get; set; } = -1;
    public int LastMissedAgent { get; set; } = -1;
    public long ConnectedAtTicks { get; set; }
    public int Generation { get; set; }
    /// <summary>Whether the call is counted in its queue's <see cref="QueueState.SpecialWaiting"/>.</summary>
    public bool SpecialCounted { get; set; }
}

/// <summary>A queue an agent serves, and whether the agent meets that queue's own requirements (precomputed when the profile loads).</summary>
internal readonly record struct Membership(int Queue, bool MeetsBase);

/// <summary>An agent's routing state.</summary>
internal sealed class AgentRecord
{
    public required int Index { get; init; }
    public required string Id { get; init; }
    public string DisplayName { get; set; } = "";
    public bool Active { get; set; } = true;
    /// <summary>Which of the agent's registered phones the gateway rings (the directory's phone kind).</summary>
    public PhoneKind Phone { get; set; } = PhoneKind.Both;
    public byte[] Levels { get; set; } = [];
    public int[] Queues { get; set; } = [];
    /// <summary>
    /// Per entry of <see cref="Queues"/>, in the same order: the queue, and whether the agent meets that queue's own requirements at
    /// their configured levels. One array of pairs rather than two parallel arrays: a freed agent's selection reads only this.
    /// </summary>
    public Membership[] Memberships { get; set; } = [];
    public AgentState State { get; set; } = AgentState.LoggedOut;
    public string? Reason { get; set; }
    public long StateSinceTicks { get; set; }
    public CallRecord? Call { get; set; }
    public long IdleSinceTicks { get; set; }
    public long TalkTicksToday { get; set; }
    public DateOnly TalkDay { get; set; }
    public long LastOfferSeq { get; set; }
    public int Generation { get; set; }
    public AgentState? PendingState { get; set; }
    public string? PendingReason { get; set; }
    public long WrapUpStartTicks { get; set; }
    public long TalkOfLastCallTicks { get; set; }
    public int LastCallQueue { get; set; } = -1;
    public List<CallRecord>? PreferredCalls { get; set; }
    /// <summary>
    /// Work items the agent holds, offered or being worked, oldest first. One of a queue that allows no calls meanwhile may also be
    /// <see cref="Call"/> (the agent is then Reserved or OnCall for it, so no call rings them).
    /// </summary>
    public List<CallRecord>? Work { get; set; }

    public int Level(int skill) => (uint)skill < (uint)Levels.Length ? Levels[skill] : 0;
}

/// <summary>Key of an agent in a queue's available set.</summary>
internal readonly record struct AvailableKey(long Key, int Agent) : IComparable<AvailableKey>
{
    public int CompareTo(AvailableKey other)
    {
        var c = Key.CompareTo(other.Key);
        return c != 0 ? c : Agent.CompareTo(other.Agent);
    }
}

/// <summary>Key of a call in a queue's waiting set: effective enqueue time, then arrival order.</summary>
internal readonly record struct WaitingKey(long EffectiveKey, long Seq) : IComparable<WaitingKey>
{
    public int CompareTo(WaitingKey other)
    {
        var c = EffectiveKey.CompareTo(other.EffectiveKey);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }
}

/// <summary>A queue's live state: its available agents bucketed by proficiency in the primary skill, its waiting calls by effective wait.</summary>
internal sealed class QueueState
{
    public QueueState(int index, QueueDefinition definition, Requirement[] requirements)
    {
        Index = index;
        Definition = definition;
        Requirements = requirements;
        TieBreak = definition.TieBreak;
        PrimarySkill = -1;
        foreach (var r in requirements)
        {
            if (!r.Optional)
            {
                PrimarySkill = r.Skill;
                break;
            }
        }
        for (var i = 0; i < Available.Length; i++)
        {
            Available[i] = new OrderedList<AvailableKey>();
            Qualified[i] = new OrderedList<AvailableKey>();
        }
    }

    public int Index { get; }
    public QueueDefinition Definition { get; }
    public Requirement[] Requirements { get; }
    public int PrimarySkill { get; }
    /// <summary><see cref="QueueDefinition.TieBreak"/>, copied here so a decision does not reach into the configuration.</summary>
    public TieBreak TieBreak { get; }
    /// <summary>Available agents by their level (0..5) in the primary skill; each bucket ordered by the tie-break key.</summary>
    public OrderedList<AvailableKey>[] Available { get; } = new OrderedList<AvailableKey>[6];
    /// <summary>
    /// The subset of <see cref="Available"/> that meets all the queue's own requirements (optional ones included) at their
    /// configured levels: a call with exactly those requirements and no widening takes the head of the best non-empty bucket,
    /// without walking agents that lack a secondary skill.
    /// </summary>
    public OrderedList<AvailableKey>[] Qualified { get; } = new OrderedList<AvailableKey>[6];
    public OrderedList<WaitingEntry> Waiting { get; } = new();
    /// <summary>Waiting calls whose requirements differ from the queue's own (IVR skills, widened, overflowed in): the only ones an agent that does not meet the queue's requirements may qualify for.</summary>
    public int SpecialWaiting { get; set; }
    public List<int> Members { get; } = [];
    /// <summary>Rule text per winning level, built once.</summary>
    public string?[] RuleText { get; } = new string?[6];
    public int LoggedIn { get; set; }
}

internal enum DeadlineKind
{
    RingTimeout,
    WrapUpTimeout,
    Widen,
    PreferredWindowEnd,
    MaxWait,
    HeartbeatLoss,
    /// <summary>A work item's offer was not accepted in time (per work item, by its generation).</summary>
    OfferTimeout,
    /// <summary>A waiting work item's widening ring or preferred-agent window changes: look for an agent again.</summary>
    WorkRecheck,
}

internal readonly record struct Deadline(DeadlineKind Kind, CallRecord? Call, AgentRecord? Agent, string? Gateway, int Generation);

internal sealed class GatewayState
{
    public long LastSeenTicks { get; set; }
    public long IntervalTicks { get; set; }
    public int Generation { get; set; }
}
