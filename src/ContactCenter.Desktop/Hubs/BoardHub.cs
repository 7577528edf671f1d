using ContactCenter.Contracts;
using ContactCenter.Desktop.State;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Desktop.Hubs;

/// <summary><c>/hubs/board</c>: supervisors' live queue board. On connect it sends the latest figures and agent states.</summary>
internal sealed class BoardHub(
    DesktopState desktop,
    GatewaySurges surges,
    IPublishEndpoint publish,
    TimeProvider time,
    ILogger<BoardHub> logger) : Hub<IBoardClient>
{
    public override async Task OnConnectedAsync()
    {
        var (queues, agents) = desktop.BoardSnapshot();
        foreach (var q in queues)
        {
            await Clients.Caller.QueueStatistics(q);
        }

        await Clients.Caller.AgentStates(agents);
        await Clients.Caller.Supervises([.. AgentIdentity.SupervisedQueues(Context.User).Order(StringComparer.Ordinal)]);
        await Clients.Caller.CallbacksGivenUp(desktop.CallbacksGivenUp());
        foreach (var surge in surges.Overloaded())
        {
            await Clients.Caller.GatewayOverload(surge);
        }

        await base.OnConnectedAsync();
    }

    /// <summary>A supervisor sets an agent's state (Available, NotReady with a reason, LoggedOut).</summary>
    public async Task SetAgentState(string agentId, AgentState state, string? reason)
    {
        agentId = agentId?.Trim() ?? "";
        if (agentId.Length == 0 || agentId.Length > 64)
        {
            throw new HubException("agentId is required and at most 64 characters.");
        }

        var supervisor = AgentIdentity.AgentId(Context.User) ?? throw new HubException("The token has no 'sub' claim.");
        var command = StateCommands.Create(agentId, state, reason, supervisor, time);
        await publish.Publish(command, Context.ConnectionAborted);
        logger.LogInformation("{Supervisor} asked for {State} for {AgentId} ({Reason})", supervisor, command.State, agentId, command.Reason);
    }

    /// <summary>
    /// The supervisor asks to listen to, whisper to, barge into, take over or leave <paramref name="agentId"/>'s call
    /// (issue 18). The gateway rings the supervisor's registered phone (or switches the mode of a session already running)
    /// and answers on the board with <c>MonitoringChanged</c>. Only a supervisor's token reaches this hub; an agent who is
    /// not on a connected call is refused here, and so is a call in a queue the supervisor does not supervise when the
    /// directory names their queues (that refusal is published as a <c>MonitoringChanged</c> step, for the audit).
    /// </summary>
    public async Task Monitor(string agentId, MonitorMode mode)
    {
        agentId = agentId?.Trim() ?? "";
        if (agentId.Length == 0 || agentId.Length > 64)
        {
            throw new HubException("agentId is required and at most 64 characters.");
        }

        if (!Enum.IsDefined(mode))
        {
            throw new HubException("mode must be listen, whisper, barge, takeOver or leave.");
        }

        var supervisor = AgentIdentity.AgentId(Context.User) ?? throw new HubException("The token has no 'sub' claim.");
        if (string.Equals(agentId, supervisor, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException("A supervisor cannot monitor their own call.");
        }

        var call = desktop.ConnectedCallOf(agentId);
        if (call is null && mode != MonitorMode.Leave)
        {
            throw new HubException($"{agentId} is not on a connected call.");
        }

        var supervised = AgentIdentity.SupervisedQueues(Context.User);
        if (call is { } c && mode != MonitorMode.Leave && supervised.Count > 0 && (c.Queue is null || !supervised.Contains(c.Queue)))
        {
            var reason = c.Queue is null
                ? $"{supervisor} supervises only {string.Join(", ", supervised.Order(StringComparer.Ordinal))}; {agentId}'s call is in no queue"
                : $"{supervisor} does not supervise queue {c.Queue} (supervises {string.Join(", ", supervised.Order(StringComparer.Ordinal))})";
            await publish.Publish(new MonitoringChanged
            {
                MonitoringId = Guid.NewGuid(),
                Sequence = 1,
                CallId = c.CallId,
                AgentId = agentId,
                SupervisorId = supervisor,
                Mode = mode,
                Phase = MonitoringPhase.Refused,
                Reason = reason,
                OccurredAt = time.GetUtcNow(),
            }, Context.ConnectionAborted);
            logger.LogWarning("{Supervisor} refused monitoring {AgentId}'s call {CallId}: {Reason}", supervisor, agentId, c.CallId, reason);
            throw new HubException(reason + ".");
        }

        await publish.Publish(new MonitorCall
        {
            AgentId = agentId,
            SupervisorId = supervisor,
            Mode = mode,
            CallId = call?.CallId,
            OccurredAt = time.GetUtcNow(),
        }, Context.ConnectionAborted);
        logger.LogInformation("{Supervisor} asked to {Mode} {AgentId}'s call {CallId}", supervisor, mode, agentId, call?.CallId);
    }
}
