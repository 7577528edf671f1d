namespace ContactCenter.Contracts;

/// <summary>Request (to the CRM): the SIP digest credentials of a login, for the registrar.</summary>
public sealed record GetSipCredentials
{
    /// <summary>The SIP user name (the agent's login).</summary>
    public required string Login { get; init; }
    /// <summary>The digest realm the registrar uses.</summary>
    public required string Realm { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Response to <see cref="GetSipCredentials"/>: HA1 values only, never a password.</summary>
public sealed record SipCredentials
{
    /// <summary>The login asked about.</summary>
    public required string Login { get; init; }
    /// <summary>False when no such active person exists.</summary>
    public required bool Found { get; init; }
    /// <summary>Lower-case hex MD5(login:realm:password).</summary>
    public string? Ha1Md5 { get; init; }
    /// <summary>Lower-case hex SHA-256(login:realm:password) (RFC 8760).</summary>
    public string? Ha1Sha256 { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
