using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>An effect the engine asks its host to carry out (publish, send).</summary>
internal abstract record EngineOutput;

/// <summary>
/// An agent was reserved for a call: ring the agent. With an <paramref name="Offer"/> nothing rings: the agent is offered it on the
/// desktop for <paramref name="OfferTimeout"/> (a work item, a preview callback).
/// </summary>
internal sealed record ReservationMade(
    RoutingDecision Decision,
    string GatewayId,
    string Caller,
    string IvrPath,
    TimeSpan RingTimeout,
    bool Record,
    bool IsCallback,
    OfferKind Offer = OfferKind.None,
    TimeSpan OfferTimeout = default,
    PhoneKind Phone = PhoneKind.Both) : EngineOutput;

/// <summary>The agent accepted an offer (<see cref="OfferAccepted"/>).</summary>
internal sealed record OfferTaken(Guid CallId, string AgentId, string Queue, OfferKind Offer, DateTimeOffset At) : EngineOutput;

/// <summary>
/// The agent accepted a preview callback: ring the agent's phone now, then dial the customer (ConnectCallToAgent, as a progressive
/// callback's reservation would have sent at once).
/// </summary>
internal sealed record PreviewAccepted(
    Guid CallId, string AgentId, string Queue, string GatewayId, string Caller, string IvrPath, TimeSpan RingTimeout, bool Record,
    DateTimeOffset QueuedAt, DateTimeOffset At, PhoneKind Phone = PhoneKind.Both) : EngineOutput;

/// <summary>An offer (or a work item the agent held) is no longer the agent's: skipped, timed out, agent gone (<see cref="OfferWithdrawn"/>).</summary>
internal sealed record OfferEnded(Guid CallId, string AgentId, string Queue, OfferKind Offer, string Reason, DateTimeOffset At) : EngineOutput;

/// <summary>An agent's presence changed.</summary>
internal sealed record AgentStateChange(string AgentId, AgentState State, AgentState Previous, string? Reason, Guid? CallId, DateTimeOffset At) : EngineOutput;

/// <summary>A queued call must leave the queue at the gateway (voicemail, callback offer, queue full, no agents).</summary>
internal sealed record CallDiverted(Guid CallId, string Queue, string GatewayId, string Action, string Reason, DateTimeOffset At) : EngineOutput;

/// <summary>A call left its queue (answered, abandoned, diverted): the fact the board counted, published for the reports.</summary>
internal sealed record QueueLeft(Guid CallId, string Queue, QueueExitReason Reason, TimeSpan Waited, int Position, string? AgentId, string? ToQueue, DateTimeOffset At) : EngineOutput;

/// <summary>An agent's handling of a call ended (after-call work over): talk and wrap-up as the board's AHT counts them.</summary>
internal sealed record HandlingEnded(Guid CallId, string AgentId, string? Queue, TimeSpan Talk, TimeSpan WrapUp, DateTimeOffset At) : EngineOutput;

/// <summary>An agent's outbound call was accepted: the gateway places it (agent's phone first, then the number).</summary>
internal sealed record OutboundAccepted(Guid CallId, string AgentId, string Number, Guid? CustomerId, string GatewayId, TimeSpan RingTimeout, DateTimeOffset At) : EngineOutput;

/// <summary>An agent's outbound call was refused; the reason goes to the agent.</summary>
internal sealed record OutboundRefused(Guid CallId, string AgentId, string Number, string Reason, DateTimeOffset At) : EngineOutput;
