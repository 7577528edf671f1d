using ContactCenter.Crm.Data;

namespace ContactCenter.Crm.Cases;

/// <summary>The service-case life cycle: open ⇄ pending → resolved → closed; resolved may reopen; closed is final.</summary>
internal static class CaseRules
{
    public static bool CanMove(CaseStatus from, CaseStatus to, out string? reason)
    {
        reason = (from, to) switch
        {
            _ when from == to => null,
            (CaseStatus.Open, CaseStatus.Pending or CaseStatus.Resolved) => null,
            (CaseStatus.Pending, CaseStatus.Open or CaseStatus.Resolved) => null,
            (CaseStatus.Resolved, CaseStatus.Open or CaseStatus.Closed) => null,
            (CaseStatus.Open or CaseStatus.Pending, CaseStatus.Closed) =>
                "a case must be resolved before it is closed",
            (CaseStatus.Closed, _) => "a closed case cannot change status; open a new case instead",
            _ => $"a case cannot move from {Customers.Wire.Name(from)} to {Customers.Wire.Name(to)}",
        };
        return reason is null;
    }

    /// <summary>Default time to resolve by priority, used when a case is opened without an SLA.</summary>
    public static TimeSpan DefaultSla(CasePriority priority) => priority switch
    {
        CasePriority.Urgent => TimeSpan.FromHours(4),
        CasePriority.High => TimeSpan.FromDays(1),
        CasePriority.Normal => TimeSpan.FromDays(3),
        CasePriority.Low => TimeSpan.FromDays(7),
    };
}
