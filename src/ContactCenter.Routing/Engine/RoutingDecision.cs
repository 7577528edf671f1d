using System.Globalization;
using System.Text;

namespace ContactCenter.Routing.Engine;

/// <summary>Which direction of matching made a decision.</summary>
public enum MatchTrigger
{
    /// <summary>A call arrived (or re-queued) and looked for an agent.</summary>
    NewCall,
    /// <summary>An agent became free and looked for the best waiting call across its queues.</summary>
    FreedAgent,
    /// <summary>A waiting call widened its requirements (bullseye ring) or its preferred-agent window ended.</summary>
    Widened,
}

/// <summary>One skill checked in a decision: required level in force and the chosen agent's level.</summary>
/// <param name="Skill">Skill name.</param>
/// <param name="Required">Level in force at the time of the decision.</param>
/// <param name="Configured">Level configured before widening.</param>
/// <param name="AgentLevel">The chosen agent's level.</param>
/// <param name="Optional">Whether the skill was optional.</param>
public readonly record struct SkillCheck(string Skill, int Required, int Configured, int AgentLevel, bool Optional);

/// <summary>A candidate (agent, or waiting call for a freed agent) that lost, and why.</summary>
/// <param name="Candidate">Agent id or call id.</param>
/// <param name="Why">Why it lost.</param>
public sealed record LosingCandidate(string Candidate, string Why);

/// <summary>The full explanation of one reservation.</summary>
public sealed record RoutingDecision
{
    /// <summary>The call.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The queue.</summary>
    public required string Queue { get; init; }
    /// <summary>The agent chosen.</summary>
    public required string AgentId { get; init; }
    /// <summary>When decided.</summary>
    public required DateTimeOffset At { get; init; }
    /// <summary>Which direction matched.</summary>
    public required MatchTrigger Trigger { get; init; }
    /// <summary>The rule that picked the winner (preferred-agent, best-proficiency, longest-idle...).</summary>
    public required string Rule { get; init; }
    /// <summary>The call's wait since it first queued.</summary>
    public required TimeSpan Waited { get; init; }
    /// <summary>Effective wait: wait plus priority boost (the cross-queue ordering key).</summary>
    public required TimeSpan EffectiveWait { get; init; }
    /// <summary>IVR priority.</summary>
    public required int Priority { get; init; }
    /// <summary>Customer tier.</summary>
    public required string Tier { get; init; }
    /// <summary>Bullseye ring in force (0 = none).</summary>
    public required int Ring { get; init; }
    /// <summary>Skills checked.</summary>
    public required IReadOnlyList<SkillCheck> Skills { get; init; }
    /// <summary>Candidates that lost and why (their text is written when read).</summary>
    public IReadOnlyList<LosingCandidate> Losers => Notes.Length == 0 ? [] : Array.ConvertAll(Notes, n => n.Format());

    /// <summary>The losers as recorded on the hot path.</summary>
    internal LoserNote[] Notes { get; init; } = [];

    /// <summary>One line for <c>AgentReserved.Reason</c>.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Rule}; waited {Waited.TotalSeconds:0}s (effective {EffectiveWait.TotalSeconds:0}s, priority {Priority}, {Tier})");
        if (Ring > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; ring {Ring}");
        }
        foreach (var s in Skills)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; {s.Skill} {s.AgentLevel}>={s.Required}");
        }
        sb.Append(CultureInfo.InvariantCulture, $"; {Notes.Length} other candidate(s) lost");
        return sb.ToString();
    }
}

internal enum LoserReason
{
    LacksSkill,
    MissedBefore,
    LowerProficiency,
    LessIdle,
    MoreTalkTime,
    OfferedMoreRecently,
    ShorterEffectiveWait,
    HeldForPreferredAgent,
    LongerWaitElsewhere,
}

/// <summary>A losing candidate recorded cheaply on the hot path; its text is written only when someone reads it.</summary>
internal readonly record struct LoserNote(LoserReason Reason, string? Agent, Guid Call, string? Text, int A, int B, long T1, long T2)
{
    public LosingCandidate Format() => new(Agent ?? Call.ToString(), Reason switch
    {
        LoserReason.LacksSkill => string.Create(CultureInfo.InvariantCulture, $"lacks {Text} at level {A} (has {B})"),
        LoserReason.MissedBefore => "did not answer this call before",
        LoserReason.LowerProficiency => string.Create(CultureInfo.InvariantCulture, $"lower {Text} proficiency ({A} < {B})"),
        LoserReason.LessIdle => string.Create(CultureInfo.InvariantCulture, $"idle {TimeSpan.FromTicks(T1).TotalSeconds:0}s, less than {Text}'s {TimeSpan.FromTicks(T2).TotalSeconds:0}s"),
        LoserReason.MoreTalkTime => string.Create(CultureInfo.InvariantCulture, $"talk time today {TimeSpan.FromTicks(T1).TotalSeconds:0}s, more than {Text}'s {TimeSpan.FromTicks(T2).TotalSeconds:0}s"),
        LoserReason.OfferedMoreRecently => $"offered a call more recently than {Text}",
        LoserReason.ShorterEffectiveWait => $"{Text}: shorter effective wait than the chosen call",
        LoserReason.HeldForPreferredAgent => $"held for its preferred agent {Text}",
        LoserReason.LongerWaitElsewhere => "longer effective wait elsewhere",
        _ => Reason.ToString(),
    });
}
