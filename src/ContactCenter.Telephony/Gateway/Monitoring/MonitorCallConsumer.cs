using ContactCenter.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Monitoring;

/// <summary>
/// A supervisor asks to monitor an agent's call (published: every gateway gets it). The gateway holding the agent's
/// connected call hands it to the call; the others have nothing to do (the desktop only sends it for an agent it sees on
/// a call, and the call's gateway answers with <see cref="MonitoringChanged"/>).
/// </summary>
internal sealed class MonitorCallConsumer(SipGateway gateway, ILogger<MonitorCallConsumer> logger) : IConsumer<MonitorCall>
{
    public Task Consume(ConsumeContext<MonitorCall> context)
    {
        var command = context.Message;
        foreach (var call in gateway.LiveCalls)
        {
            if (call is IMonitoredCall monitored
                && (command.CallId is { } id ? monitored.CallId == id : string.Equals(monitored.ConnectedAgentId, command.AgentId, StringComparison.OrdinalIgnoreCase)))
            {
                monitored.Monitor(command);
                return Task.CompletedTask;
            }
        }

        logger.LogDebug("MonitorCall: {Agent} has no call on this gateway", command.AgentId);
        return Task.CompletedTask;
    }
}
