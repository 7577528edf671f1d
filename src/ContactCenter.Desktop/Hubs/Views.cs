using ContactCenter.Contracts;

namespace ContactCenter.Desktop.Hubs;

/// <summary>The screen pop as the desktop receives it (camelCase JSON).</summary>
/// <param name="CallId">The call.</param>
/// <param name="AgentId">The agent whose phone rings.</param>
/// <param name="Caller">Caller number, E.164 when known.</param>
/// <param name="Queue">The queue the call came from.</param>
/// <param name="IvrPath">The path the caller took through the IVR.</param>
/// <param name="WaitedSeconds">How long the caller waited before being matched.</param>
/// <param name="Customer">The customer card, or null for an unknown caller.</param>
/// <param name="RecentInteractions">Most recent contacts, newest first.</param>
/// <param name="TotalInteractions">All contacts on record.</param>
/// <param name="OpenCases">Open service cases with their age and SLA.</param>
/// <param name="OccurredAt">When the CRM assembled the pop.</param>
/// <param name="IsCallback">True for a callback: the agent's phone rings first, then the customer is dialled.</param>
public sealed record ScreenPop(
    Guid CallId,
    string AgentId,
    string Caller,
    string Queue,
    string IvrPath,
    double WaitedSeconds,
    CustomerCard? Customer,
    IReadOnlyList<InteractionSummary> RecentInteractions,
    int TotalInteractions,
    IReadOnlyList<OpenCaseView> OpenCases,
    DateTimeOffset OccurredAt,
    bool IsCallback = false);

/// <summary>Where an offer or work item stands on the agent's desktop.</summary>
public enum WorkPhase
{
    /// <summary>Offered: Accept or Skip before <see cref="WorkItemView.ExpiresAt"/>.</summary>
    Offered,
    /// <summary>Accepted: a voicemail being worked on (played, called back, wrapped up).</summary>
    Working,
    /// <summary>No longer on the desktop: completed, skipped, timed out, or (a preview callback) accepted and now a call.</summary>
    Ended,
}

/// <summary>
/// An offer or work item on the agent's desktop: a voicemail (no phone leg: played, called back and wrapped up on the desktop) or
/// a callback of a preview queue (accepted, it becomes the agent's call: their phone rings, then the customer is dialled).
/// </summary>
/// <param name="CallId">The work item or callback.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Kind">What is offered.</param>
/// <param name="Phase">Where it stands.</param>
/// <param name="Caller">The customer's number (the one to call back).</param>
/// <param name="Queue">The queue it waited in.</param>
/// <param name="IvrPath">The caller's path through the IVR.</param>
/// <param name="WaitedSeconds">How long it had waited when offered (from the original call).</param>
/// <param name="OfferedAt">When routing offered it.</param>
/// <param name="ExpiresAt">When the offer goes to the next agent if not accepted.</param>
/// <param name="AcceptedAt">When the agent accepted it.</param>
/// <param name="EndReason">Why it left the desktop.</param>
/// <param name="Pop">The caller's 360, once the CRM has assembled it.</param>
/// <param name="VoicemailCallId">For a voicemail: the id whose audio is at <c>/api/interactions/{id}/voicemail</c>.</param>
/// <param name="VoicemailSeconds">For a voicemail: its length, when known.</param>
/// <param name="CallBackId">The call back placed from it, if any.</param>
public sealed record WorkItemView(
    Guid CallId,
    string AgentId,
    OfferKind Kind,
    WorkPhase Phase,
    string? Caller,
    string? Queue,
    string? IvrPath,
    double? WaitedSeconds,
    DateTimeOffset OfferedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? AcceptedAt,
    string? EndReason,
    ScreenPop? Pop,
    Guid? VoicemailCallId,
    int? VoicemailSeconds,
    Guid? CallBackId);

/// <summary>An open case in a pop, with its age at the time it was sent.</summary>
/// <param name="Id">Case id.</param>
/// <param name="Number">Human number, e.g. CS-000123.</param>
/// <param name="Subject">Subject line.</param>
/// <param name="Status">open, pending...</param>
/// <param name="Priority">low, normal, high, urgent.</param>
/// <param name="OwnerAgentId">Owning agent, if any.</param>
/// <param name="OpenedAt">When it was opened.</param>
/// <param name="AgeSeconds">Age in seconds when sent.</param>
/// <param name="Age">Age for people, e.g. <c>3d 4h</c>.</param>
/// <param name="SlaDueAt">SLA due time, if any.</param>
/// <param name="SlaBreached">True when the SLA due time has passed.</param>
public sealed record OpenCaseView(
    Guid Id,
    string Number,
    string Subject,
    string Status,
    string Priority,
    string? OwnerAgentId,
    DateTimeOffset OpenedAt,
    double AgeSeconds,
    string Age,
    DateTimeOffset? SlaDueAt,
    bool SlaBreached);

/// <summary>Where a call stands for the agent's desktop.</summary>
public enum CallPhase
{
    /// <summary>The agent's phone is ringing.</summary>
    Ringing,
    /// <summary>The agent is talking to the caller.</summary>
    Connected,
    /// <summary>The call is over; after-call work is open.</summary>
    WrapUp,
    /// <summary>Finished: wrap-up done, or the call ended before it was answered.</summary>
    Ended,
}

/// <summary>An agent's current call.</summary>
/// <param name="CallId">The call.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Phase">Where the call stands.</param>
/// <param name="Caller">Caller number, when known.</param>
/// <param name="Queue">Queue, when known.</param>
/// <param name="IvrPath">IVR path, when known.</param>
/// <param name="WaitedSeconds">Queue wait, when known.</param>
/// <param name="RingingAt">When the agent was reserved.</param>
/// <param name="ConnectedAt">When the agent answered.</param>
/// <param name="EndedAt">When the call ended.</param>
/// <param name="WrapUpCompletedAt">When wrap-up was completed.</param>
/// <param name="Outcome">How the call ended, once it has.</param>
/// <param name="EndedBy">Who hung up, once known.</param>
/// <param name="EndReason">Why it ended, or why the call left this agent.</param>
/// <param name="Direction">Inbound (or a callback), or an outbound call the agent dialled (then <paramref name="Caller"/> is the number dialled).</param>
/// <param name="CustomerName">For an outbound call: the customer the number belongs to, when the CRM knows.</param>
/// <param name="WorkItemId">For a call back from a work item (a voicemail): that item; the call has no wrap-up of its own.</param>
public sealed record CallStateView(
    Guid CallId,
    string AgentId,
    CallPhase Phase,
    string? Caller,
    string? Queue,
    string? IvrPath,
    double? WaitedSeconds,
    DateTimeOffset? RingingAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? WrapUpCompletedAt,
    CallOutcome? Outcome,
    CallParty? EndedBy,
    string? EndReason,
    CallDirection Direction = CallDirection.Inbound,
    string? CustomerName = null,
    Guid? WorkItemId = null);

/// <summary>What the agent's <c>Dial</c> got: the call placed (routing may still refuse it: OutboundCallRefused follows), or refused at once with the reason.</summary>
/// <param name="CallId">The call's id (also for a refusal, to match later messages).</param>
/// <param name="Accepted">True when the call was handed to routing.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="Number">The number as dialled (normalised).</param>
/// <param name="CustomerName">The customer the number belongs to, when the CRM knows.</param>
/// <param name="CustomerId">That customer's id, when known.</param>
public sealed record DialResult(Guid CallId, bool Accepted, string? Reason, string Number, string? CustomerName, Guid? CustomerId = null);

/// <summary>Routing (or the gateway) refused an outbound call the agent dialled.</summary>
/// <param name="CallId">The call.</param>
/// <param name="Number">The number dialled.</param>
/// <param name="Reason">Why, for the agent.</param>
public sealed record OutboundRefusedView(Guid CallId, string Number, string Reason);

/// <summary>An agent's presence for the desktop and the board.</summary>
/// <param name="AgentId">The agent (login).</param>
/// <param name="DisplayName">Name from the agent's sign-in, when the agent has connected.</param>
/// <param name="State">Current state.</param>
/// <param name="Previous">State before.</param>
/// <param name="Reason">Not-ready reason or why the change happened.</param>
/// <param name="CallId">The call involved, if any.</param>
/// <param name="Since">When the agent entered the state.</param>
/// <param name="DesktopConnected">True while the agent has a desktop connected to this server.</param>
public sealed record AgentStateView(
    string AgentId,
    string? DisplayName,
    AgentState State,
    AgentState Previous,
    string? Reason,
    Guid? CallId,
    DateTimeOffset Since,
    bool DesktopConnected,
    string? Queue = null);

/// <summary>One queue's live figures for the board (durations in seconds, rates 0..1).</summary>
/// <param name="Queue">Queue name, <c>*</c> for all queues.</param>
/// <param name="Waiting">Calls waiting now.</param>
/// <param name="LongestWaitSeconds">Wait of the oldest waiting call.</param>
/// <param name="Offered">Calls offered today.</param>
/// <param name="Answered">Calls answered today.</param>
/// <param name="Abandoned">Calls abandoned today.</param>
/// <param name="ServiceLevel">Service level today, 0..1.</param>
/// <param name="AverageSpeedOfAnswerSeconds">ASA today.</param>
/// <param name="AverageHandleTimeSeconds">AHT today.</param>
/// <param name="AbandonmentRate">Abandonment rate today, 0..1.</param>
/// <param name="Occupancy">Agent occupancy, 0..1.</param>
/// <param name="EstimatedWaitSeconds">Estimated wait for a new call.</param>
/// <param name="AgentsByState">Agents per state, keys camelCase state names.</param>
/// <param name="OccurredAt">When the figures were taken.</param>
public sealed record QueueStatisticsView(
    string Queue,
    int Waiting,
    double LongestWaitSeconds,
    int Offered,
    int Answered,
    int Abandoned,
    double ServiceLevel,
    double AverageSpeedOfAnswerSeconds,
    double AverageHandleTimeSeconds,
    double AbandonmentRate,
    double Occupancy,
    double EstimatedWaitSeconds,
    IReadOnlyDictionary<string, int> AgentsByState,
    DateTimeOffset OccurredAt);

/// <summary>A callback the gateway gave up after the queue's last attempt, for the supervisors' board.</summary>
/// <param name="CallId">The last attempt's call.</param>
/// <param name="Queue">The queue it waited in.</param>
/// <param name="Number">The number dialled.</param>
/// <param name="AgentId">The agent of the last attempt.</param>
/// <param name="Outcome">How the last attempt ended (busy, no answer, failed).</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="At">When it was given up.</param>
public sealed record CallbackGivenUpView(
    Guid CallId,
    string? Queue,
    string? Number,
    string? AgentId,
    CallOutcome Outcome,
    int Attempts,
    string Reason,
    DateTimeOffset At);

/// <summary>A telephony gateway refusing new calls for overload (a surge), for the supervisors' board banner.</summary>
/// <param name="GatewayId">The gateway.</param>
/// <param name="Overloaded">True while it refuses new calls; false once the surge has passed.</param>
/// <param name="Reason">Why the latest call was refused (sip-queue, setup-time, thread-pool, ...), or null.</param>
/// <param name="Refused">Calls refused since the surge began.</param>
/// <param name="Since">When the surge began.</param>
/// <param name="At">When the gateway reported it.</param>
public sealed record GatewayOverloadView(string GatewayId, bool Overloaded, string? Reason, long Refused, DateTimeOffset Since, DateTimeOffset At);
