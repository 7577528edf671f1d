namespace ContactCenter.Contracts;

/// <summary>
/// Event: a supervisor's monitoring session of a call changed (rung, started, mode switched, ended, or refused). The CRM
/// keeps every one as the audit of who monitored whom, in which modes, when; the desktop updates the board and, when the
/// setting says so, tells the agent they are being monitored.
/// </summary>
public sealed record MonitoringChanged
{
    /// <summary>The session (one per time a supervisor joins a call); a fresh id for a refused request.</summary>
    public required Guid MonitoringId { get; init; }
    /// <summary>Order of this event within the session, from 1 (a redelivered event is recognised by it).</summary>
    public required int Sequence { get; init; }
    /// <summary>The call, or null when the agent was on no call here.</summary>
    public Guid? CallId { get; init; }
    /// <summary>The agent whose call it is.</summary>
    public required string AgentId { get; init; }
    /// <summary>The supervisor.</summary>
    public required string SupervisorId { get; init; }
    /// <summary>The mode now (for <see cref="MonitoringPhase.Ended"/>, the last mode; for a refusal, the mode asked for).</summary>
    public required MonitorMode Mode { get; init; }
    /// <summary>What happened.</summary>
    public required MonitoringPhase Phase { get; init; }
    /// <summary>How the mode was chosen or the session ended, in words ("board", "DTMF 5", "supervisor hung up"...).</summary>
    public string? Reason { get; init; }
    /// <summary>When.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
