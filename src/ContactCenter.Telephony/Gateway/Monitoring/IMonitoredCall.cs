using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Gateway.Monitoring;

/// <summary>A call a supervisor can join (an inbound call connected to an agent).</summary>
internal interface IMonitoredCall
{
    Guid CallId { get; }

    /// <summary>The agent the call is connected to now (read outside the call's mailbox: a hint, checked again inside).</summary>
    string? ConnectedAgentId { get; }

    /// <summary>Starts, switches or ends a supervisor's session on this call (in the call's mailbox).</summary>
    void Monitor(MonitorCall command);
}
