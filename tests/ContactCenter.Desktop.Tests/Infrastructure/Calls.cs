using ContactCenter.Contracts;

namespace ContactCenter.Desktop.Tests.Infrastructure;

/// <summary>Bus events as the other modules publish them, for one call.</summary>
public static class Calls
{
    public static readonly Guid AdaId = Guid.Parse("5a6f0e3c-2f1b-4c59-9a41-000000000001");

    public static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public static ScreenPopReady AdaPop(Guid callId, string agentId) => new()
    {
        CallId = callId,
        AgentId = agentId,
        Caller = "+442071234567",
        Queue = "support",
        IvrPath = "main>2>support",
        Waited = TimeSpan.FromSeconds(42),
        Customer = new CustomerCard { Id = AdaId, Name = "Ada Lovelace", Tier = CustomerTier.Gold, Language = "en", DoNotCall = true, Notes = "Prefers email follow-ups." },
        RecentInteractions =
        [
            new InteractionSummary { CallId = Guid.NewGuid(), StartedAt = Now.AddDays(-3), Queue = "billing", AgentId = "bob", Outcome = CallOutcome.Answered, Disposition = "resolved", Notes = "Refund issued." },
        ],
        TotalInteractions = 7,
        OpenCases =
        [
            new CaseSummary
            {
                Id = Guid.Parse("c0000000-0000-0000-0000-000000000123"), Number = "CS-000123", Subject = "Analytical engine will not start",
                Status = "open", Priority = "high", OwnerAgentId = "alice", OpenedAt = Now.AddDays(-2).AddHours(-5), SlaDueAt = Now.AddHours(-1),
            },
        ],
        OccurredAt = Now,
    };

    public static ScreenPopReady UnknownCallerPop(Guid callId, string agentId) => new()
    {
        CallId = callId,
        AgentId = agentId,
        Caller = "+15550100999",
        Queue = "sales",
        IvrPath = "main>1>sales",
        Waited = TimeSpan.FromSeconds(5),
        Customer = null,
        RecentInteractions = [],
        OpenCases = [],
        OccurredAt = Now,
    };

    public static AgentReserved Reserved(Guid callId, string agentId) => new()
    {
        CallId = callId, AgentId = agentId, Queue = "support", Caller = "+442071234567", IvrPath = "main>2>support",
        Waited = TimeSpan.FromSeconds(42), Reason = "longest idle", OccurredAt = Now,
    };

    public static CallConnected Connected(Guid callId, string agentId) => new()
    {
        CallId = callId, AgentId = agentId, Queue = "support", OccurredAt = Now,
    };

    public static CallEnded Ended(Guid callId, string? agentId, CallOutcome outcome = CallOutcome.Answered) => new()
    {
        CallId = callId, AgentId = agentId, Queue = "support", IvrPath = "main>2>support", Outcome = outcome,
        EndedBy = CallParty.Caller, Reason = "BYE", OccurredAt = Now,
    };

    public static AgentStateChanged State(string agentId, AgentState state, AgentState previous, string? reason = null, Guid? callId = null) => new()
    {
        AgentId = agentId, State = state, Previous = previous, Reason = reason, CallId = callId, OccurredAt = Now,
    };

    public static QueueStatistics Stats(string queue, int waiting, double serviceLevel = 0.8) => new()
    {
        Queue = queue,
        Waiting = waiting,
        LongestWait = TimeSpan.FromSeconds(waiting * 17),
        Offered = 40,
        Answered = 36,
        Abandoned = 2,
        ServiceLevel = serviceLevel,
        AverageSpeedOfAnswer = TimeSpan.FromSeconds(23),
        AverageHandleTime = TimeSpan.FromMinutes(4),
        AbandonmentRate = 0.05,
        Occupancy = 0.7,
        EstimatedWait = TimeSpan.FromSeconds(30),
        AgentsByState = new Dictionary<AgentState, int> { [AgentState.Available] = 2, [AgentState.OnCall] = 3, [AgentState.WrapUp] = 1, [AgentState.NotReady] = 1 },
        // The counters behind those rates (service level over the 38 calls that left the queue).
        AnsweredWithinTarget = (int)Math.Round(serviceLevel * 38),
        Handled = 36,
        TotalAnswerWait = TimeSpan.FromSeconds(36 * 23),
        TotalHandleTime = TimeSpan.FromMinutes(36 * 4),
        BusyTime = TimeSpan.FromMinutes(42),
        StaffedTime = TimeSpan.FromMinutes(60),
        OccurredAt = Now,
    };
}
