namespace ContactCenter.Contracts;

/// <summary>An agent's routing-relevant profile from the directory.</summary>
public sealed record AgentProfile
{
    /// <summary>Login, also the SIP user name and the agent's id everywhere.</summary>
    public required string AgentId { get; init; }
    /// <summary>Name shown to supervisors.</summary>
    public required string DisplayName { get; init; }
    /// <summary>Agent or supervisor.</summary>
    public required PersonRole Role { get; init; }
    /// <summary>Skills with proficiency 1..5.</summary>
    public required IReadOnlyList<SkillLevel> Skills { get; init; }
    /// <summary>Queues the agent serves.</summary>
    public required IReadOnlyList<string> Queues { get; init; }
    /// <summary>False when the person was removed or disabled.</summary>
    public bool Active { get; init; } = true;
    /// <summary>Which of the agent's registered phones ring: browser, SIP phone, or both (the default).</summary>
    public PhoneKind Phone { get; init; } = PhoneKind.Both;
}

/// <summary>Event: the directory changed an agent's profile (skills, queues, role, removal).</summary>
public sealed record AgentProfileChanged
{
    /// <summary>The agent (login).</summary>
    public required string AgentId { get; init; }
    /// <summary>The profile as it now is.</summary>
    public required AgentProfile Profile { get; init; }
    /// <summary>When it changed.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Request (to the CRM): every agent profile, for routing at start.</summary>
public sealed record GetAgentProfiles
{
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Response to <see cref="GetAgentProfiles"/>.</summary>
public sealed record AgentProfiles
{
    /// <summary>All active and inactive agent profiles.</summary>
    public required IReadOnlyList<AgentProfile> Profiles { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
