namespace ContactCenter.Contracts;

/// <summary>
/// Request (to the CRM): is this digest answer right? The registrar sends what the phone sent (RFC 3261 §22.4,
/// RFC 7616/8760) and the directory computes the expected response from the HA1 it stores. The HA1 never travels on the
/// bus: the reply is only a verdict, and a verdict is good for one nonce and one Request-URI only (ADR 0014).
/// </summary>
public sealed record VerifySipDigest
{
    /// <summary>The SIP user name (the agent's login), unescaped.</summary>
    public required string Login { get; init; }
    /// <summary>The digest realm the registrar challenged with.</summary>
    public required string Realm { get; init; }
    /// <summary><c>MD5</c> or <c>SHA-256</c>.</summary>
    public required string Algorithm { get; init; }
    /// <summary>The nonce answered.</summary>
    public required string Nonce { get; init; }
    /// <summary>The request's method (REGISTER).</summary>
    public required string Method { get; init; }
    /// <summary>The digest-uri (already checked against the Request-URI by the registrar).</summary>
    public required string Uri { get; init; }
    /// <summary><c>auth</c>, or null (RFC 2069 compatibility).</summary>
    public string? Qop { get; init; }
    /// <summary>The nonce count (8 hex digits) with qop.</summary>
    public string? NonceCount { get; init; }
    /// <summary>The client nonce with qop.</summary>
    public string? ClientNonce { get; init; }
    /// <summary>The phone's request-digest (hex).</summary>
    public required string Response { get; init; }
    /// <summary>When asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Response to <see cref="VerifySipDigest"/>: a verdict, never a secret.</summary>
public sealed record SipDigestVerdict
{
    /// <summary>The login asked about.</summary>
    public required string Login { get; init; }
    /// <summary>False when no such active person exists (or their credentials are for another realm).</summary>
    public required bool Found { get; init; }
    /// <summary>True when the response is the one the stored HA1 gives.</summary>
    public required bool Valid { get; init; }
    /// <summary>When answered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
