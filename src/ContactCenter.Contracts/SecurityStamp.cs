namespace ContactCenter.Contracts;

/// <summary>
/// Request (to the CRM): the current security stamp of a login. Every module that accepts bearer tokens asks for it (cached
/// for at most a few seconds) and refuses a token whose <c>stamp</c> claim differs, so deactivating a person, changing their
/// role or their password revokes their tokens within seconds, in every process.
/// </summary>
public sealed record GetSecurityStamp
{
    /// <summary>The login (the token's <c>sub</c>).</summary>
    public required string Login { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Response to <see cref="GetSecurityStamp"/>.</summary>
public sealed record SecurityStamp
{
    /// <summary>The login asked about.</summary>
    public required string Login { get; init; }
    /// <summary>The person's stamp; null when there is no such person or the person is not active (every token is refused).</summary>
    public string? Stamp { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
