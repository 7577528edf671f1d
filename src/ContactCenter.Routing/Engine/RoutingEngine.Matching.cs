using System.Globalization;
using System.Runtime.CompilerServices;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Engine;

internal sealed partial class RoutingEngine
{
    private const string PreferredRule = "preferred-agent (owner of the caller's open case)";
    private const string FreedAgentRule = "longest effective wait across the agent's queues";

    /// <summary>A call looks for the best available agent: preferred agent in its window, else highest proficiency in the queue's primary skill, then the queue's tie-break.</summary>
    private bool TryMatchCall(CallRecord call, MatchTrigger trigger)
    {
        if (call.Phase != CallPhase.Waiting)
        {
            return false;
        }
        var winner = SelectAgent(call, out var preferred);
        if (winner < 0)
        {
            return false;
        }
        var agent = _agents[winner];
        Reserve(agent, call, trigger, preferred ? PreferredRule : AgentRule(_queues[call.Queue], agent));
        return true;
    }

    /// <summary>
    /// The agent (index, or -1) a waiting call would get now, without reserving; the losers are left in <see cref="_loserRefs"/>.
    /// The order is the queue's available agents best primary-skill bucket first, each bucket in tie-break order: the first who
    /// qualifies wins, and at most three more candidates are named for the explanation.
    /// <list type="bullet">
    /// <item>A call asking exactly its queue's own requirements (the common case) reads the winner and the three next candidates
    /// from <see cref="_tops"/>: one array element, no bucket walked, no agent record or queue object touched.</item>
    /// <item>Otherwise (IVR skills, a widening ring, requirements carried over by overflow, or a call whose last missed agent is
    /// among those first candidates) <see cref="WalkAvailable"/> walks the buckets and checks each agent.</item>
    /// </list>
    /// Both give the same choice and the same losers for a base call: <see cref="QueueTop"/> is the first four entries of the
    /// order the walk follows (checked by <c>CheckInvariants</c>).
    /// </summary>
    private int SelectAgent(CallRecord call, out bool preferred)
    {
        _loserCount = 0;
        if (InPreferredWindow(call))
        {
            preferred = true;
            var pref = _agents[call.PreferredAgent];
            return pref.State == AgentState.Available && Qualifies(pref, call, out _) ? pref.Index : -1;
        }
        preferred = false;
        ref readonly var top = ref _tops[call.Queue];
        // IsBase without the queue object: the top holds the queue's requirements array.
        if (ReferenceEquals(call.Requirements, top.Requirements) && call.LowerBy == 0 && !call.DropOptional
            && (call.LastMissedAgent < 0 || !InTop(top, call.LastMissedAgent)))
        {
            return TakeTop(top);
        }
        return WalkAvailable(call, _queues[call.Queue]);
    }

    /// <summary>The head of a queue's <see cref="QueueTop"/> wins; the entries after it lost, to a better level or to the tie-break.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int TakeTop(in QueueTop top)
    {
        if (top.Count == 0)
        {
            return -1;
        }
        var winner = top.Entries[0];
        for (var i = 1; i < top.Count; i++)
        {
            var e = top.Entries[i];
            if (e.Level < winner.Level)
            {
                NextLoser().Set(LoserReason.LowerProficiency, e.Agent, default, top.PrimarySkill, e.Level, winner.Level, 0, 0);
            }
            else
            {
                AddTieLoss(top.TieBreak, e.Agent, e.Key, winner.Agent, winner.Key);
            }
        }
        return winner.Agent;
    }

    /// <summary>The general walk of <see cref="SelectAgent"/>: every bucket of available agents, each agent checked against the call.</summary>
    private int WalkAvailable(CallRecord call, QueueState queue)
    {
        AgentRecord? winner = null;
        AgentRecord? fallback = null;
        var winnerBucket = -1;
        var winnerKey = default(AvailableKey);
        var extra = 0;
        // A call asking just its queue's requirements walks only agents known to meet them (no skill check).
        var trusted = IsBase(call, queue);
        var buckets = trusted ? queue.Qualified : queue.Available;
        for (var b = buckets.Length - 1; b >= 0 && extra < 3; b--)
        {
            var set = buckets[b];
            if (set.Count == 0)
            {
                continue;
            }
            foreach (var key in set)
            {
                if (winner is not null && winner.Index == key.Agent)
                {
                    continue;
                }
                var a = _agents[key.Agent];
                if (!trusted && !Qualifies(a, call, out var failed))
                {
                    AddLacks(a.Index, default, a, call, failed);
                    if (winner is not null && ++extra >= 3)
                    {
                        break;
                    }
                    continue;
                }
                if (key.Agent == call.LastMissedAgent)
                {
                    fallback = a;
                    NextLoser().Set(LoserReason.MissedBefore, a.Index, default, 0, 0, 0, 0, 0);
                    continue;
                }
                if (winner is null)
                {
                    winner = a;
                    winnerBucket = b;
                    winnerKey = key;
                    continue;
                }
                if (b < winnerBucket)
                {
                    NextLoser().Set(LoserReason.LowerProficiency, a.Index, default, queue.PrimarySkill, b, winnerBucket, 0, 0);
                }
                else
                {
                    AddTieLoss(queue.TieBreak, a.Index, key.Key, winner.Index, winnerKey.Key);
                }
                if (++extra >= 3)
                {
                    break;
                }
            }
        }
        return (winner ?? fallback)?.Index ?? -1;
    }

    /// <summary>The rule text of a decision won on proficiency and tie-break (built once per queue and level).</summary>
    private string AgentRule(QueueState queue, AgentRecord winner)
    {
        var level = queue.PrimarySkill < 0 ? 0 : winner.Level(queue.PrimarySkill);
        return queue.RuleText[level] ??= queue.PrimarySkill < 0
            ? TieName(queue.TieBreak)
            : string.Create(CultureInfo.InvariantCulture, $"best {SkillName(queue.PrimarySkill)} proficiency ({level}), then {TieName(queue.TieBreak)}");
    }

    /// <summary>A freed agent takes the best waiting call it qualifies for across all its queues: calls preferring it first, then the smallest effective enqueue time.</summary>
    private bool TryMatchAgent(AgentRecord agent)
    {
        if (agent.State != AgentState.Available)
        {
            return false;
        }
        var best = SelectCall(agent, out var preferred);
        if (best is null)
        {
            return false;
        }
        Reserve(agent, best, MatchTrigger.FreedAgent, preferred ? PreferredRule : FreedAgentRule);
        return true;
    }

    /// <summary>
    /// The call an agent would take now (losers left in <see cref="_loserRefs"/>), without reserving: calls preferring it first,
    /// then, per queue it serves, the queue's waiting calls in effective-wait order until one it qualifies for (or one later than
    /// the best so far), decided from each queue's <see cref="WaitingHead"/> alone when it can (<see cref="SelectWalking"/>).
    /// </summary>
    private CallRecord? SelectCall(AgentRecord agent, out bool preferred)
    {
        _loserCount = 0;
        CallRecord? best = null;
        if (agent.PreferredCalls is { Count: > 0 } held)
        {
            foreach (var c in held)
            {
                if (c.Phase == CallPhase.Waiting && InPreferredWindow(c) && Qualifies(agent, c, out _) && (best is null || Earlier(c, best)))
                {
                    best = c;
                }
            }
            if (best is not null)
            {
                preferred = true;
                return best;
            }
        }
        preferred = false;
        return SelectWalking(agent);
    }

    /// <summary>
    /// The freed agent's choice across its queues, in the agent's order. Per queue, from its <see cref="WaitingHead"/> (one element of
    /// <see cref="_heads"/>, no queue object or list touched) when it can:
    /// <list type="bullet">
    /// <item>nothing waits, or the agent lacks the queue's own requirements and every waiting call asks exactly those: skipped;</item>
    /// <item>the head is not earlier than the best so far: that call loses (shorter effective wait), and so would every call behind it;</item>
    /// <item>the head is <see cref="WaitingHead.Plain"/>, the agent meets the queue's requirements and did not miss that call: it
    /// becomes the best, and the best so far loses (longer effective wait elsewhere);</item>
    /// <item>otherwise (a call held for a preferred agent, asking other skills, or missed by this agent): the queue is walked call
    /// by call (<see cref="WalkWaiting"/>).</item>
    /// </list>
    /// </summary>
    private CallRecord? SelectWalking(AgentRecord agent)
    {
        var pick = default(Pick);
        foreach (var (qi, meets) in agent.Memberships)
        {
            ref readonly var head = ref _heads[qi];
            if (head.Count == 0 || (!meets && head.Special == 0))
            {
                continue;
            }
            if (pick.Best is not null && !Earlier(head.Key, head.Seq, pick.Key, pick.Seq))
            {
                NextLoser().Set(LoserReason.ShorterEffectiveWait, -1, head.Id, qi, 0, 0, 0, 0);
                continue;
            }
            if (meets && head.Plain && head.LastMissed != agent.Index)
            {
                Take(ref pick, head.Call!, head.Key, head.Seq, head.Id);
                continue;
            }
            WalkWaiting(agent, _queues[qi], ref pick);
        }
        return pick.Best ?? pick.Fallback;
    }

    /// <summary>The best call so far of a freed agent's selection, and the call it missed before (taken only if nothing else is).</summary>
    private struct Pick
    {
        public CallRecord? Best;
        public long Key;
        public long Seq;
        public Guid Id;
        public CallRecord? Fallback;
    }

    private void Take(ref Pick pick, CallRecord call, long key, long seq, Guid id)
    {
        if (pick.Best is not null)
        {
            NextLoser().Set(LoserReason.LongerWaitElsewhere, -1, pick.Id, 0, 0, 0, 0, 0);
        }
        pick.Best = call;
        pick.Key = key;
        pick.Seq = seq;
        pick.Id = id;
    }

    /// <summary>One queue's waiting calls in order, each checked against the agent, until one it may take (or one later than the best).</summary>
    private void WalkWaiting(AgentRecord agent, QueueState queue, ref Pick pick)
    {
        foreach (var (key, c) in queue.Waiting)
        {
            if (pick.Best is not null && !Earlier(key.EffectiveKey, key.Seq, pick.Key, pick.Seq))
            {
                NextLoser().Set(LoserReason.ShorterEffectiveWait, -1, c.Id, queue.Index, 0, 0, 0, 0);
                break;
            }
            if (InPreferredWindow(c) && c.PreferredAgent != agent.Index)
            {
                NextLoser().Set(LoserReason.HeldForPreferredAgent, -1, c.Id, c.PreferredAgent, 0, 0, 0, 0);
                continue;
            }
            if (!Qualifies(agent, c, out var failed))
            {
                AddLacks(-1, c.Id, agent, c, failed);
                continue;
            }
            if (c.LastMissedAgent == agent.Index)
            {
                if (pick.Fallback is null || Earlier(c, pick.Fallback))
                {
                    pick.Fallback = c;
                }
                continue;
            }
            Take(ref pick, c, key.EffectiveKey, key.Seq, c.Id);
            break;
        }
    }

    /// <summary>
    /// Benchmark hook: the agent a new call to <paramref name="queue"/> (queue's own skills) would get now; nothing changes. The
    /// call is a record made once per queue (as <c>OnQueueCall</c> makes one per call, from the queue it has just looked up): the
    /// hook times <see cref="SelectAgent"/>, the function every decision goes through.
    /// </summary>
    internal int SelectAgentForNewCall(int queue)
    {
        var probes = _probeCalls ??= new CallRecord?[_queues.Length];
        var probe = probes[queue] ??= new CallRecord
        {
            Id = Guid.Empty,
            Seq = long.MaxValue,
            Queue = queue,
            Caller = "",
            GatewayId = "",
            IvrPath = "",
            Requirements = _queues[queue].Requirements,
            Priority = 0,
            Tier = CustomerTier.Standard,
            QueuedAtTicks = _nowTicks,
            KnownSinceTicks = _nowTicks,
        };
        var winner = SelectAgent(probe, out _);
        _loserCount = 0;
        return winner;
    }

    /// <summary>
    /// Benchmark hook: the call agent number <paramref name="agent"/> would take if it became free now (its record, not read here:
    /// like the scan's, the choice is a reference); nothing changes.
    /// </summary>
    internal CallRecord? SelectCallForFreedAgent(int agent)
    {
        var call = SelectCall(_agents[agent], out _);
        _loserCount = 0;
        return call;
    }

    private static bool Earlier(long key, long seq, long otherKey, long otherSeq) =>
        key < otherKey || (key == otherKey && seq < otherSeq);

    private static bool Earlier(CallRecord a, CallRecord b) =>
        a.EffectiveKey < b.EffectiveKey || (a.EffectiveKey == b.EffectiveKey && a.Seq < b.Seq);

    private static bool Qualifies(AgentRecord agent, CallRecord call, out int failed)
    {
        var reqs = call.Requirements;
        for (var i = 0; i < reqs.Length; i++)
        {
            var r = reqs[i];
            if (r.Optional && call.DropOptional)
            {
                continue;
            }
            var need = r.Level - call.LowerBy;
            if (need < 1)
            {
                need = 1;
            }
            if (agent.Level(r.Skill) < need)
            {
                failed = i;
                return false;
            }
        }
        failed = -1;
        return true;
    }

    /// <summary>Level in force for a requirement of a call now (after widening).</summary>
    private static int LevelInForce(CallRecord call, Requirement r) => Math.Max(1, r.Level - call.LowerBy);

    /// <summary>The slot for the next loser of the selection in progress (past <see cref="MaxLosers"/>, a slot that is never read).</summary>
    private ref LoserRef NextLoser()
    {
        var n = _loserCount;
        if (n < MaxLosers)
        {
            _loserCount = n + 1;
            return ref _loserRefs[n];
        }
        return ref _loserOverflow;
    }

    /// <summary>Records why an agent lost a tie, from the index keys (which hold the tie-break value: idle since, talk time, offer order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    /// <summary>
    /// <paramref name="agent"/> lacks one of <paramref name="call"/>'s skills at the level in force: the loser is the agent (a new
    /// call's selection: <paramref name="loserAgent"/>) or the call (a freed agent's: <paramref name="loserCall"/>).
    /// </summary>
    private void AddLacks(int loserAgent, Guid loserCall, AgentRecord agent, CallRecord call, int failed)
    {
        var r = call.Requirements[failed];
        NextLoser().Set(LoserReason.LacksSkill, loserAgent, loserCall, r.Skill, LevelInForce(call, r), agent.Level(r.Skill), 0, 0);
    }

    private void AddTieLoss(TieBreak tieBreak, int loser, long loserKey, int winner, long winnerKey)
    {
        switch (tieBreak)
        {
            case TieBreak.LeastTalkTime:
                NextLoser().Set(LoserReason.MoreTalkTime, loser, default, winner, 0, 0, loserKey, winnerKey);
                break;
            case TieBreak.RoundRobin:
                NextLoser().Set(LoserReason.OfferedMoreRecently, loser, default, winner, 0, 0, 0, 0);
                break;
            case TieBreak.LongestIdle:
            default:
                NextLoser().Set(LoserReason.LessIdle, loser, default, winner, 0, 0, _nowTicks - loserKey, _nowTicks - winnerKey);
                break;
        }
    }

    /// <summary>A recorded loser with its ids and names looked up (what the decision log keeps and the snapshot stores).</summary>
    private LoserNote Resolve(in LoserRef r)
    {
        var text = r.Reason switch
        {
            LoserReason.LacksSkill or LoserReason.LowerProficiency => SkillName(r.Ref),
            LoserReason.LessIdle or LoserReason.MoreTalkTime or LoserReason.OfferedMoreRecently or LoserReason.HeldForPreferredAgent => _agents[r.Ref].Id,
            LoserReason.ShorterEffectiveWait => _queues[r.Ref].Definition.Name,
            _ => null,
        };
        return new LoserNote(r.Reason, r.Agent >= 0 ? _agents[r.Agent].Id : null, r.Call, text, r.A, r.B, r.T1, r.T2);
    }

    private static string TieName(TieBreak t) => t switch
    {
        TieBreak.LongestIdle => "longest idle",
        TieBreak.LeastTalkTime => "least talk time today",
        TieBreak.RoundRobin => "round robin",
        _ => "tie-break",
    };

    private string SkillName(int skill) => skill >= 0 && skill < _skillNames.Count ? _skillNames[skill] : "(none)";

    private void Reserve(AgentRecord agent, CallRecord call, MatchTrigger trigger, string rule)
    {
        var queue = _queues[call.Queue];
        RemoveWaiting(call);
        UnsetPreferred(call);
        var decision = Decide(agent, call, trigger, rule);
        call.Phase = CallPhase.Reserved;
        call.Agent = agent.Index;
        call.Generation++;
        // A callback of a preview queue is offered on the desktop first: nothing rings until the agent accepts (AcceptOffer).
        var preview = call.IsCallback ? queue.Definition.CallbackPreview : null;
        call.AwaitingAccept = preview is not null;
        Outputs.Add(preview is { } offer
            ? new ReservationMade(decision, call.GatewayId, call.Caller, call.IvrPath, queue.Definition.RingTimeout, queue.Definition.Record, true,
                OfferKind.PreviewCallback, offer, agent.Phone)
            : new ReservationMade(decision, call.GatewayId, call.Caller, call.IvrPath, queue.Definition.RingTimeout, queue.Definition.Record, call.IsCallback,
                Phone: agent.Phone));
        SetState(agent, AgentState.Reserved, preview is null ? null : "callback offered", call.Id);
        agent.Call = call;
        agent.LastOfferSeq = ++_seq;
        Schedule(_nowTicks + (preview ?? queue.Definition.RingTimeout).Ticks + _config.RingGrace.Ticks,
            new Deadline(DeadlineKind.RingTimeout, null, agent, null, agent.Generation));
        MarkDirty(call.Queue);
    }

    /// <summary>Records the decision to give <paramref name="call"/> to <paramref name="agent"/> (skills checked, losers named) and returns its explanation.</summary>
    private RoutingDecision Decide(AgentRecord agent, CallRecord call, MatchTrigger trigger, string rule)
    {
        var queue = _queues[call.Queue];
        ref var slot = ref _decisionLog.Append(call.Id);
        slot.Queue = queue.Index;
        slot.Agent = agent.Index;
        slot.AtTicks = _nowTicks;
        slot.Trigger = trigger;
        slot.Rule = rule;
        slot.WaitedTicks = _nowTicks - call.QueuedAtTicks;
        slot.EffectiveTicks = _nowTicks - call.EffectiveKey;
        slot.Priority = call.Priority;
        slot.Tier = call.Tier;
        slot.Ring = call.Ring;
        var kept = 0;
        foreach (var r in call.Requirements)
        {
            kept += r.Optional && call.DropOptional ? 0 : 1;
        }
        if (kept > DecisionLog.InlineSkills)
        {
            slot.MoreSkills = new PackedSkill[kept - DecisionLog.InlineSkills];
        }
        kept = 0;
        foreach (var r in call.Requirements)
        {
            if (r.Optional && call.DropOptional)
            {
                continue;
            }
            var check = new PackedSkill(r.Skill, (byte)LevelInForce(call, r), (byte)r.Level, (byte)agent.Level(r.Skill), r.Optional);
            if (kept < DecisionLog.InlineSkills)
            {
                slot.Skills[kept] = check;
            }
            else
            {
                slot.MoreSkills![kept - DecisionLog.InlineSkills] = check;
            }
            kept++;
        }
        slot.SkillCount = kept;
        var losers = Math.Min(_loserCount, DecisionLog.MaxLosers);
        for (var i = 0; i < losers; i++)
        {
            slot.Losers[i] = Resolve(_loserRefs[i]);
        }
        slot.LoserCount = losers;
        _loserCount = 0;
        return Materialize(slot);
    }

    /// <summary>Builds the public explanation of a remembered decision (strings looked up now; loser texts written when read).</summary>
    private RoutingDecision Materialize(in DecisionSlot slot)
    {
        var skills = slot.SkillCount == 0 ? [] : new SkillCheck[slot.SkillCount];
        for (var i = 0; i < skills.Length; i++)
        {
            var p = i < DecisionLog.InlineSkills ? slot.Skills[i] : slot.MoreSkills![i - DecisionLog.InlineSkills];
            skills[i] = new SkillCheck(SkillName(p.Skill), p.Required, p.Configured, p.AgentLevel, p.Optional);
        }
        LoserNote[] notes = slot.LoserCount == 0 ? [] : new LoserNote[slot.LoserCount];
        for (var i = 0; i < notes.Length; i++)
        {
            notes[i] = slot.Losers[i];
        }
        return new RoutingDecision
        {
            CallId = slot.CallId,
            Queue = _queues[slot.Queue].Definition.Name,
            AgentId = _agents[slot.Agent].Id,
            At = new DateTimeOffset(slot.AtTicks, TimeSpan.Zero),
            Trigger = slot.Trigger,
            Rule = slot.Rule,
            Waited = TimeSpan.FromTicks(slot.WaitedTicks),
            EffectiveWait = TimeSpan.FromTicks(slot.EffectiveTicks),
            Priority = slot.Priority,
            Tier = slot.Tier.ToString(),
            Ring = slot.Ring,
            Skills = skills,
            Notes = notes,
        };
    }

    /// <summary>The remembered decisions made for a call, oldest first (a call re-queued after a missed ring has several); null when none.</summary>
    public IReadOnlyList<RoutingDecision>? DecisionsFor(Guid callId)
    {
        var index = _decisionLog.Newest(callId);
        if (index < 0)
        {
            return null;
        }
        var list = new List<RoutingDecision>();
        while (_decisionLog.IsLive(index) && list.Count < MaxDecisionsPerCall)
        {
            ref readonly var slot = ref _decisionLog.At(index);
            list.Add(Materialize(slot));
            index = slot.Previous;
        }
        list.Reverse();
        return list;
    }
}
