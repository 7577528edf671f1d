using System.Runtime.CompilerServices;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Engine;

/// <summary>One of the first agents of a queue's <see cref="QueueState.Qualified"/> order: who, their bucket, their tie-break key.</summary>
internal readonly record struct TopEntry(long Key, int Agent, int Level);

[InlineArray(QueueTop.Size)]
internal struct TopEntries
{
    private TopEntry _element;
}

/// <summary>
/// The first <see cref="Size"/> agents of a queue's qualified order (best primary-skill bucket first, each bucket in tie-break
/// order): the winner of a call that asks exactly the queue's own requirements, and the three candidates its explanation names.
/// Kept in a flat array indexed by queue (<c>RoutingEngine._tops</c>) with the little of the queue such a decision needs (its
/// requirements, to recognise the call, its primary skill and tie-break, to explain), so that the decision is one array
/// element read, not a walk through six buckets of sorted lists and the agents' records, nor a visit to the queue's object.
/// The entries are maintained when an agent meeting the queue's requirements enters or leaves Available
/// (<c>AddAvailable</c>/<c>RemoveAvailable</c>); <c>CheckInvariants</c> compares them with the buckets.
/// </summary>
internal struct QueueTop
{
    /// <summary>The winner plus the three losers a decision explains.</summary>
    public const int Size = 4;

    /// <summary>The queue's own requirements (<see cref="QueueState.Requirements"/>, the same array).</summary>
    public Requirement[] Requirements;
    /// <summary><see cref="QueueState.PrimarySkill"/>.</summary>
    public int PrimarySkill;
    /// <summary><see cref="QueueState.TieBreak"/>.</summary>
    public TieBreak TieBreak;
    public int Count;
    public TopEntries Entries;
}

/// <summary>
/// A queue's waiting calls as a freed agent first looks at them: how many, how many ask something other than the queue's own
/// requirements, and the head (the earliest effective enqueue time) with what decides whether it can be taken without a walk.
/// Kept in a flat array indexed by queue (<c>RoutingEngine._heads</c>), refreshed whenever the waiting list, the head's
/// requirements or its preferred agent change (<c>RefreshHead</c>); <c>CheckInvariants</c> compares it with the list.
/// </summary>
internal struct WaitingHead
{
    /// <summary>Waiting calls in the queue (<see cref="QueueState.Waiting"/>'s count).</summary>
    public int Count;
    /// <summary><see cref="QueueState.SpecialWaiting"/>.</summary>
    public int Special;
    /// <summary>The head's <see cref="CallRecord.LastMissedAgent"/>.</summary>
    public int LastMissed;
    /// <summary>
    /// The head asks exactly the queue's own requirements at their configured levels and has no preferred agent: an agent that
    /// meets those requirements qualifies for it and nothing holds it back, so it is that agent's candidate in this queue.
    /// </summary>
    public bool Plain;
    public long Key;
    public long Seq;
    public Guid Id;
    public CallRecord? Call;
}

/// <summary>
/// A losing candidate as a selection records it: indexes and numbers, no string and no object reference (nothing to look up,
/// no GC write barrier, nothing to clear). <c>RoutingEngine.Resolve</c> turns it into a <see cref="LoserNote"/> (ids, skill and
/// queue names) when a decision is kept. <see cref="Ref"/> is, by reason: the skill (lacks skill, lower proficiency), the winner
/// agent (tie losses), the queue (shorter effective wait), the preferred agent (held for it).
/// </summary>
/// <remarks>
/// Mutable and filled in place by <see cref="Set"/> in the engine's buffer: building it as a value and copying it in made the
/// copy's wide loads wait for the narrow stores that built it (a store-forwarding stall per loser, half the time of a new-call
/// selection in the profile).
/// </remarks>
internal struct LoserRef
{
    public LoserReason Reason;
    public int Agent;
    public int Ref;
    public int A;
    public int B;
    public long T1;
    public long T2;
    public Guid Call;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(LoserReason reason, int agent, Guid call, int reference, int a, int b, long t1, long t2)
    {
        Reason = reason;
        Agent = agent;
        Call = call;
        Ref = reference;
        A = a;
        B = b;
        T1 = t1;
        T2 = t2;
    }
}

[InlineArray(DecisionLog.MaxLosers)]
internal struct LoserRefBuffer
{
    private LoserRef _element;
}
