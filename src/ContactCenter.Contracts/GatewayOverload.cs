namespace ContactCenter.Contracts;

/// <summary>
/// Event: a telephony gateway began or ended refusing new calls for overload, or (about once a second while it lasts) how
/// many it has refused so far. The supervisors' board shows it as a surge banner.
/// </summary>
public sealed record GatewayOverload
{
    /// <summary>The gateway instance.</summary>
    public required string GatewayId { get; init; }
    /// <summary>True while new calls are being refused; false once the surge has passed.</summary>
    public required bool Overloaded { get; init; }
    /// <summary>Why the latest call was refused (sip-queue, calls-in-setup, setup-time, thread-pool, bus, media, fair-share, live-calls, sip-queue-full), or null.</summary>
    public string? Reason { get; init; }
    /// <summary>New calls refused since this surge began.</summary>
    public required long Refused { get; init; }
    /// <summary>When this surge began.</summary>
    public required DateTimeOffset Since { get; init; }
    /// <summary>When the report was made.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
