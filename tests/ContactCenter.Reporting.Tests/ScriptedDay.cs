using ContactCenter.Contracts;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using ContactCenter.Reporting.Record;

namespace ContactCenter.Reporting.Tests;

/// <summary>
/// A morning of two queues and two agents, 09:00 to 10:00 UTC on Monday 2 March 2026 (London is on GMT then), as the bus
/// carries it: seven calls covering an answer within target, a late answer after a missed ring, an abandon, a short abandon,
/// a transfer, an overflow that is then abandoned, a callback whose attempt is not answered, and a call refused because the
/// queue is full. The expected figures are worked out by hand in the tests.
/// </summary>
internal static class ScriptedDay
{
    public const string QueuesYaml = """
        timeZone: Europe/London
        shortAbandonSeconds: 5
        queues:
          - name: support
            serviceLevel: { percent: 80, seconds: 20 }
          - name: billing
            serviceLevel: { percent: 90, seconds: 30, denominator: answered-and-abandoned }
        """;

    public static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public static readonly Guid A = new("aaaaaaaa-0000-0000-0000-000000000001");
    public static readonly Guid B = new("aaaaaaaa-0000-0000-0000-000000000002");
    public static readonly Guid C = new("aaaaaaaa-0000-0000-0000-000000000003");
    public static readonly Guid D = new("aaaaaaaa-0000-0000-0000-000000000004");
    public static readonly Guid E = new("aaaaaaaa-0000-0000-0000-000000000005");
    public static readonly Guid F = new("aaaaaaaa-0000-0000-0000-000000000006");
    public static readonly Guid G = new("aaaaaaaa-0000-0000-0000-000000000007");

    public static ReportQueues Queues() => ReportQueues.Parse(QueuesYaml, "queues.yaml");

    public static DateTimeOffset T(int h, int m, int s = 0) => Day.AddHours(h).AddMinutes(m).AddSeconds(s);

    /// <summary>Every message of the morning, in the order things happened.</summary>
    public static List<object> Messages()
    {
        var list = new List<object>();
        void State(string agent, AgentState state, AgentState previous, DateTimeOffset at, Guid? call = null, string? reason = null) =>
            list.Add(new AgentStateChanged { AgentId = agent, State = state, Previous = previous, CallId = call, Reason = reason, OccurredAt = at });
        void Queued(Guid call, string queue, DateTimeOffset at, bool callback = false) => list.Add(new CallQueued
        {
            CallId = call, Queue = queue, Caller = "+4420794600" + call.ToString()[^2..], GatewayId = "gw1", IvrPath = "main>" + queue,
            QueuedAt = at, OccurredAt = at, IsCallback = callback, Attempt = callback ? 1 : 0,
        });
        void Left(Guid call, string queue, QueueExitReason reason, int waited, DateTimeOffset at, string? agent = null, int position = 0, string? to = null) =>
            list.Add(new CallLeftQueue
            {
                CallId = call, Queue = queue, Reason = reason, Waited = TimeSpan.FromSeconds(waited), AgentId = agent, Position = position,
                ToQueue = to, OccurredAt = at,
            });
        void Reserved(Guid call, string agent, string queue, DateTimeOffset at, bool callback = false) => list.Add(new AgentReserved
        {
            CallId = call, AgentId = agent, Queue = queue, Caller = "+44", IvrPath = "main", Waited = TimeSpan.Zero, Reason = "longest idle",
            IsCallback = callback, OccurredAt = at,
        });
        void Connected(Guid call, string agent, string queue, DateTimeOffset at, CallDirection direction = CallDirection.Inbound) =>
            list.Add(new CallConnected { CallId = call, AgentId = agent, Queue = queue, Direction = direction, OccurredAt = at });
        void Ended(Guid call, CallOutcome outcome, CallParty by, DateTimeOffset at, string? agent = null, string? queue = null,
            CallDirection direction = CallDirection.Inbound, DateTimeOffset? retryAt = null, int attempt = 0) => list.Add(new CallEnded
            {
                CallId = call, Outcome = outcome, EndedBy = by, Reason = "BYE", AgentId = agent, Queue = queue, Direction = direction,
                RetryAt = retryAt, Attempt = attempt, OccurredAt = at,
            });
        void Handled(Guid call, string agent, string? queue, int talk, int wrap, DateTimeOffset at) => list.Add(new CallHandled
        {
            CallId = call, AgentId = agent, Queue = queue, TalkTime = TimeSpan.FromSeconds(talk), WrapUpTime = TimeSpan.FromSeconds(wrap), OccurredAt = at,
        });

        State("alice", AgentState.Available, AgentState.LoggedOut, T(9, 0));
        State("bob", AgentState.Available, AgentState.LoggedOut, T(9, 0));

        // A: support, answered by alice after 10 s (within 20 s); talk 300 s, wrap-up 30 s.
        list.Add(new CallReceived { CallId = A, Caller = "+442079460001", Did = "1001", GatewayId = "gw1", OccurredAt = T(9, 0) });
        Queued(A, "support", T(9, 0, 5));
        Reserved(A, "alice", "support", T(9, 0, 10));
        State("alice", AgentState.Reserved, AgentState.Available, T(9, 0, 10), A);
        Connected(A, "alice", "support", T(9, 0, 15));
        State("alice", AgentState.OnCall, AgentState.Reserved, T(9, 0, 15), A);
        Left(A, "support", QueueExitReason.Answered, 10, T(9, 0, 15), "alice");
        Ended(A, CallOutcome.Answered, CallParty.Caller, T(9, 5, 15), "alice", "support");
        State("alice", AgentState.WrapUp, AgentState.OnCall, T(9, 5, 15), A);
        Handled(A, "alice", "support", 300, 30, T(9, 5, 45));
        State("alice", AgentState.Available, AgentState.WrapUp, T(9, 5, 45), reason: "wrap-up completed");

        // B: support, abandoned after 45 s, first in line.
        Queued(B, "support", T(9, 2));
        Left(B, "support", QueueExitReason.Abandoned, 45, T(9, 2, 45), position: 1);
        Ended(B, CallOutcome.Abandoned, CallParty.Caller, T(9, 2, 45), queue: "support");

        // C: support, gone after 3 s: a short abandon.
        Queued(C, "support", T(9, 3));
        Left(C, "support", QueueExitReason.Abandoned, 3, T(9, 3, 3), position: 1);
        Ended(C, CallOutcome.Abandoned, CallParty.Caller, T(9, 3, 3), queue: "support");

        // D: support; bob misses it, alice answers at 50 s (late), talks 240 s, transfers it to billing, where bob answers in 20 s.
        Queued(D, "support", T(9, 10));
        Reserved(D, "bob", "support", T(9, 10, 30));
        State("bob", AgentState.Reserved, AgentState.Available, T(9, 10, 30), D);
        list.Add(new AgentNoAnswer { CallId = D, AgentId = "bob", Reason = "ring timeout", OccurredAt = T(9, 10, 45) });
        State("bob", AgentState.NotReady, AgentState.Reserved, T(9, 10, 45), reason: "missed");
        Reserved(D, "alice", "support", T(9, 10, 46));
        State("alice", AgentState.Reserved, AgentState.Available, T(9, 10, 46), D);
        Connected(D, "alice", "support", T(9, 10, 50));
        State("alice", AgentState.OnCall, AgentState.Reserved, T(9, 10, 50), D);
        Left(D, "support", QueueExitReason.Answered, 50, T(9, 10, 50), "alice");
        list.Add(new CallTransferred
        {
            CallId = D, AgentId = "alice", Queue = "billing", Caller = "+442079460004", GatewayId = "gw1", IvrPath = "main>support>transfer>billing",
            OccurredAt = T(9, 14, 50),
        });
        State("alice", AgentState.WrapUp, AgentState.OnCall, T(9, 14, 50), D);
        Handled(D, "alice", "support", 240, 10, T(9, 15));
        State("alice", AgentState.Available, AgentState.WrapUp, T(9, 15), reason: "wrap-up completed");
        State("bob", AgentState.Available, AgentState.NotReady, T(9, 15));
        Reserved(D, "bob", "billing", T(9, 15, 5));
        State("bob", AgentState.Reserved, AgentState.Available, T(9, 15, 5), D);
        Connected(D, "bob", "billing", T(9, 15, 10));
        State("bob", AgentState.OnCall, AgentState.Reserved, T(9, 15, 10), D);
        Left(D, "billing", QueueExitReason.Answered, 20, T(9, 15, 10), "bob");
        Ended(D, CallOutcome.Answered, CallParty.Caller, T(9, 20, 10), "bob", "billing");
        State("bob", AgentState.WrapUp, AgentState.OnCall, T(9, 20, 10), D);
        Handled(D, "bob", "billing", 300, 20, T(9, 20, 30));
        State("bob", AgentState.Available, AgentState.WrapUp, T(9, 20, 30), reason: "wrap-up completed");

        // E: support; overflows to billing after 600 s, where the caller hangs up 20 s later (620 s in all).
        Queued(E, "support", T(9, 20));
        Left(E, "support", QueueExitReason.Overflowed, 600, T(9, 30), position: 1, to: "billing");
        Left(E, "billing", QueueExitReason.Abandoned, 620, T(9, 30, 20), position: 1);
        Ended(E, CallOutcome.Abandoned, CallParty.Caller, T(9, 30, 20), queue: "support");

        // F: billing; the caller takes a callback after 60 s; alice is reserved 10 min later, the customer does not answer; a retry is due.
        Queued(F, "billing", T(9, 40));
        Ended(F, CallOutcome.Callback, CallParty.Caller, T(9, 41), queue: "billing");
        Queued(F, "billing", T(9, 41), callback: true);
        Reserved(F, "alice", "billing", T(9, 50), callback: true);
        State("alice", AgentState.Reserved, AgentState.Available, T(9, 50), F);
        Connected(F, "alice", "billing", T(9, 50, 5), CallDirection.Callback);
        State("alice", AgentState.OnCall, AgentState.Reserved, T(9, 50, 5), F);
        Left(F, "billing", QueueExitReason.Answered, 605, T(9, 50, 5), "alice");
        Ended(F, CallOutcome.NoAnswer, CallParty.System, T(9, 51), "alice", "billing", CallDirection.Callback, retryAt: T(10, 20), attempt: 1);
        State("alice", AgentState.WrapUp, AgentState.OnCall, T(9, 51), F);
        Handled(F, "alice", "billing", 55, 5, T(9, 51, 5));
        State("alice", AgentState.Available, AgentState.WrapUp, T(9, 51, 5), reason: "wrap-up completed");

        // G: billing is full: refused on arrival.
        Queued(G, "billing", T(9, 45));
        Left(G, "billing", QueueExitReason.QueueFull, 0, T(9, 45));
        Ended(G, CallOutcome.Rejected, CallParty.System, T(9, 45), queue: "billing");

        State("alice", AgentState.LoggedOut, AgentState.Available, T(10, 0));
        State("bob", AgentState.LoggedOut, AgentState.Available, T(10, 0));
        return list;
    }

    /// <summary>A bus message as the record keeps it.</summary>
    public static ReportEvent ToRecord(object message) => message switch
    {
        CallReceived m => RecordedEvent.From(m),
        CallerIdentified m => RecordedEvent.From(m),
        CallQueued m => RecordedEvent.From(m),
        AgentReserved m => RecordedEvent.From(m),
        AgentNoAnswer m => RecordedEvent.From(m),
        CallConnected m => RecordedEvent.From(m),
        CallLeftQueue m => RecordedEvent.From(m),
        CallTransferred m => RecordedEvent.From(m),
        CallEnded m => RecordedEvent.From(m),
        CallHandled m => RecordedEvent.From(m),
        AgentStateChanged m => RecordedEvent.From(m),
        VoicemailRecorded m => RecordedEvent.From(m),
        _ => throw new ArgumentException($"not a reported message: {message.GetType().Name}", nameof(message)),
    };
}
