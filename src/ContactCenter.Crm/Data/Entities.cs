using ContactCenter.Contracts;

namespace ContactCenter.Crm.Data;

/// <summary>A customer of the contact centre.</summary>
internal sealed class Customer
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public CustomerTier Tier { get; set; }
    public string? Language { get; set; }
    public string? Email { get; set; }
    public ContactChannel PreferredContact { get; set; }
    public bool DoNotCall { get; set; }
    public string? Notes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<CustomerPhone> Phones { get; set; } = [];
    public List<Interaction> Interactions { get; set; } = [];
    public List<ServiceCase> Cases { get; set; } = [];
}

/// <summary>How a customer prefers to be contacted.</summary>
internal enum ContactChannel
{
    Phone,
    Email,
    Sms,
    None,
}

/// <summary>A customer's phone number, E.164, unique across customers.</summary>
internal sealed class CustomerPhone
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public required string E164 { get; set; }
    public string? Label { get; set; }
}

/// <summary>One call, keyed by its CallId, merged from the call's events in any order.</summary>
internal sealed class Interaction
{
    public Guid CallId { get; set; }
    public Guid? CustomerId { get; set; }
    public string? Caller { get; set; }
    public string? Did { get; set; }
    public string? GatewayId { get; set; }
    /// <summary>Earliest time known for the call; the history is ordered by it.</summary>
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? ReceivedAt { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? ReservedAt { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public DateTimeOffset? WrappedUpAt { get; set; }
    public string? IvrPath { get; set; }
    public string? Queue { get; set; }
    /// <summary>Which event set <see cref="Queue"/> (higher wins) and when: keeps merging order-independent.</summary>
    public int QueueRank { get; set; }
    public DateTimeOffset? QueueSetAt { get; set; }
    public string? AgentId { get; set; }
    /// <summary>The agent whose call a supervisor took over (<see cref="AgentId"/> is then the supervisor; issue 18).</summary>
    public string? TakenOverFrom { get; set; }
    /// <summary>Which event set <see cref="AgentId"/> (higher wins) and when.</summary>
    public int AgentRank { get; set; }
    public DateTimeOffset? AgentSetAt { get; set; }
    public CallOutcome? Outcome { get; set; }
    public CallParty? EndedBy { get; set; }
    public string? EndReason { get; set; }
    public int? WaitSeconds { get; set; }
    public int? TalkSeconds { get; set; }
    public int? WrapUpSeconds { get; set; }
    public string? Disposition { get; set; }
    public string? Notes { get; set; }
    public Guid? CaseId { get; set; }
    public string? RecordingPath { get; set; }
    /// <summary>Inbound, an agent's outbound call, or a callback.</summary>
    public CallDirection Direction { get; set; }
    /// <summary>The number dialled for an outbound call or callback.</summary>
    public string? Dialled { get; set; }
    /// <summary>For a retried callback: the original call it keeps the promise of.</summary>
    public Guid? CallbackOf { get; set; }
    /// <summary>When the caller took a callback (or left a voicemail that became one).</summary>
    public DateTimeOffset? CallbackRequestedAt { get; set; }
    /// <summary>Callback attempts made on this row's call.</summary>
    public int CallbackAttempts { get; set; }
    /// <summary>When the next callback attempt is due, if one will be made.</summary>
    public DateTimeOffset? CallbackRetryAt { get; set; }
    /// <summary>The caller's voicemail (file name in the gateway's voicemail folder), when one was kept.</summary>
    public string? VoicemailPath { get; set; }
    /// <summary>Length of the voicemail in seconds.</summary>
    public int? VoicemailSeconds { get; set; }
    /// <summary>Why a voicemail was not kept (silent, too short).</summary>
    public string? VoicemailNote { get; set; }
    /// <summary>The voicemail's transcript (left empty until a transcription service fills it).</summary>
    public string? Transcript { get; set; }
    public byte[] Version { get; set; } = [];
}

/// <summary>Service case status; allowed transitions live in <see cref="Cases.CaseRules"/>.</summary>
internal enum CaseStatus
{
    Open,
    Pending,
    Resolved,
    Closed,
}

/// <summary>Service case priority, ordered by urgency.</summary>
internal enum CasePriority
{
    Low,
    Normal,
    High,
    Urgent,
}

/// <summary>A service case with a human number (CS-000123) and optimistic concurrency.</summary>
internal sealed class ServiceCase
{
    public Guid Id { get; set; }
    /// <summary>Sequence behind the human number.</summary>
    public int Number { get; set; }
    public Guid CustomerId { get; set; }
    public required string Subject { get; set; }
    public string? Description { get; set; }
    public CaseStatus Status { get; set; }
    public CasePriority Priority { get; set; }
    public string? OwnerAgentId { get; set; }
    public DateTimeOffset? SlaDueAt { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public byte[] Version { get; set; } = [];
    public List<CaseNote> Notes { get; set; } = [];

    public static string FormatNumber(int number) => $"CS-{number:000000}";
}

/// <summary>A note on a case.</summary>
internal sealed class CaseNote
{
    public Guid Id { get; set; }
    public Guid CaseId { get; set; }
    public required string AuthorId { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Who read which customer record, when, and how.</summary>
internal sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public Guid CustomerId { get; set; }
    public string? Detail { get; set; }
}

/// <summary>A person in the directory: agent or supervisor.</summary>
internal sealed class Person
{
    public static string NewSecurityStamp() => Guid.NewGuid().ToString("N");

    public required string Login { get; set; }
    public required string DisplayName { get; set; }
    public PersonRole Role { get; set; }
    public required string PasswordHash { get; set; }
    public required string SipRealm { get; set; }
    public required string SipHa1Md5 { get; set; }
    public required string SipHa1Sha256 { get; set; }
    public bool Active { get; set; } = true;
    /// <summary>Which registered phones ring for the person's calls.</summary>
    public PhoneKind Phone { get; set; } = PhoneKind.Both;
    /// <summary>
    /// Changes whenever the person's access changes (deactivation, role, password); tokens carry it as the <c>stamp</c>
    /// claim and a token with another stamp is refused (ADR 0015).
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();
    public DateTimeOffset UpdatedAt { get; set; }
    public List<PersonSkill> Skills { get; set; } = [];
    public List<PersonQueue> Queues { get; set; } = [];
    /// <summary>
    /// For a supervisor: the queues whose calls they may listen to, whisper in, barge into or take over (issue 18); none
    /// means every queue.
    /// </summary>
    public List<PersonSupervisedQueue> SupervisedQueues { get; set; } = [];
}

/// <summary>A skill with proficiency 1..5.</summary>
internal sealed class PersonSkill
{
    public required string Login { get; set; }
    public required string Skill { get; set; }
    public int Level { get; set; }
}

/// <summary>A queue a person serves.</summary>
internal sealed class PersonQueue
{
    public required string Login { get; set; }
    public required string Queue { get; set; }
}

/// <summary>A queue a supervisor supervises (their monitoring is limited to these when they have any).</summary>
internal sealed class PersonSupervisedQueue
{
    public required string Login { get; set; }
    public required string Queue { get; set; }
}

/// <summary>
/// One step of a supervisor's monitoring session (issue 18): who (supervisor) monitored whom (agent), on which call, in
/// which mode, when, and how it ended or why it was refused. Written once per event (the key makes a redelivery a no-op).
/// </summary>
internal sealed class MonitoringEvent
{
    public long Id { get; set; }
    public Guid MonitoringId { get; set; }
    public int Sequence { get; set; }
    public Guid? CallId { get; set; }
    public required string SupervisorId { get; set; }
    public required string AgentId { get; set; }
    public MonitorMode Mode { get; set; }
    public MonitoringPhase Phase { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset At { get; set; }
}
