namespace ContactCenter.Contracts;

/// <summary>A skill with a proficiency level from 1 to 5 (required minimum, or an agent's level).</summary>
public sealed record SkillLevel
{
    /// <summary>Skill name, lower-case (e.g. <c>support</c>, <c>billing</c>, <c>lang-fr</c>).</summary>
    public required string Skill { get; init; }

    /// <summary>Proficiency 1 (novice) to 5 (expert).</summary>
    public required int Level { get; init; }
}
