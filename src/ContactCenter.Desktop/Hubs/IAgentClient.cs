namespace ContactCenter.Desktop.Hubs;

/// <summary>What the server calls on an agent's desktop (<c>/hubs/agent</c>).</summary>
public interface IAgentClient
{
    /// <summary>The caller's customer-360 for a call ringing at this agent.</summary>
    Task ScreenPop(ScreenPop pop);

    /// <summary>The agent's current call moved on (ringing, connected, wrap-up, ended).</summary>
    Task CallStateChanged(CallStateView call);

    /// <summary>The agent's presence changed.</summary>
    Task AgentStateChanged(AgentStateView state);

    /// <summary>An outbound call the agent dialled was refused (the reason is for the agent).</summary>
    Task OutboundCallRefused(OutboundRefusedView refused);

    /// <summary>An offer (a voicemail, a preview callback) or a work item of the agent's was offered, accepted, or is over.</summary>
    Task WorkItemChanged(WorkItemView item);

    /// <summary>A supervisor joined, switched mode in, or left the agent's call (only when Desktop:Monitoring:AgentSeesMonitoring is on).</summary>
    Task MonitoringChanged(MonitoringView monitoring);
}

/// <summary>What the server calls on a supervisor's board (<c>/hubs/board</c>).</summary>
public interface IBoardClient
{
    /// <summary>Live figures of one queue.</summary>
    Task QueueStatistics(QueueStatisticsView statistics);

    /// <summary>Agents whose state changed (on connect: every known agent).</summary>
    Task AgentStates(IReadOnlyList<AgentStateView> agents);

    /// <summary>Callbacks given up after their last attempt (on connect: the latest ones).</summary>
    Task CallbacksGivenUp(IReadOnlyList<CallbackGivenUpView> callbacks);

    /// <summary>A gateway began, continues (refused count) or ended refusing new calls for overload (on connect: each surge on now).</summary>
    Task GatewayOverload(GatewayOverloadView overload);

    /// <summary>A supervisor's session in an agent's call moved on (ringing, started, mode, ended) or was refused.</summary>
    Task MonitoringChanged(MonitoringView monitoring);

    /// <summary>On connect: the queues whose calls this supervisor may monitor (empty: every queue).</summary>
    Task Supervises(IReadOnlyList<string> queues);
}
