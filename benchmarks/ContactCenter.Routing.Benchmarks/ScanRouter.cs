namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// The baseline: what Asterisk app_queue does — for every call, walk every member of the queue and check it; for a freed
/// agent, walk every waiting call of every queue it serves. Same data, same rules (skills, best level, longest idle,
/// effective wait), no index.
/// </summary>
internal sealed class ScanRouter
{
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
            _waiting[queue].Add(new ScanCall(n, queue, world.Start.UtcTicks - TimeSpan.FromSeconds(RoutingWorld.WaitingCalls - n).Ticks, n % 10 == 0 ? 1 : 0, n % 4));
        }
    }

    private bool Qualifies(int agent, int queue)
    {
        var levels = _world.AgentLevels[agent];
        foreach (var (skill, level) in _world.QueueSkills[queue])
        {
            if (levels[skill] < level)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A new call: scan every member of the queue; returns the agent reserved or -1.</summary>
    public int NewCall(int queue)
    {
        var best = -1;
        var bestLevel = -1;
        var primary = _world.QueueSkills[queue][0].Skill;
        foreach (var a in _members[queue])
        {
            if (!_available[a] || !Qualifies(a, queue))
            {
                continue;
            }
            var level = _world.AgentLevels[a][primary];
            if (level > bestLevel || (level == bestLevel && _idleSince[a] < _idleSince[best]))
            {
                best = a;
                bestLevel = level;
            }
        }
        if (best >= 0)
        {
            _available[best] = false;
        }
        return best;
    }

    public void Release(int agent) => _available[agent] = true;

    /// <summary>A freed agent: scan every waiting call of every queue it serves; returns the call taken.</summary>
    public ScanCall? FreedAgent(int agent)
    {
        ScanCall? best = null;
        var bestKey = long.MaxValue;
        foreach (var q in _world.AgentQueues[agent])
        {
            if (!Qualifies(agent, q))
            {
                continue;
            }
            foreach (var c in _waiting[q])
            {
                var key = c.QueuedAt - ((c.Priority * TimeSpan.TicksPerMinute) + (c.Tier * 30 * TimeSpan.TicksPerSecond));
                if (key < bestKey)
                {
                    best = c;
                    bestKey = key;
                }
            }
        }
        if (best is not null)
        {
            _waiting[best.Queue].Remove(best);
        }
        return best;
    }

    public void Requeue(ScanCall call) => _waiting[call.Queue].Add(call);
}

internal sealed record ScanCall(int Id, int Queue, long QueuedAt, int Priority, int Tier);
