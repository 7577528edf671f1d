using System.Runtime.CompilerServices;
using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>A skill check as recorded on the hot path: skill index and levels, no strings.</summary>
internal readonly record struct PackedSkill(int Skill, byte Required, byte Configured, byte AgentLevel, bool Optional);

[InlineArray(DecisionLog.InlineSkills)]
internal struct SkillBuffer
{
    private PackedSkill _element;
}

[InlineArray(DecisionLog.MaxLosers)]
internal struct LoserBuffer
{
    private LoserNote _element;
}

/// <summary>One remembered decision, stored inline in the log's ring (no heap object per decision).</summary>
internal struct DecisionSlot
{
    public long Index;
    public long Previous;
    public Guid CallId;
    public int Queue;
    public int Agent;
    public long AtTicks;
    public MatchTrigger Trigger;
    public string Rule;
    public long WaitedTicks;
    public long EffectiveTicks;
    public int Priority;
    public CustomerTier Tier;
    public int Ring;
    public int SkillCount;
    public SkillBuffer Skills;
    /// <summary>Skill checks beyond <see cref="DecisionLog.InlineSkills"/> (rare: a queue plus several IVR skills).</summary>
    public PackedSkill[]? MoreSkills;
    public int LoserCount;
    public LoserBuffer Losers;
}

/// <summary>
/// The last <c>capacity</c> routing decisions, for <c>GET /api/routing/decisions</c>. A ring of inline structs that grows to its
/// capacity and is then reused: remembering a decision allocates nothing, and nothing lives just long enough to be promoted by
/// the GC and die old (the "mid-life crisis" that made every 20,000th-decision-old object cost a gen-2 collection). Decisions of
/// one call are chained (newest to oldest) through <see cref="DecisionSlot.Previous"/>.
/// </summary>
internal sealed class DecisionLog(int capacity)
{
    public const int InlineSkills = 4;
    public const int MaxLosers = 5;

    private readonly Dictionary<Guid, long> _lastByCall = [];
    private DecisionSlot[] _slots = new DecisionSlot[Math.Min(capacity, 1024)];
    private long _count;

    public int Capacity => capacity;

    /// <summary>Decisions written since the start.</summary>
    public long Count => _count;

    /// <summary>Calls with at least one remembered decision (the index's size; tests check it stays bounded).</summary>
    public int CallsIndexed => _lastByCall.Count;

    /// <summary>Claims the next slot for a decision of <paramref name="callId"/>, evicting the oldest when full; the slot comes back cleared.</summary>
    public ref DecisionSlot Append(Guid callId)
    {
        if (_count == _slots.Length && _slots.Length < capacity)
        {
            // Still filling: nothing has wrapped, so every index keeps its position.
            Array.Resize(ref _slots, Math.Min(capacity, _slots.Length * 2));
        }
        ref var slot = ref _slots[(int)(_count % _slots.Length)];
        if (_count >= _slots.Length && _lastByCall.TryGetValue(slot.CallId, out var newest) && newest == slot.Index)
        {
            _lastByCall.Remove(slot.CallId);
        }
        ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lastByCall, callId, out var existed);
        slot = default;
        slot.Index = _count;
        slot.Previous = existed ? last : -1;
        slot.CallId = callId;
        last = _count;
        _count++;
        return ref slot;
    }

    /// <summary>Whether the decision at an absolute index is still remembered.</summary>
    public bool IsLive(long index) => index >= 0 && index < _count && index >= _count - _slots.Length;

    public ref readonly DecisionSlot At(long index) => ref _slots[(int)(index % _slots.Length)];

    /// <summary>The newest remembered decision of a call, or -1.</summary>
    public long Newest(Guid callId) => _lastByCall.TryGetValue(callId, out var i) && IsLive(i) ? i : -1;
}
