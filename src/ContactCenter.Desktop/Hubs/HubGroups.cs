namespace ContactCenter.Desktop.Hubs;

/// <summary>SignalR group names, in one place.</summary>
internal static class HubGroups
{
    /// <summary>The group of one agent's desktop connections (an agent may have several tabs).</summary>
    public static string Agent(string agentId) => "agent:" + agentId;
}
