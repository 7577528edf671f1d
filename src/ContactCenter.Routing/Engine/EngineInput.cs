using System.Text.Json.Serialization;
using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>An input to the routing engine. The journal records these (with the time each was applied) for replay.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(QueueCall), "queue-call")]
[JsonDerivedType(typeof(UpdateCaller), "identify-caller")]
[JsonDerivedType(typeof(RingNoAnswer), "no-answer")]
[JsonDerivedType(typeof(ConnectCall), "connect")]
[JsonDerivedType(typeof(EndCall), "end")]
[JsonDerivedType(typeof(GatewayHeartbeat), "heartbeat")]
[JsonDerivedType(typeof(ChangeAgentState), "agent-state")]
[JsonDerivedType(typeof(FinishWrapUp), "wrap-up-done")]
[JsonDerivedType(typeof(UpsertAgent), "agent-profile")]
[JsonDerivedType(typeof(Tick), "tick")]
[JsonDerivedType(typeof(TransferCall), "transfer")]
[JsonDerivedType(typeof(StartOutbound), "outbound")]
[JsonDerivedType(typeof(TakeOffer), "take-offer")]
[JsonDerivedType(typeof(SkipOffer), "skip-offer")]
[JsonDerivedType(typeof(TakeOverCall), "take-over")]
internal abstract record EngineInput;

/// <summary>
/// A call joins a queue (or is re-announced: idempotent; IsCallback turns a waiting call into a virtual one). With
/// <paramref name="IsWorkItem"/> it is a work item (a voicemail) offered on the desktop with no phone leg.
/// </summary>
internal sealed record QueueCall(
    Guid CallId,
    string Queue,
    string Caller,
    string GatewayId,
    string IvrPath,
    IReadOnlyList<SkillLevel> Skills,
    int Priority,
    CustomerTier Tier,
    Guid? CustomerId,
    string? PreferredAgentId,
    bool IsCallback,
    DateTimeOffset QueuedAt,
    bool IsWorkItem = false) : EngineInput;

/// <summary>The agent blind-transferred the call: their part ends; <paramref name="Requeue"/> puts the same call in the target queue (PreferredAgentId for a transfer to an agent).</summary>
internal sealed record TransferCall(Guid CallId, string AgentId, QueueCall Requeue) : EngineInput;

/// <summary>A supervisor took the call over from the agent: the agent's part ends as a call would (talk time, wrap-up); routing forgets the call.</summary>
internal sealed record TakeOverCall(Guid CallId, string AgentId, string SupervisorId) : EngineInput;

/// <summary>The CRM identified the caller: tier, language, preferred agent.</summary>
internal sealed record UpdateCaller(Guid CallId, CustomerTier Tier, string? Language, string? PreferredAgentId) : EngineInput;

/// <summary>The reserved agent's phone did not answer.</summary>
internal sealed record RingNoAnswer(Guid CallId, string AgentId, string Reason) : EngineInput;

/// <summary>The agent answered.</summary>
internal sealed record ConnectCall(Guid CallId, string AgentId) : EngineInput;

/// <summary>The call is over, whatever stage it reached.</summary>
internal sealed record EndCall(Guid CallId, string? AgentId, CallOutcome Outcome, CallParty EndedBy, string Reason) : EngineInput;

/// <summary>A gateway's report of the calls it holds.</summary>
internal sealed record GatewayHeartbeat(string GatewayId, IReadOnlyList<Guid> LiveCalls, TimeSpan Interval) : EngineInput;

/// <summary>An agent or supervisor asks for a presence change (Available, NotReady, LoggedOut).</summary>
internal sealed record ChangeAgentState(string AgentId, AgentState State, string? Reason, string RequestedBy) : EngineInput;

/// <summary>The agent completed after-call work.</summary>
internal sealed record FinishWrapUp(Guid CallId, string AgentId) : EngineInput;

/// <summary>An agent profile loaded or changed.</summary>
internal sealed record UpsertAgent(AgentProfile Profile) : EngineInput;

/// <summary>Time passed: fire due timeouts (ring, wrap-up, widening, preferred window, max wait, heartbeat loss).</summary>
internal sealed record Tick : EngineInput;

/// <summary>
/// The agent dials <paramref name="Number"/> (click to dial): accepted only when the agent is Available or NotReady with no call; the
/// agent is then busy for the whole call. <paramref name="GatewayId"/> is the gateway to place it (Routing:OutboundGatewayId), or
/// null for the gateway whose heartbeat the engine saw last.
/// With <paramref name="WorkItemId"/> the agent calls back from a work item they hold (a voicemail): accepted while they work on it,
/// and when it ends they are back on the work item (its wrap-up covers the call).
internal sealed record StartOutbound(Guid CallId, string AgentId, string Number, Guid? CustomerId, string? GatewayId, Guid? WorkItemId = null) : EngineInput;

/// <summary>The agent accepts what they were offered on the desktop (a work item, a preview callback).</summary>
internal sealed record TakeOffer(Guid CallId, string AgentId) : EngineInput;

/// <summary>The agent skips what they were offered: it goes to the next agent, and the agent is treated like one who missed a ring.</summary>
internal sealed record SkipOffer(Guid CallId, string AgentId, string Reason) : EngineInput;
