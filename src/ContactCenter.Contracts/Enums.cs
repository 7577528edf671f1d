namespace ContactCenter.Contracts;

/// <summary>An agent's presence as routing sees it. Every state has an exit by event or timeout.</summary>
public enum AgentState
{
    /// <summary>Not signed in to routing.</summary>
    LoggedOut,
    /// <summary>Ready for the next call.</summary>
    Available,
    /// <summary>Chosen for a call; the agent's phone is ringing.</summary>
    Reserved,
    /// <summary>Talking to a caller.</summary>
    OnCall,
    /// <summary>After-call work, ended by CompleteWrapUp or the queue's wrap-up time.</summary>
    WrapUp,
    /// <summary>Signed in but not taking calls; the reason says why (break, missed, training...).</summary>
    NotReady,
}

/// <summary>How a call ended for the customer's history.</summary>
public enum CallOutcome
{
    /// <summary>An agent answered.</summary>
    Answered,
    /// <summary>The caller hung up before an agent answered.</summary>
    Abandoned,
    /// <summary>The caller was served by the IVR alone.</summary>
    SelfService,
    /// <summary>The caller asked to be called back.</summary>
    Callback,
    /// <summary>The queue overflowed the call elsewhere (voicemail, another destination).</summary>
    Overflowed,
    /// <summary>The gateway refused the call (closed, queue full, not allowed).</summary>
    Rejected,
    /// <summary>The caller left a voicemail (kept; it becomes a work item in the queue).</summary>
    Voicemail,
    /// <summary>An outbound call or callback: the customer's phone rang out (or the agent hung up first).</summary>
    NoAnswer,
    /// <summary>An outbound call or callback: the customer's line was busy (486/600).</summary>
    Busy,
    /// <summary>An outbound call or callback could not be placed (carrier 4xx/5xx/6xx, timeout, no trunk, do-not-call).</summary>
    Failed,
}

/// <summary>Which way a call went, for the customer's history.</summary>
public enum CallDirection
{
    /// <summary>The customer called in.</summary>
    Inbound,
    /// <summary>An agent called the customer (click to dial).</summary>
    Outbound,
    /// <summary>The contact centre called the customer back as promised (callback or voicemail).</summary>
    Callback,
}

/// <summary>What the gateway must do with a queued call that routing takes out of its queue.</summary>
public enum DivertAction
{
    /// <summary>Record the caller's voicemail; it comes back to the queue as a work item.</summary>
    Voicemail,
    /// <summary>Offer the caller a callback that keeps their place.</summary>
    Callback,
    /// <summary>The queue is at its maximum length: refuse the call.</summary>
    QueueFull,
    /// <summary>No agent can take the call (none logged in, unknown queue): refuse the call.</summary>
    NoAgents,
}

/// <summary>
/// What an agent is offered on the desktop before anything else happens (Accept or Skip, with a time limit): nothing for a call
/// that rings the agent's phone at once.
/// </summary>
public enum OfferKind
{
    /// <summary>No offer: the agent's phone rings at once (a call, a progressive callback).</summary>
    None,
    /// <summary>A voicemail to handle, a work item without a phone leg: accepted, it is played and worked on the desktop.</summary>
    Voicemail,
    /// <summary>A callback in a preview queue: accepted, the agent's phone rings and then the customer is dialled.</summary>
    PreviewCallback,
}

/// <summary>Which side ended a call.</summary>
public enum CallParty
{
    /// <summary>The customer (leg A).</summary>
    Caller,
    /// <summary>The agent (leg B).</summary>
    Agent,
    /// <summary>The system: timeout, media loss, shutdown, rejection.</summary>
    System,
}

/// <summary>A customer's value tier from the CRM; it raises routing priority.</summary>
public enum CustomerTier
{
    /// <summary>Default tier.</summary>
    Standard,
    /// <summary>Valued customer.</summary>
    Silver,
    /// <summary>High-value customer.</summary>
    Gold,
    /// <summary>Highest-value customer.</summary>
    Platinum,
}

/// <summary>A person's role in the directory.</summary>
public enum PersonRole
{
    /// <summary>Takes calls.</summary>
    Agent,
    /// <summary>Watches queues and manages agents.</summary>
    Supervisor,
}
