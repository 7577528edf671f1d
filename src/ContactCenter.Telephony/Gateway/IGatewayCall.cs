using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Gateway;

/// <summary>A call this gateway holds, as the gateway's consumers and heartbeat see it: an inbound call or a callback it places.</summary>
internal interface IGatewayCall
{
    Guid CallId { get; }
    /// <summary>The queue the call waits in, for position announcements (null when it is not waiting here).</summary>
    string? Queue { get; }
    /// <summary>When the call started waiting (null when it is not waiting here).</summary>
    DateTimeOffset? QueuedAt { get; }
    /// <summary>Completes when the call is over and its legs released.</summary>
    Task Finished { get; }

    /// <summary>Routing asks to ring an agent for this call.</summary>
    void ConnectAgent(ConnectCallToAgent command);

    /// <summary>Routing takes the call out of its queue.</summary>
    void Divert(DivertQueuedCall command);

    /// <summary>New queue figures for announcements.</summary>
    void QueueUpdate(int position, TimeSpan estimatedWait);

    /// <summary>A phone's registration ended because its connection closed (a browser tab closed): a ring there ends at once.</summary>
    void PhoneGone(Sip.Registrar.RegistrarBinding binding)
    {
    }

    /// <summary>The gateway is stopping: release the legs.</summary>
    void Shutdown();
}
