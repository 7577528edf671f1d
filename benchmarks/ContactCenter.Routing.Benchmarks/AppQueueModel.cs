using System.Runtime.CompilerServices;
using System.Text;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>
/// SECOND baseline, reported next to <see cref="ScanRouter"/> (which stays THE baseline): a C# rendering of the work Asterisk's
/// app_queue does to route one call, step by step, on the same world. Read from <c>apps/app_queue.c</c> of asterisk/asterisk
/// (the 13.x-era version stored in the reference index, commit 00090d3e): function names below are that file's. app_queue has no
/// skills, so <c>calc_metric</c>'s penalty window is replaced by the same requirement check the scan makes; everything else is
/// app_queue's structure. Configuration assumed: <c>strategy=leastrecent</c>, <c>autofill=yes</c> (the default), <c>ringinuse=no</c>
/// (a contact centre does not ring agents already on a call), <c>wrapuptime=0</c>, no weights, no penalty rules; Not Ready is
/// app_queue's <c>paused</c>; penalty = 5 - level in the queue's primary skill, so <c>calc_metric</c> orders members like the
/// scan (best level, then longest idle) and a new call gets the same agent.
/// <para><b>A caller's routing pass</b> (<see cref="Route"/>), what a waiting caller's thread does when it is its turn:</para>
/// <list type="number">
/// <item><c>is_our_turn</c>: lock the queue; <c>num_available_members</c>: iterate every member (<c>ao2_iterator_next</c>: the
/// container's lock taken and released and a reference taken per member, released after) and <c>is_member_available</c> on
/// each (autofill: no early exit); walk the callers ahead of this one while fewer than the available count; unlock.</item>
/// <item><c>try_calling</c>, under the queue lock: for every member (iterator as above), <c>ast_calloc</c> a <c>callattempt</c>
/// (256-byte dial string, the connected-line party, links: ~560 bytes, zeroed), lock the caller's channel and copy its connected
/// line into it (<c>ast_party_connected_line_copy</c>; the caller has no connected-line strings, so no <c>strdup</c>), copy the
/// member's interface (<c>ast_copy_string</c>), <c>calc_metric</c> (member count read, penalty check, <c>time(NULL)</c> for
/// leastrecent, metric = penalty × 1,000,000 + 1,000,000 − idle seconds); members it rejects are freed, the others pushed on the
/// outgoing list.</item>
/// <item><c>ring_one</c>: <c>find_best</c> walks the whole outgoing list for the lowest metric still going; <c>ring_entry</c> →
/// <c>can_ring_entry</c>: paused → fail; device status not available → fail; then (ringinuse=no) the <c>pending_members</c> hash
/// container is locked, searched (case-insensitive hash of the interface) and the member linked in, and the device state read
/// again (<c>get_queue_member_status</c> → <c>ast_device_state</c>: a cache lookup by interface string). A failed entry is marked
/// not going and <c>find_best</c> walks the list again: a paused best member costs a whole walk.</item>
/// <item>The member would now be dialled (<c>ast_request</c>/<c>ast_call</c>: not modelled); every <c>callattempt</c> is freed
/// (<c>callattempt_free</c>: member reference released) and, so that the world stays the same, the rung member leaves
/// <c>pending_members</c> (as <c>hangupcalls</c>/<c>update_status</c> do when its state changes).</item>
/// </list>
/// <para><b>New call</b> (<see cref="BestAgent"/>): <c>join_queue</c> (walk the queue's callers to insert by priority), the routing
/// pass, <c>leave_queue</c> (walk again to unlink and renumber). <b>Freed agent</b> (<see cref="BestCall"/>): app_queue does not
/// choose a call for an agent; each queue's head caller polls (<c>wait_our_turn</c>, every second) and the first whose pass finds
/// the agent rings it. The model runs the routing pass of the head caller of each of the agent's queues that have callers, in
/// the agent's order, until one rings the agent (so its choice may differ from the engine's longest effective wait across queues;
/// the work is that of the passes that ran). Not modelled (all would add to app_queue's side): <c>device_state_cb</c>, which on
/// every device state change walks every member of every queue comparing interface strings; channel requests, dialling,
/// announcements, stasis events; the other head callers' once-a-second polls.</para>
/// </summary>
internal sealed class AppQueueModel
{
    private const int DeviceNotInUse = 1;
    private const int DeviceInUse = 2;

    private readonly RoutingWorld _world;
    private readonly Queue[] _queues = new Queue[RoutingWorld.Queues];
    private readonly Member[][] _memberOf = new Member[RoutingWorld.Agents][];
    private readonly Lock _pendingLock = new();
    private readonly Dictionary<string, Member> _pendingMembers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _deviceStates = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Makes <see cref="Time"/> look like <c>time(NULL)</c> (seconds since 1970), so no member's <c>lastcall</c> is 0 ("never called").</summary>
    private const long UnixEpochOffset = 1_700_000_000;

    private readonly long _epoch = Time();
    private readonly Caller _newCaller = new(-1, 0);
    private long _now;
    private CallAttempt? _freeAttempts;

    public AppQueueModel(RoutingWorld world)
    {
        _world = world;
        for (var q = 0; q < RoutingWorld.Queues; q++)
        {
            _queues[q] = new Queue(q, world.QueueSkills[q]);
        }
        var members = new List<Member>[RoutingWorld.Queues];
        for (var q = 0; q < members.Length; q++)
        {
            members[q] = [];
        }
        for (var a = 0; a < RoutingWorld.Agents; a++)
        {
            var mine = new List<Member>();
            var iface = $"PJSIP/agent{a}";
            _deviceStates[iface] = DeviceNotInUse;
            foreach (var q in world.AgentQueues[a])
            {
                var primary = world.QueueSkills[q][0].Skill;
                var member = new Member(a, iface, world.AgentLevels[a])
                {
                    Penalty = 5 - world.AgentLevels[a][primary],
                    Paused = a >= RoutingWorld.Agents / 4,
                    Status = DeviceNotInUse,
                    // Longest idle first, as the scan: agent 0 has been idle longest.
                    LastCall = _epoch - RoutingWorld.Agents + a,
                };
                members[q].Add(member);
                mine.Add(member);
            }
            _memberOf[a] = [.. mine];
        }
        for (var q = 0; q < RoutingWorld.Queues; q++)
        {
            _queues[q].Members = [.. members[q]];
        }
        for (var n = 0; n < RoutingWorld.WaitingCalls; n++)
        {
            var queue = _queues[n % (RoutingWorld.Queues / 2)];
            queue.Callers.Add(new Caller(n, n % 10 == 0 ? 1 : 0));
        }
        foreach (var queue in _queues)
        {
            // The engine's order: priority first (app_queue inserts by priority), then arrival.
            queue.Callers.Sort(static (x, y) => x.Priority != y.Priority ? y.Priority.CompareTo(x.Priority) : x.Id.CompareTo(y.Id));
            for (var i = 0; i < queue.Callers.Count; i++)
            {
                queue.Callers[i].Position = i + 1;
            }
        }
    }

    /// <summary>A new call to <paramref name="queue"/>: join, one routing pass, leave; returns the agent it would ring (the scan's choice) or -1.</summary>
    public int BestAgent(int queue)
    {
        var q = _queues[queue];
        var caller = _newCaller; // app_queue's queue_ent lives on queue_exec's stack
        JoinQueue(q, caller);
        var member = Route(q, caller);
        LeaveQueue(q, caller);
        return member?.Agent ?? -1;
    }

    /// <summary>Agent <paramref name="agent"/> becomes free: the head callers of its queues take their routing pass until one rings it; returns that caller's call or -1.</summary>
    public int BestCall(int agent)
    {
        var mine = _memberOf[agent];
        foreach (var m in mine)
        {
            m.Paused = false;
        }
        var taken = -1;
        foreach (var q in _world.AgentQueues[agent])
        {
            var queue = _queues[q];
            if (queue.Callers.Count == 0)
            {
                continue;
            }
            var head = queue.Callers[0];
            if (Route(queue, head) is { } rung)
            {
                taken = rung.Agent == agent ? head.Id : -1;
                break;
            }
        }
        foreach (var m in mine)
        {
            m.Paused = true;
        }
        return taken;
    }

    /// <summary><c>is_our_turn</c>, then <c>try_calling</c>'s member loop and <c>ring_one</c>; returns the member rung, or null.</summary>
    private Member? Route(Queue q, Caller caller)
    {
        if (!IsOurTurn(q, caller))
        {
            return null;
        }
        CallAttempt? outgoing = null;
        _now = Time();
        lock (q.Lock)
        {
            var x = 0;
            for (var i = 0; i < q.Members.Length; i++)
            {
                var cur = IteratorNext(q, i);
                var tmp = Calloc();
                lock (caller.Channel)
                {
                    tmp.Connected = caller.Connected;
                }
                tmp.StillGoing = true;
                tmp.Member = cur; // the iterator's reference moves into the callattempt
                tmp.LastCall = cur.LastCall;
                CopyString(ref tmp.Interface, cur.Interface);
                if (CalcMetric(q, cur, x++, tmp) == 0)
                {
                    tmp.Next = outgoing;
                    outgoing = tmp;
                }
                else
                {
                    Free(tmp);
                }
            }
        }
        var rung = RingOne(q, outgoing);
        while (outgoing is not null)
        {
            var next = outgoing.Next;
            Free(outgoing);
            outgoing = next;
        }
        if (rung is not null)
        {
            PendingRemove(rung);
        }
        return rung;
    }

    private bool IsOurTurn(Queue q, Caller caller)
    {
        int avl = 0, idx = 0;
        Caller? ch = null;
        lock (q.Lock)
        {
            for (var i = 0; i < q.Members.Length; i++)
            {
                var mem = IteratorNext(q, i);
                avl += IsMemberAvailable(mem) ? 1 : 0;
                Interlocked.Decrement(ref mem.RefCount);
            }
            var k = 0;
            ch = q.Callers.Count > 0 ? q.Callers[0] : null;
            while (idx < avl && ch is not null && ch != caller)
            {
                idx += ch.Pending ? 0 : 1;
                ch = ++k < q.Callers.Count ? q.Callers[k] : null;
            }
        }
        return ch is not null && idx < avl; // autofill: any position within the available count
    }

    /// <summary><c>ao2_iterator_next</c>: the container's lock around the step, and a reference on the member returned.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Member IteratorNext(Queue q, int i)
    {
        lock (q.ContainerLock)
        {
            var m = q.Members[i];
            Interlocked.Increment(ref m.RefCount);
            return m;
        }
    }

    private static bool IsMemberAvailable(Member mem)
    {
        var available = false;
        switch (mem.Status)
        {
            case DeviceInUse:
                break; // ringinuse=no
            case DeviceNotInUse:
                available = !mem.Paused;
                break;
            default:
                break;
        }
        return available; // wrapuptime=0: no override
    }

    private int CalcMetric(Queue q, Member mem, int pos, CallAttempt tmp)
    {
        _ = pos;
        var usePenalty = q.Members.Length > 0 ? 1 : 0; // penaltymemberslimit=0
        // app_queue: (max_penalty/min_penalty window) -> -1. Here: the call's requirements (app_queue has no skills).
        if (!Qualifies(mem.Levels, q.Requirements))
        {
            return -1;
        }
        tmp.Metric = mem.LastCall == 0 ? 0 : 1_000_000 - (int)(_now - mem.LastCall);
        tmp.Metric += mem.Penalty * 1_000_000 * usePenalty;
        return 0;
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

    /// <summary>
    /// <c>time(NULL)</c>, read once per routing pass (app_queue reads it per member in <c>calc_metric</c>; through the vDSO that costs a
    /// few nanoseconds in C, more than that through .NET, so the model leaves it out rather than overcharge app_queue).
    /// </summary>
    private static long Time() => UnixEpochOffset + (Environment.TickCount64 / 1000);

    /// <summary>
    /// <c>ast_calloc(1, sizeof(struct callattempt))</c>: glibc serves a freed chunk of this size from its thread cache, so the model
    /// reuses freed attempts from a free list too (no garbage collection charged to app_queue), and zeroes it as calloc does.
    /// </summary>
    private CallAttempt Calloc()
    {
        var tmp = _freeAttempts;
        if (tmp is null)
        {
            return new CallAttempt();
        }
        _freeAttempts = tmp.Next;
        tmp.Clear();
        return tmp;
    }

    private Member? RingOne(Queue q, CallAttempt? outgoing)
    {
        _ = q;
        while (true)
        {
            var best = FindBest(outgoing);
            if (best is null)
            {
                return null;
            }
            if (CanRingEntry(best))
            {
                best.Rung = true;
                return best.Member;
            }
            best.StillGoing = false;
        }
    }

    private static CallAttempt? FindBest(CallAttempt? outgoing)
    {
        CallAttempt? best = null;
        for (var cur = outgoing; cur is not null; cur = cur.Next)
        {
            if (cur.StillGoing && !cur.Rung && (best is null || cur.Metric < best.Metric))
            {
                best = cur;
            }
        }
        return best;
    }

    private bool CanRingEntry(CallAttempt call)
    {
        var member = call.Member!;
        if (member.Paused)
        {
            return false;
        }
        if (member.Status != DeviceNotInUse)
        {
            return false; // ringinuse=no and the device is not available
        }
        lock (_pendingLock)
        {
            if (_pendingMembers.ContainsKey(member.InterfaceName))
            {
                return false; // another caller is ringing it
            }
            _pendingMembers.Add(member.InterfaceName, member);
        }
        if (_deviceStates[member.InterfaceName] != DeviceNotInUse)
        {
            PendingRemove(member);
            return false;
        }
        return true;
    }

    private void PendingRemove(Member member)
    {
        lock (_pendingLock)
        {
            _pendingMembers.Remove(member.InterfaceName);
        }
    }

    /// <summary><c>callattempt_free</c>: the member's reference released, the attempt back to the allocator.</summary>
    private void Free(CallAttempt attempt)
    {
        if (attempt.Member is { } m)
        {
            Interlocked.Decrement(ref m.RefCount);
            attempt.Member = null;
        }
        attempt.Next = _freeAttempts;
        _freeAttempts = attempt;
    }

    private static void CopyString(ref InterfaceBuffer dest, byte[] src)
    {
        var span = (Span<byte>)dest;
        var n = Math.Min(src.Length, span.Length - 1);
        for (var i = 0; i < n && src[i] != 0; i++)
        {
            span[i] = src[i];
        }
    }

    /// <summary><c>join_queue</c>: walk the callers, insert before the first of lower priority, number everyone's position.</summary>
    private static void JoinQueue(Queue q, Caller caller)
    {
        lock (q.Lock)
        {
            var pos = 0;
            var inserted = false;
            var at = q.Callers.Count;
            for (var i = 0; i < q.Callers.Count; i++)
            {
                var cur = q.Callers[i];
                if (!inserted && caller.Priority > cur.Priority)
                {
                    at = i;
                    caller.Position = ++pos;
                    inserted = true;
                }
                cur.Position = ++pos;
            }
            if (!inserted)
            {
                caller.Position = ++pos;
            }
            q.Callers.Insert(at, caller);
        }
    }

    /// <summary><c>leave_queue</c>: walk the callers, unlink this one, renumber the others.</summary>
    private static void LeaveQueue(Queue q, Caller caller)
    {
        lock (q.Lock)
        {
            var pos = 0;
            var index = -1;
            for (var i = 0; i < q.Callers.Count; i++)
            {
                if (q.Callers[i] == caller)
                {
                    index = i;
                }
                else
                {
                    q.Callers[i].Position = ++pos;
                }
            }
            q.Callers.RemoveAt(index);
        }
    }

    private sealed class Queue(int index, (int Skill, int Level)[] requirements)
    {
        public int Index { get; } = index;
        public (int Skill, int Level)[] Requirements { get; } = requirements;
        public Member[] Members { get; set; } = [];
        public List<Caller> Callers { get; } = [];
        public Lock Lock { get; } = new();
        public Lock ContainerLock { get; } = new();
    }

    private sealed class Member(int agent, string iface, int[] levels)
    {
        public int RefCount = 1;
        public int Agent { get; } = agent;
        public string InterfaceName { get; } = iface;
        public byte[] Interface { get; } = Encoding.ASCII.GetBytes(iface + "\0");
        public int[] Levels { get; } = levels;
        public int Penalty { get; init; }
        public bool Paused { get; set; }
        public int Status { get; init; }
        public long LastCall { get; init; }
    }

    private sealed class Caller(int id, int priority)
    {
        public int Id { get; } = id;
        public int Priority { get; } = priority;
        public int Position { get; set; }
        public bool Pending { get; set; }
        public Lock Channel { get; } = new();
        public ConnectedLine Connected = new();
    }

    /// <summary><c>struct callattempt</c>: links, the dial string buffer, metric, member, the saved connected line (~560 bytes).</summary>
    private sealed class CallAttempt
    {
        public CallAttempt? Next;
        public InterfaceBuffer Interface;
        public int Metric;
        public long LastCall;
        public Member? Member;
        public ConnectedLine Connected;
        public bool StillGoing;
        public bool Rung;

        public void Clear()
        {
            Next = null;
            ((Span<byte>)Interface).Clear();
            Metric = 0;
            LastCall = 0;
            Member = null;
            Connected = default;
            StillGoing = false;
            Rung = false;
        }
    }

    [InlineArray(256)]
    private struct InterfaceBuffer
    {
        private byte _element;
    }

    /// <summary><c>struct ast_party_connected_line</c>: id, ani and priv parties (name, number, subaddress, tag each), ani2, source.</summary>
    private struct ConnectedLine
    {
        public PartyId Id;
        public PartyId Ani;
        public PartyId Priv;
        public int Ani2;
        public int Source;

        /// <summary><c>ast_party_connected_line_init</c>.</summary>
        public ConnectedLine()
        {
            Id = new PartyId();
            Ani = new PartyId();
            Priv = new PartyId();
            Ani2 = 0;
            Source = 0;
        }
    }

    private struct PartyId
    {
        public string? Name;
        public int NameCharSet;
        public int NamePresentation;
        public bool NameValid;
        public string? Number;
        public int NumberPlan;
        public int NumberPresentation;
        public bool NumberValid;
        public string? Subaddress;
        public int SubaddressType;
        public bool SubaddressOddEven;
        public bool SubaddressValid;
        public string? Tag;

        /// <summary><c>ast_party_id_init</c>: no strings, ISO 8859-1 names, presentation allowed.</summary>
        public PartyId()
        {
            Name = null;
            NameCharSet = 1;
            NamePresentation = 0;
            NameValid = false;
            Number = null;
            NumberPlan = 0;
            NumberPresentation = 0;
            NumberValid = false;
            Subaddress = null;
            SubaddressType = 0;
            SubaddressOddEven = false;
            SubaddressValid = false;
            Tag = null;
        }
    }
}
