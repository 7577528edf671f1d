using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Engine;

internal sealed partial class RoutingEngine
{
    /// <summary>A call looks for the best available agent: preferred agent in its window, else highest proficiency in the queue's primary skill, then the queue's tie-break.</summary>
    private bool TryMatchCall(CallRecord call, MatchTrigger trigger)
    {
        if (call.Phase != CallPhase.Waiting)
        {
            return false;
        }
        _losers.Clear();
        var queue = _queues[call.Queue];
        if (InPreferredWindow(call))
        {
            var pref = _agents[call.PreferredAgent];
            if (pref.State == AgentState.Available && Qualifies(pref, call, out _))
            {
                Reserve(pref, call, trigger, "preferred-agent (owner of the caller's open case)");
                return true;
            }
            return false;
        }
        AgentRecord? winner = null;
        AgentRecord? fallback = null;
        var winnerBucket = -1;
        var extra = 0;
        for (var b = queue.Available.Length - 1; b >= 0 && extra < 3; b--)
        {
            var set = queue.Available[b];
            if (set.Count == 0)
            {
                continue;
            }
            if (winner is null)
            {
                // Fast path: the head of the best bucket usually qualifies (no enumerator needed).
                var head = _agents[set.Min.Agent];
                if (set.Count == 1 && head.Index != call.LastMissedAgent && Qualifies(head, call, out _))
                {
                    winner = head;
                    winnerBucket = b;
                    continue;
                }
            }
            foreach (var key in set)
            {
                var a = _agents[key.Agent];
                if (winner == a)
                {
                    continue;
                }
                if (!Qualifies(a, call, out var failed))
                {
                    AddLacks(a, call, failed);
                    if (winner is not null && ++extra >= 3)
                    {
                        break;
                    }
                    continue;
                }
                if (a.Index == call.LastMissedAgent)
                {
                    fallback = a;
                    AddLoser(new LoserNote(LoserReason.MissedBefore, a.Id, default, null, 0, 0, 0, 0));
                    continue;
                }
                if (winner is null)
                {
                    winner = a;
                    winnerBucket = b;
                    continue;
                }
                AddLoser(b < winnerBucket
                    ? new LoserNote(LoserReason.LowerProficiency, a.Id, default, SkillName(queue.PrimarySkill), b, winnerBucket, 0, 0)
                    : TieLoss(queue, a, winner));
                if (++extra >= 3)
                {
                    break;
                }
            }
        }
        winner ??= fallback;
        if (winner is null)
        {
            return false;
        }
        var level = queue.PrimarySkill < 0 ? 0 : winner.Level(queue.PrimarySkill);
        var rule = queue.RuleText[level] ??= queue.PrimarySkill < 0
            ? TieName(queue.Definition.TieBreak)
            : string.Create(CultureInfo.InvariantCulture, $"best {SkillName(queue.PrimarySkill)} proficiency ({level}), then {TieName(queue.Definition.TieBreak)}");
        Reserve(winner, call, trigger, rule);
        return true;
    }

    /// <summary>A freed agent takes the best waiting call it qualifies for across all its queues: calls preferring it first, then the smallest effective enqueue time.</summary>
    private bool TryMatchAgent(AgentRecord agent)
    {
        if (agent.State != AgentState.Available)
        {
            return false;
        }
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
                Reserve(agent, best, MatchTrigger.FreedAgent, "preferred-agent (owner of the caller's open case)");
                return true;
            }
        }
        foreach (var qi in agent.Queues)
        {
            var queue = _queues[qi];
            if (queue.Waiting.Count == 0)
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
        best ??= fallback;
        if (best is null)
        {
            return false;
        }
        Reserve(agent, best, MatchTrigger.FreedAgent, "longest effective wait across the agent's queues");
        return true;
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

    private LoserNote TieLoss(QueueState queue, AgentRecord loser, AgentRecord winner) => queue.Definition.TieBreak switch
    {
        TieBreak.LongestIdle => new LoserNote(LoserReason.LessIdle, loser.Id, default, winner.Id, 0, 0, _nowTicks - loser.IdleSinceTicks, _nowTicks - winner.IdleSinceTicks),
        TieBreak.LeastTalkTime => new LoserNote(LoserReason.MoreTalkTime, loser.Id, default, winner.Id, 0, 0, loser.TalkTicksToday, winner.TalkTicksToday),
        TieBreak.RoundRobin => new LoserNote(LoserReason.OfferedMoreRecently, loser.Id, default, winner.Id, 0, 0, 0, 0),
        _ => new LoserNote(LoserReason.LessIdle, loser.Id, default, winner.Id, 0, 0, 0, 0),
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
        queue.Waiting.Remove(new WaitingEntry(new WaitingKey(call.EffectiveKey, call.Seq), call));
        UnsetPreferred(call);
        var kept = 0;
        foreach (var r in call.Requirements)
        {
            kept += r.Optional && call.DropOptional ? 0 : 1;
        }
        var checks = kept == 0 ? [] : new SkillCheck[kept];
        kept = 0;
        foreach (var r in call.Requirements)
        {
            if (r.Optional && call.DropOptional)
            {
                continue;
            }
            checks[kept++] = new SkillCheck(SkillName(r.Skill), LevelInForce(call, r), r.Level, agent.Level(r.Skill), r.Optional);
        }
        var decision = new RoutingDecision
        {
            CallId = call.Id,
            Queue = queue.Definition.Name,
            AgentId = agent.Id,
            At = _now,
            Trigger = trigger,
            Rule = rule,
            Waited = TimeSpan.FromTicks(_nowTicks - call.QueuedAtTicks),
            EffectiveWait = TimeSpan.FromTicks(_nowTicks - call.EffectiveKey),
            Priority = call.Priority,
            Tier = call.Tier.ToString(),
            Ring = call.Ring,
            Skills = checks,
            Notes = _losers.Count == 0 ? [] : [.. _losers],
        };
        _losers.Clear();
        StoreDecision(decision);
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

    private void StoreDecision(RoutingDecision decision)
    {
        if (_decisions.TryGetValue(decision.CallId, out var previous))
        {
            decision.Previous = previous;
        }
        else
        {
            _decisionOrder.Enqueue(decision.CallId);
            if (_decisionOrder.Count > MaxRememberedCalls)
            {
                _decisions.Remove(_decisionOrder.Dequeue());
            }
        }
        _decisions[decision.CallId] = decision;
    }

    /// <summary>The decisions made for a call, oldest first (a call re-queued after a missed ring has several).</summary>
    public IReadOnlyList<RoutingDecision>? DecisionsFor(Guid callId)
    {
        if (!_decisions.TryGetValue(callId, out var last))
        {
            return null;
        }
        var list = new List<RoutingDecision>();
        for (var d = last; d is not null; d = d.Previous)
        {
            list.Add(d);
        }
        list.Reverse();
        return list;
    }
}
