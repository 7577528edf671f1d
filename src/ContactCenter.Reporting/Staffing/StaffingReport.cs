namespace ContactCenter.Reporting.Staffing;

/// <summary>
/// Staffing for one queue on one day: per period, the calls and handle time forecast from the same weekday of recent weeks,
/// the agents Erlang C says meet the queue's service level, and the agents who were actually staffed (all agents together: the
/// reports do not know which queues each agent served then).
/// </summary>
public sealed record StaffingReport(string Queue, DateOnly Date, string TimeZone, int Weeks, double ServiceLevelTarget, double ServiceLevelThreshold,
    string Caveat, IReadOnlyList<StaffingRow> Rows);

/// <summary>One period of a staffing report.</summary>
/// <param name="Start">The period's start (local).</param>
/// <param name="End">Its end.</param>
/// <param name="ForecastCalls">Average calls offered in this period on the same weekday of the weeks before.</param>
/// <param name="ForecastAht">Their average handle time, in seconds (0 when none were handled).</param>
/// <param name="Erlangs">The traffic: calls × AHT / period length.</param>
/// <param name="AgentsNeeded">Erlang C's agents for the queue's target (0 when no calls are forecast).</param>
/// <param name="ExpectedServiceLevel">The service level Erlang C expects with that many agents.</param>
/// <param name="ActualCalls">Calls offered that day in this period (null for a day still to come).</param>
/// <param name="AgentsStaffed">Agents staffed on average in this period that day (available, ringing, on call or wrap-up; all queues), or null.</param>
public sealed record StaffingRow(DateTimeOffset Start, DateTimeOffset End, double ForecastCalls, double ForecastAht, double Erlangs, int AgentsNeeded,
    double ExpectedServiceLevel, long? ActualCalls, double? AgentsStaffed);
