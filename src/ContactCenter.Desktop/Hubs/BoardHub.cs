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
}
