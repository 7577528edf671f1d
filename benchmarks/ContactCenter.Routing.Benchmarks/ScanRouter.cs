namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// The baseline: a straightforward scan, what Asterisk app_queue does, applying the same rules as the engine to the same data.
/// <list type="bullet">
/// <item><b>New call</b> (app_queue's <c>try_calling</c>: for every member of the queue a <c>callattempt</c> and
/// <c>calc_metric</c>, then <c>ring_one</c>/<c>find_best</c> and <c>can_ring_entry</c>'s state check): walks EVERY member of
/// the queue, busy or not, and for each one computes its eligibility (every requirement of the call, optional ones
/// included, at the level in force) and its score (proficiency in the queue's primary skill, then longest idle), then
/// checks its state; keeps the best available, eligible member. It does not skip busy members before computing their
/// eligibility and score (app_queue does not either: it computes the metric of every member and only checks the device
/// and pause state when it tries to ring the best one).</item>
/// <item><b>Freed agent, as the issue words it</b> (<see cref="BestCallByMembers"/>: "checks every agent of the queue for every
/// call", app_queue's way: a call looks for an agent, never the reverse): the head call of each queue the agent serves (the
/// queue's first in effective-wait order, as app_queue's head caller, the one whose turn it is) scans EVERY member of its queue
/// as a new call does; a head whose best available, eligible member is the freed agent is a candidate, and the candidate with
/// the longest effective wait takes the agent (the engine's fairness across queues). Flat arrays, no allocation: what
/// <see cref="AppQueueModel"/> does for a freed agent without app_queue's per-member allocations, locks and string copies.</item>
/// <item><b>Freed agent, agent-driven</b> (<see cref="BestCall"/>, a cleverer scan than app_queue has): walks every waiting call
/// of every queue the agent serves and, for each one, checks the agent against that call's own requirements (calls carry IVR
/// skills, so eligibility is per call) and computes its effective wait (wait plus tier and IVR-priority boosts); keeps the call
/// with the longest effective wait. It checks one agent per call instead of every member, so it is far cheaper than the
/// issue's scan; it is reported beside it.</item>
/// </list>
/// It is not a straw man: no allocation per member (app_queue callocs a <c>callattempt</c> per member and may walk the
/// list once more per busy best candidate in <c>ring_one</c>), flat arrays, one pass. It does less than the engine per
/// decision: no explanation of losers, no bullseye rings, preferred agents or timers, no statistics or state events.
/// It is THE baseline of the goal (≥ 50× at this size). It does much less than app_queue itself: <see cref="AppQueueModel"/>,
/// reported beside it, follows app_queue's own steps (locks, reference counts, a <c>callattempt</c> per member, repeated
/// <c>find_best</c> walks) on the same world.
/// </summary>
internal sealed class ScanRouter
{
    /// <summary>The engine's default tier boosts (Standard, Silver, Gold, Platinum).</summary>
    private static readonly long[] TierBoostTicks = [0, 30 * TimeSpan.TicksPerSecond, 60 * TimeSpan.TicksPerSecond, 120 * TimeSpan.TicksPerSecond];

    private readonly RoutingWorld _world;
    private readonly List<int>[] _members;
    private readonly List<ScanCall>[] _waiting;
    private readonly bool[] _available;
    private readonly long[] _idleSince;

    public ScanRouter(RoutingWorld world)
    {
        _world = world;
        _members = new List<int>[RoutingWorld.Queues];
        _waiting = new List<ScanCall>[RoutingWorld.Queues];
        for (var q = 0; q < RoutingWorld.Queues; q++)
        {
            _members[q] = [];
            _waiting[q] = [];
        }
        _available = new bool[RoutingWorld.Agents];
        _idleSince = new long[RoutingWorld.Agents];
        for (var a = 0; a < RoutingWorld.Agents; a++)
        {
            foreach (var q in world.AgentQueues[a])
            {
                _members[q].Add(a);
            }
            _available[a] = a < RoutingWorld.Agents / 4;
            _idleSince[a] = a;
        }
        for (var n = 0; n < RoutingWorld.WaitingCalls; n++)
        {
            var queue = n % (RoutingWorld.Queues / 2);
            _waiting[queue].Add(new ScanCall(n, queue, world.Start.UtcTicks - TimeSpan.FromSeconds(RoutingWorld.WaitingCalls - n).Ticks, n % 10 == 0 ? 1 : 0, n % 4,
                world.QueueSkills[queue]));
        }
        // Each queue's calls in effective-wait order, as app_queue keeps its callers in priority order: the head is the first.
        foreach (var waiting in _waiting)
        {
            waiting.Sort(static (x, y) => x.Key != y.Key ? x.Key.CompareTo(y.Key) : x.Id.CompareTo(y.Id));
        }
    }

    private static bool Qualifies(int[] levels, (int Skill, int Level)[] requirements)
    {
        var ok = true;
        foreach (var (skill, level) in requirements)
        {
            ok &= levels[skill] >= level;
        }
        return ok;
    }

    /// <summary>A new call: scan every member of the queue; returns the agent reserved or -1.</summary>
    public int NewCall(int queue)
    {
        var best = BestAgent(queue);
        if (best >= 0)
        {
            _available[best] = false;
        }
        return best;
    }

    /// <summary>The selection alone: the agent a new call to the queue would get; nothing changes.</summary>
    public int BestAgent(int queue) => BestMember(queue, _world.QueueSkills[queue]);

    public void Release(int agent) => _available[agent] = true;

    /// <summary>A freed agent: scan every waiting call of every queue it serves; returns the call taken.</summary>
    public ScanCall? FreedAgent(int agent)
    {
        var best = BestCall(agent);
        if (best is not null)
        {
            _waiting[best.Queue].Remove(best);
        }
        return best;
    }

    /// <summary>The selection alone, agent-driven: the call a freed agent would take; nothing changes.</summary>
    public ScanCall? BestCall(int agent)
    {
        ScanCall? best = null;
        var bestKey = long.MaxValue;
        var levels = _world.AgentLevels[agent];
        foreach (var q in _world.AgentQueues[agent])
        {
            foreach (var c in _waiting[q])
            {
                var eligible = Qualifies(levels, c.Requirements);
                var key = c.QueuedAt - ((c.Priority * TimeSpan.TicksPerMinute) + TierBoostTicks[c.Tier]);
                // Equal effective waits: the earlier arrival, as the engine breaks the tie.
                if (eligible && (key < bestKey || (key == bestKey && c.Id < best!.Id)))
                {
                    best = c;
                    bestKey = key;
                }
            }
        }
        return best;
    }

    /// <summary>
    /// The selection alone, as the issue words the scan (every agent of the queue checked for every call): each of the agent's
    /// queues' head call scans every member with the freed agent now available; nothing changes.
    /// </summary>
    public ScanCall? BestCallByMembers(int agent)
    {
        var wasAvailable = _available[agent];
        _available[agent] = true;
        ScanCall? best = null;
        foreach (var q in _world.AgentQueues[agent])
        {
            var waiting = _waiting[q];
            if (waiting.Count == 0)
            {
                continue;
            }
            var head = waiting[0];
            if ((best is null || head.Key < best.Key || (head.Key == best.Key && head.Id < best.Id)) && BestMember(q, head.Requirements) == agent)
            {
                best = head;
            }
        }
        _available[agent] = wasAvailable;
        return best;
    }

    /// <summary>The best available member of <paramref name="queue"/> meeting <paramref name="requirements"/>, every member checked.</summary>
    private int BestMember(int queue, (int Skill, int Level)[] requirements)
    {
        var best = -1;
        var bestLevel = -1;
        var bestIdle = long.MaxValue;
        var primary = requirements[0].Skill;
        foreach (var a in _members[queue])
        {
            var levels = _world.AgentLevels[a];
            var eligible = Qualifies(levels, requirements);
            var level = levels[primary];
            var idle = _idleSince[a];
            var better = level > bestLevel || (level == bestLevel && idle < bestIdle);
            if (eligible && _available[a] && better)
            {
                best = a;
                bestLevel = level;
                bestIdle = idle;
            }
        }
        return best;
    }

    /// <summary>Puts a taken call back in its place in its queue's order.</summary>
    public void Requeue(ScanCall call)
    {
        var waiting = _waiting[call.Queue];
        var i = waiting.FindIndex(c => c.Key > call.Key || (c.Key == call.Key && c.Id > call.Id));
        waiting.Insert(i < 0 ? waiting.Count : i, call);
    }
}

internal sealed record ScanCall(int Id, int Queue, long QueuedAt, int Priority, int Tier, (int Skill, int Level)[] Requirements)
{
    private static readonly long[] TierBoost = [0, 30 * TimeSpan.TicksPerSecond, 60 * TimeSpan.TicksPerSecond, 120 * TimeSpan.TicksPerSecond];

    /// <summary>Effective enqueue time (wait adjusted by IVR priority and tier, the engine's defaults): smaller waits longer.</summary>
    public long Key { get; } = QueuedAt - ((Priority * TimeSpan.TicksPerMinute) + TierBoost[Tier]);
}
