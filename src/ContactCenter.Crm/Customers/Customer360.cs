using ContactCenter.Crm.Data;

namespace ContactCenter.Crm.Customers;

/// <summary>Everything the agent needs about a customer on one screen.</summary>
internal sealed record Customer360(
    CustomerView Customer,
    IReadOnlyList<CaseView> OpenCases,
    IReadOnlyList<InteractionView> RecentInteractions,
    Customer360Totals Totals);

/// <summary>Lifetime figures of a customer.</summary>
internal sealed record Customer360Totals(int Interactions, DateTimeOffset? LastContactAt, int OpenCases, int CasesBreachingSla);

/// <summary>A customer as the API shows it.</summary>
internal sealed record CustomerView(
    Guid Id,
    string Name,
    string Tier,
    string? Language,
    string? Email,
    string PreferredContact,
    bool DoNotCall,
    string? Notes,
    IReadOnlyList<string> Phones,
    DateTimeOffset CreatedAt);

/// <summary>A service case as the API shows it.</summary>
internal sealed record CaseView(
    Guid Id,
    string Number,
    Guid CustomerId,
    string Subject,
    string? Description,
    string Status,
    string Priority,
    string? OwnerAgentId,
    DateTimeOffset? SlaDueAt,
    bool SlaBreached,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt);

/// <summary>One call in a customer's history.</summary>
internal sealed record InteractionView(
    Guid CallId,
    DateTimeOffset StartedAt,
    string? Caller,
    string? Did,
    string? IvrPath,
    string? Queue,
    string? AgentId,
    string? Outcome,
    DateTimeOffset? AnsweredAt,
    DateTimeOffset? EndedAt,
    int? WaitSeconds,
    int? TalkSeconds,
    int? WrapUpSeconds,
    string? Disposition,
    string? Notes,
    Guid? CaseId,
    string? RecordingPath,
    string? VoicemailPath,
    int? VoicemailSeconds,
    string? VoicemailNote,
    string? Transcript,
    string Direction = "inbound",
    string? Dialled = null,
    Guid? CallbackOf = null,
    DateTimeOffset? CallbackRequestedAt = null,
    int CallbackAttempts = 0,
    DateTimeOffset? CallbackRetryAt = null,
    string? EndReason = null,
    string? TakenOverFrom = null);

/// <summary>Lower-case names used on the wire for the CRM's enums.</summary>
internal static class Wire
{
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static string? Name<T>(T? value) where T : struct, Enum => value?.ToString().ToLowerInvariant();

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        return !string.IsNullOrWhiteSpace(text)
            && !int.TryParse(text, out _)
            && Enum.TryParse(text.Trim(), ignoreCase: true, out value)
            && Enum.IsDefined(value);
    }

    public static string Names<T>() where T : struct, Enum =>
        string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));

    public static CaseView ToView(ServiceCase c, DateTimeOffset now) => new(
        c.Id,
        ServiceCase.FormatNumber(c.Number),
        c.CustomerId,
        c.Subject,
        c.Description,
        Name(c.Status),
        Name(c.Priority),
        c.OwnerAgentId,
        c.SlaDueAt,
        c.Status is CaseStatus.Open or CaseStatus.Pending && c.SlaDueAt < now,
        c.OpenedAt,
        c.UpdatedAt,
        c.ResolvedAt,
        c.ClosedAt);

    public static InteractionView ToView(Interaction i) => new(
        i.CallId, i.StartedAt, i.Caller, i.Did, i.IvrPath, i.Queue, i.AgentId, Name(i.Outcome),
        i.AnsweredAt, i.EndedAt, i.WaitSeconds, i.TalkSeconds, i.WrapUpSeconds, i.Disposition, i.Notes,
        i.CaseId, i.RecordingPath, i.VoicemailPath, i.VoicemailSeconds, i.VoicemailNote, i.Transcript,
        Name(i.Direction), i.Dialled, i.CallbackOf, i.CallbackRequestedAt, i.CallbackAttempts, i.CallbackRetryAt, i.EndReason, i.TakenOverFrom);
}
