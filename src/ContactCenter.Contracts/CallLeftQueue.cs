namespace ContactCenter.Contracts;

/// <summary>
/// Event (routing, the queue's owner): a call left a queue: an agent answered it, the caller hung up, or routing took it out
/// (overflow to another queue, voicemail, queue full, no agents, the call ended or was lost otherwise). Its wait is measured
/// on routing's clock, the one the live board uses, so the board and the reports classify the same wait the same way
/// (<see cref="QueueFigures.Classify"/>).
/// </summary>
public sealed record CallLeftQueue
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The queue the call left.</summary>
    public required string Queue { get; init; }
    /// <summary>How it left.</summary>
    public required QueueExitReason Reason { get; init; }
    /// <summary>How long it had waited (from its <see cref="CallQueued.QueuedAt"/>; a transfer's wait starts at the transfer).</summary>
    public required TimeSpan Waited { get; init; }
    /// <summary>Its place in the queue when it left (1 = first in line); 0 when it was not waiting in line (ringing an agent, refused on arrival).</summary>
    public int Position { get; init; }
    /// <summary>The agent who answered (<see cref="QueueExitReason.Answered"/>), or whose phone was ringing when the caller hung up.</summary>
    public string? AgentId { get; init; }
    /// <summary>For <see cref="QueueExitReason.Overflowed"/>: the queue the call waits in now.</summary>
    public string? ToQueue { get; init; }
    /// <summary>When it left (routing's clock).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
