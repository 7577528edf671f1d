namespace ContactCenter.Contracts;

/// <summary>How a supervisor is in an agent's call (issue 18; ADR 0016).</summary>
public enum MonitorMode
{
    /// <summary>The supervisor hears the caller and the agent; nobody hears the supervisor.</summary>
    Listen,
    /// <summary>The agent hears the supervisor; the caller never does.</summary>
    Whisper,
    /// <summary>All three hear each other.</summary>
    Barge,
    /// <summary>The supervisor becomes the call's agent: the agent's leg is released and the agent goes to wrap-up.</summary>
    TakeOver,
    /// <summary>The supervisor leaves the call (their phone is hung up); the call goes on as it was.</summary>
    Leave,
}

/// <summary>Where a monitoring session stands.</summary>
public enum MonitoringPhase
{
    /// <summary>The supervisor's phone is ringing.</summary>
    Ringing,
    /// <summary>The supervisor answered and is in the call, in the mode given.</summary>
    Started,
    /// <summary>The supervisor switched mode (from the board, or by DTMF from their phone).</summary>
    ModeChanged,
    /// <summary>The supervisor's leg is over (they left or hung up, the call ended, or the phone did not answer).</summary>
    Ended,
    /// <summary>The request could not be carried out (the agent is on no call here, another supervisor is in it...).</summary>
    Refused,
}
