namespace ContactCenter.Desktop.Monitoring;

/// <summary>
/// <c>Desktop:Monitoring</c>: whether an agent's desktop shows "being monitored" while a supervisor is in their call
/// (listening, whispering or barged in). Off by default: silent monitoring, as most contact centres run it.
/// </summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "Desktop:Monitoring";

    /// <summary>Show the agent a banner naming the supervisor and the mode while they are in the call.</summary>
    public bool AgentSeesMonitoring { get; set; }
}
