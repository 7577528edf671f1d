namespace ContactCenter.Contracts;

/// <summary>Event: the gateway accepted an inbound call (leg A) from a trunk.</summary>
public sealed record CallReceived
{
    /// <summary>The call's id for its whole life.</summary>
    public required Guid CallId { get; init; }
    /// <summary>Caller number (ANI), E.164 when it could be normalised, else as received.</summary>
    public required string Caller { get; init; }
    /// <summary>The dialled number (DID).</summary>
    public required string Did { get; init; }
    /// <summary>The gateway instance holding the call; commands for it go to its endpoint.</summary>
    public required string GatewayId { get; init; }
    /// <summary>When the INVITE reached the gateway.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
