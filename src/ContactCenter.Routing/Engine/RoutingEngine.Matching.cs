using System.Globalization;
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
        var winner = SelectAgent(call, out var rule);
        if (winner is null)
        {
            return false;
        }
        Reserve(winner, call, trigger, rule);
        return true;
    }

    /// <summary>
    /// The agent a waiting call would get now (losers recorded in <see cref="_losers"/>), without reserving. Walks the queue's
    /// available agents best bucket first, each bucket in tie-break order: the first qualified agent wins and at most three
    /// more candidates are looked at, for the explanation. Empty buckets cost one comparison each (six in all).
    /// </summary>
    private AgentRecord? SelectAgent(CallRecord call, out string rule)
    {
        _losers.Clear();
        var queue = _queues[call.Queue];
        if (InPreferredWindow(call))
        {
            var pref = _agents[call.PreferredAgent];
            rule = PreferredRule;
            return pref.State == AgentState.Available && Qualifies(pref, call, out _) ? pref : null;
        }
        AgentRecord? winner = null;
        AgentRecord? fallback = null;
        var winnerBucket = -1;
        var winnerKey = default(AvailableKey);
        var extra = 0;
        // A call asking just its queue's requirements walks only agents known to meet them (no skill check, no agent record
        // touched but the winner's and the explained losers').
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
                    AddLacks(a, call, failed);
                    if (winner is not null && ++extra >= 3)
                    {
                        break;
                    }
                    continue;
                }
                if (key.Agent == call.LastMissedAgent)
                {
                    fallback = a;
                    AddLoser(new LoserNote(LoserReason.MissedBefore, a.Id, default, null, 0, 0, 0, 0));
                    continue;
                }
                if (winner is null)
                {
                    winner = a;
                    winnerBucket = b;
                    winnerKey = key;
                    continue;
                }
                AddLoser(b < winnerBucket
                    ? new LoserNote(LoserReason.LowerProficiency, a.Id, default, SkillName(queue.PrimarySkill), b, winnerBucket, 0, 0)
                    : TieLoss(queue, a.Id, key, winner.Id, winnerKey));
                if (++extra >= 3)
                {
                    break;
                }
            }
        }
        winner ??= fallback;
        if (winner is null)
        {
            rule = "";
            return null;
        }
        var level = queue.PrimarySkill < 0 ? 0 : winner.Level(queue.PrimarySkill);
        rule = queue.RuleText[level] ??= queue.PrimarySkill < 0
            ? TieName(queue.Definition.TieBreak)
            : string.Create(CultureInfo.InvariantCulture, $"best {SkillName(queue.PrimarySkill)} proficiency ({level}), then {TieName(queue.Definition.TieBreak)}");
        return winner;
    }

    /// <summary>A freed agent takes the best waiting call it qualifies for across all its queues: calls preferring it first, then the smallest effective enqueue time.</summary>
    private bool TryMatchAgent(AgentRecord agent)
    {
        if (agent.State != AgentState.Available)
        {
            return false;
        }
        var best = SelectCall(agent, out var rule);
        if (best is null)
        {
            return false;
        }
        Reserve(agent, best, MatchTrigger.FreedAgent, rule);
        return true;
    }

    /// <summary>
    /// The call an agent would take now (losers recorded), without reserving: calls preferring it first, then, per queue it
    /// serves, the queue's waiting calls in effective-wait order until one it qualifies for (or one later than the best so far).
    /// </summary>
    private CallRecord? SelectCall(AgentRecord agent, out string rule)
    {
        _losers.Clear();
        CallRecord? best = null;
        CallRecord? fallback = null;
        if (agent.PreferredCalls is { Count: > 0 } preferred)
        {
            foreach (var c in preferred)
            {
                if (c.Phase == CallPhase.Waiting && InPreferredWindow(c) && Qualifies(agent, c, out _) && (best is null || Earlier(c, best)))
                {
                    best = c;
                }
            }
            if (best is not null)
            {
                rule = PreferredRule;
                return best;
            }
        }
        var queues = agent.Queues;
        for (var k = 0; k < queues.Length; k++)
        {
            var queue = _queues[queues[k]];
            // O(1) skips: nothing waits, or the agent lacks the queue's own requirements and every waiting call asks exactly those.
            if (queue.Waiting.Count == 0 || (!agent.MeetsBase[k] && queue.SpecialWaiting == 0))
            {
                continue;
            }
            foreach (var (_, c) in queue.Waiting)
            {
                if (best is not null && !Earlier(c, best))
                {
                    AddLoser(new LoserNote(LoserReason.ShorterEffectiveWait, null, c.Id, queue.Definition.Name, 0, 0, 0, 0));
                    break;
                }
                if (InPreferredWindow(c) && c.PreferredAgent != agent.Index)
                {
                    AddLoser(new LoserNote(LoserReason.HeldForPreferredAgent, null, c.Id, _agents[c.PreferredAgent].Id, 0, 0, 0, 0));
                    continue;
                }
                if (!Qualifies(agent, c, out var failed))
                {
                    var r = c.Requirements[failed];
                    AddLoser(new LoserNote(LoserReason.LacksSkill, null, c.Id, SkillName(r.Skill), LevelInForce(c, r), agent.Level(r.Skill), 0, 0));
                    continue;
                }
                if (c.LastMissedAgent == agent.Index)
                {
                    if (fallback is null || Earlier(c, fallback))
                    {
                        fallback = c;
                    }
                    continue;
                }
                if (best is not null)
                {
                    AddLoser(new LoserNote(LoserReason.LongerWaitElsewhere, null, best.Id, null, 0, 0, 0, 0));
                }
                best = c;
                break;
            }
        }
        rule = FreedAgentRule;
        return best ?? fallback;
    }

    /// <summary>Benchmark hook: the agent a new call to <paramref name="queue"/> (queue's own skills) would get now; nothing changes.</summary>
    internal int SelectAgentForNewCall(int queue)
    {
        var probe = _probeCall ??= new CallRecord
        {
            Id = Guid.Empty,
            Seq = long.MaxValue,
            Queue = queue,
            Caller = "",
            GatewayId = "",
            IvrPath = "",
            Requirements = [],
            Priority = 0,
            Tier = CustomerTier.Standard,
            QueuedAtTicks = _nowTicks,
            KnownSinceTicks = _nowTicks,
        };
        probe.Queue = queue;
        probe.Requirements = _queues[queue].Requirements;
        var winner = SelectAgent(probe, out _);
        _losers.Clear();
        return winner?.Index ?? -1;
    }

    /// <summary>Benchmark hook: the call agent number <paramref name="agent"/> would take if it became free now; nothing changes.</summary>
    internal Guid? SelectCallForFreedAgent(int agent)
    {
        var call = SelectCall(_agents[agent], out _);
        _losers.Clear();
        return call?.Id;
    }

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

    private void AddLoser(in LoserNote note)
    {
        if (_losers.Count < MaxLosers)
        {
            _losers.Add(note);
        }
    }

    private void AddLacks(AgentRecord agent, CallRecord call, int failed)
    {
        if (_losers.Count < MaxLosers)
        {
            var r = call.Requirements[failed];
            _losers.Add(new LoserNote(LoserReason.LacksSkill, agent.Id, default, SkillName(r.Skill), LevelInForce(call, r), agent.Level(r.Skill), 0, 0));
        }
    }

    /// <summary>Why an agent lost a tie, from the index keys (which hold the tie-break value: idle since, talk time, offer order).</summary>
    private LoserNote TieLoss(QueueState queue, string loser, AvailableKey loserKey, string winner, AvailableKey winnerKey) => queue.Definition.TieBreak switch
    {
        TieBreak.LongestIdle => new LoserNote(LoserReason.LessIdle, loser, default, winner, 0, 0, _nowTicks - loserKey.Key, _nowTicks - winnerKey.Key),
        TieBreak.LeastTalkTime => new LoserNote(LoserReason.MoreTalkTime, loser, default, winner, 0, 0, loserKey.Key, winnerKey.Key),
        TieBreak.RoundRobin => new LoserNote(LoserReason.OfferedMoreRecently, loser, default, winner, 0, 0, 0, 0),
        _ => new LoserNote(LoserReason.LessIdle, loser, default, winner, 0, 0, 0, 0),
    };

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
        var losers = Math.Min(_losers.Count, DecisionLog.MaxLosers);
        for (var i = 0; i < losers; i++)
        {
            slot.Losers[i] = _losers[i];
        }
        slot.LoserCount = losers;
        var decision = Materialize(slot);
        _losers.Clear();
        call.Phase = CallPhase.Reserved;
        call.Agent = agent.Index;
        call.Generation++;
        Outputs.Add(new ReservationMade(decision, call.GatewayId, call.Caller, call.IvrPath, queue.Definition.RingTimeout, queue.Definition.Record, call.IsCallback));
        SetState(agent, AgentState.Reserved, null, call.Id);
        agent.Call = call;
        agent.LastOfferSeq = ++_seq;
        Schedule(_nowTicks + queue.Definition.RingTimeout.Ticks + _config.RingGrace.Ticks, new Deadline(DeadlineKind.RingTimeout, null, agent, null, agent.Generation));
        MarkDirty(call.Queue);
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
