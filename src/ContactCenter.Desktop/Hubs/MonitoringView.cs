using ContactCenter.Contracts;

namespace ContactCenter.Desktop.Hubs;

/// <summary>A step of a supervisor's session in an agent's call, as the board (and, if the setting says so, the agent) sees it.</summary>
public sealed record MonitoringView(
    Guid MonitoringId,
    Guid? CallId,
    string AgentId,
    string SupervisorId,
    MonitorMode Mode,
    MonitoringPhase Phase,
    string? Reason,
    DateTimeOffset At)
{
    internal static MonitoringView From(MonitoringChanged m) =>
        new(m.MonitoringId, m.CallId, m.AgentId, m.SupervisorId, m.Mode, m.Phase, m.Reason, m.OccurredAt);
}
