namespace ContactCenter.Contracts;

/// <summary>
/// Command (published by the desktop for a supervisor; every gateway gets it, the one holding the agent's connected call
/// acts): start monitoring <see cref="AgentId"/>'s call in <see cref="Mode"/> (the gateway rings the supervisor's
/// registered phone), switch the mode of a session already running, or leave it (<see cref="MonitorMode.Leave"/>).
/// Only supervisors may send it (the desktop's board hub checks the role); the outcome comes back as
/// <see cref="MonitoringChanged"/>.
/// </summary>
public sealed record MonitorCall
{
    /// <summary>The agent whose call is monitored.</summary>
    public required string AgentId { get; init; }
    /// <summary>The supervisor (their login: the phone registered as it is rung).</summary>
    public required string SupervisorId { get; init; }
    /// <summary>The mode wanted.</summary>
    public required MonitorMode Mode { get; init; }
    /// <summary>The call, when the board knows it (a request for another call of the agent's is refused).</summary>
    public Guid? CallId { get; init; }
    /// <summary>When the supervisor asked.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
