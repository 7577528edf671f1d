using ContactCenter.Contracts;

namespace ContactCenter.Routing.Configuration;

/// <summary>What happens to a call that has waited the queue's maximum wait.</summary>
public enum MaxWaitAction
{
    /// <summary>Nothing: the call keeps waiting.</summary>
    None,
    /// <summary>Move the call to another queue, keeping its original wait.</summary>
    Overflow,
    /// <summary>Send the caller to voicemail.</summary>
    Voicemail,
    /// <summary>Offer the caller a callback.</summary>
    Callback,
}

/// <summary>How agents that are otherwise equal are ordered.</summary>
public enum TieBreak
{
    /// <summary>The agent idle the longest first.</summary>
    LongestIdle,
    /// <summary>The agent with the least talk time today first.</summary>
    LeastTalkTime,
    /// <summary>The agent offered a call least recently first.</summary>
    RoundRobin,
}

/// <summary>One skill a queue requires, at a minimum level.</summary>
/// <param name="Skill">Skill name, lower-case.</param>
/// <param name="Level">Minimum proficiency 1..5.</param>
/// <param name="Optional">Optional skills are dropped by a widening ring that says so.</param>
public sealed record SkillRequirement(string Skill, int Level, bool Optional);

/// <summary>A bullseye ring: after a wait, accept lower proficiency and/or drop optional skills.</summary>
/// <param name="After">Wait after which the ring applies.</param>
/// <param name="LowerLevelsBy">How many levels every requirement is lowered by (never below 1).</param>
/// <param name="DropOptionalSkills">Whether optional skills stop being required.</param>
public sealed record WideningStep(TimeSpan After, int LowerLevelsBy, bool DropOptionalSkills);

/// <summary>
/// How a queue's work items (voicemails: routed to agents with no phone leg) are offered and how many an agent may hold
/// (queues.yaml <c>workItems:</c>).
/// </summary>
/// <param name="OfferTimeout">How long an offer waits for the agent's Accept before it goes to the next agent (a missed offer).</param>
/// <param name="Capacity">Work items an agent may hold at once, offered or being worked, counting this queue's.</param>
/// <param name="CallsWhileWorking">Whether calls may still ring an agent who holds work items of this queue (false: one call or work at a time).</param>
public sealed record WorkItemSettings(TimeSpan OfferTimeout, int Capacity, bool CallsWhileWorking)
{
    /// <summary>30 s to accept, one at a time, no calls meanwhile.</summary>
    public static WorkItemSettings Default { get; } = new(TimeSpan.FromSeconds(30), 1, false);
}

/// <summary>A queue as configured in telephony-config/queues.yaml.</summary>
public sealed record QueueDefinition
{
    /// <summary>Lower-case name.</summary>
    public required string Name { get; init; }
    /// <summary>Skills every call of the queue needs.</summary>
    public IReadOnlyList<SkillRequirement> Skills { get; init; } = [];
    /// <summary>Service-level target: this fraction answered...</summary>
    public double ServiceLevelPercent { get; init; } = 80;
    /// <summary>...within this wait.</summary>
    public TimeSpan ServiceLevelThreshold { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Which calls the service level counts (<c>serviceLevel.denominator</c>).</summary>
    public ServiceLevelDenominator ServiceLevelDenominator { get; init; } = ServiceLevelDenominator.LeftQueue;
    /// <summary>After-call work time before the agent is made available automatically.</summary>
    public TimeSpan WrapUp { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long an agent's phone rings.</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Maximum wait; zero for none.</summary>
    public TimeSpan MaxWait { get; init; }
    /// <summary>What happens at the maximum wait.</summary>
    public MaxWaitAction MaxWaitAction { get; init; }
    /// <summary>Target of <see cref="MaxWaitAction.Overflow"/>.</summary>
    public string? OverflowQueue { get; init; }
    /// <summary>Maximum number of waiting calls; zero for unlimited.</summary>
    public int MaxLength { get; init; }
    /// <summary>Accept calls when no agent of the queue is logged in.</summary>
    public bool AcceptWithoutAgents { get; init; } = true;
    /// <summary>Record bridged calls.</summary>
    public bool Record { get; init; }
    /// <summary>How long the preferred agent (owner of the caller's open case) is tried first.</summary>
    public TimeSpan PreferredAgentWindow { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How the queue's work items (voicemails) are offered and how many an agent may hold.</summary>
    public WorkItemSettings WorkItems { get; init; } = WorkItemSettings.Default;
    /// <summary>
    /// For <c>callback: { mode: preview }</c>: how long a callback offer waits for the agent's Accept before anything is dialled;
    /// null for progressive callbacks (the agent's phone rings at once).
    /// </summary>
    public TimeSpan? CallbackPreview { get; init; }
    /// <summary>Ordering of equal agents.</summary>
    public TieBreak TieBreak { get; init; } = TieBreak.LongestIdle;
    /// <summary>Bullseye rings, by increasing wait.</summary>
    public IReadOnlyList<WideningStep> Widening { get; init; } = [];
    /// <summary>Time zone for "since midnight" statistics.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>
    /// The partition of queues this queue belongs to: one routing engine (one active instance, its own journal and lease)
    /// serves each partition. Default <see cref="RoutingConfiguration.DefaultPartition"/>.
    /// </summary>
    public string Partition { get; init; } = RoutingConfiguration.DefaultPartition;

    /// <summary>The queue's service-level settings with the global short-abandon threshold.</summary>
    public ServiceLevelPolicy ServiceLevelPolicy(TimeSpan shortAbandon) => new(ServiceLevelThreshold, shortAbandon, ServiceLevelDenominator);
}

/// <summary>The whole routing configuration: queues plus global priority and presence settings.</summary>
public sealed record RoutingConfiguration
{
    /// <summary>Queues by declaration order.</summary>
    public required IReadOnlyList<QueueDefinition> Queues { get; init; }
    /// <summary>Effective-wait boost per customer tier.</summary>
    public IReadOnlyDictionary<CustomerTier, TimeSpan> TierBoost { get; init; } = new Dictionary<CustomerTier, TimeSpan>
    {
        [CustomerTier.Standard] = TimeSpan.Zero,
        [CustomerTier.Silver] = TimeSpan.FromSeconds(30),
        [CustomerTier.Gold] = TimeSpan.FromSeconds(60),
        [CustomerTier.Platinum] = TimeSpan.FromSeconds(120),
    };
    /// <summary>Effective-wait boost per point of IVR priority.</summary>
    public TimeSpan IvrPriorityBoost { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>State an agent goes to after a missed (unanswered) call: NotReady (like app_queue autopause) or Available.</summary>
    public AgentState MissedCallState { get; init; } = AgentState.NotReady;
    /// <summary>Abandons shorter than this are not counted.</summary>
    public TimeSpan ShortAbandon { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Rolling statistics window.</summary>
    public TimeSpan RollingWindow { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Handle time assumed for the wait estimate before any call was handled.</summary>
    public TimeSpan DefaultHandleTime { get; init; } = TimeSpan.FromSeconds(180);
    /// <summary>Extra time routing allows beyond a ring timeout before it re-queues the call itself.</summary>
    public TimeSpan RingGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The partition of queues that names none.</summary>
    public const string DefaultPartition = "default";

    /// <summary>The partitions the queues name, in the order of their first queue.</summary>
    public IReadOnlyList<string> Partitions()
    {
        var list = new List<string>();
        foreach (var q in Queues)
        {
            if (!list.Contains(q.Partition))
            {
                list.Add(q.Partition);
            }
        }
        return list;
    }

    /// <summary>The same settings with only the queues of <paramref name="partition"/>: the configuration of that partition's engine.</summary>
    public RoutingConfiguration ForPartition(string partition) =>
        this with { Queues = [.. Queues.Where(q => q.Partition == partition)] };
}

/// <summary>
/// Which partition serves each queue, and which partition owns an agent: built once from a configuration, so the per-call
/// question (is this queue mine?) is one dictionary lookup, not a walk over every queue.
/// </summary>
internal sealed class PartitionMap
{
    private readonly Dictionary<string, (int Order, string Partition)> _queues = new(StringComparer.Ordinal);

    public PartitionMap(RoutingConfiguration configuration)
    {
        for (var i = 0; i < configuration.Queues.Count; i++)
        {
            var q = configuration.Queues[i];
            _queues.TryAdd(q.Name, (i, q.Partition));
        }
        First = configuration.Queues.Count > 0 ? configuration.Queues[0].Partition : RoutingConfiguration.DefaultPartition;
    }

    /// <summary>The partition of the first queue of queues.yaml: it takes what names no queue (and diverts it as unknown).</summary>
    public string First { get; }

    /// <summary>The partition of a queue, or null when no queue has that name.</summary>
    public string? PartitionOf(string queue) => _queues.TryGetValue(queue, out var q) ? q.Partition : null;

    /// <summary>The partition that takes calls for a queue: its own, or <see cref="First"/> for a queue no partition names.</summary>
    public string TakesCallsFor(string queue) => PartitionOf(queue) ?? First;

    /// <summary>
    /// The one partition that owns an agent (its presence, reservations and state changes): the partition of the first of its
    /// queues in the order of queues.yaml. Null when none of its queues is configured. An agent whose queues span partitions is
    /// offered only the calls of its owning partition's queues.
    /// </summary>
    public string? OwnerOf(IReadOnlyList<string> agentQueues)
    {
        (int Order, string Partition)? first = null;
        for (var i = 0; i < agentQueues.Count; i++)
        {
            if (_queues.TryGetValue(agentQueues[i], out var q) && (first is null || q.Order < first.Value.Order))
            {
                first = q;
            }
        }
        return first?.Partition;
    }
}
