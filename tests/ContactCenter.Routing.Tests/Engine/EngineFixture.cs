using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>An engine on a fake clock with helpers that speak in the domain's terms; records every input for replay.</summary>
internal sealed class EngineFixture
{
    public const string DefaultYaml = """
        shortAbandonSeconds: 5
        queues:
          - name: support
            skills:
              - { skill: support, level: 3 }
            serviceLevel: { percent: 80, seconds: 20 }
            wrapUpSeconds: 30
            ringTimeoutSeconds: 15
            preferredAgentSeconds: 20
            widening:
              - { afterSeconds: 30, lowerLevelsBy: 2 }
              - { afterSeconds: 60, lowerLevelsBy: 2, dropOptionalSkills: true }
          - name: billing
            skills:
              - { skill: billing, level: 2 }
            wrapUpSeconds: 20
            ringTimeoutSeconds: 20
        """;

    public EngineFixture(string yaml = DefaultYaml)
    {
        Config = QueueConfigLoader.Parse(yaml, "test.yaml");
        Engine = new RoutingEngine(Config, Clock);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    public RoutingConfiguration Config { get; }
    public RoutingEngine Engine { get; }
    public List<(DateTimeOffset At, EngineInput Input)> Log { get; } = [];
    public List<EngineOutput> Outputs { get; } = [];

    public IEnumerable<ReservationMade> Reservations => Outputs.OfType<ReservationMade>();

    public IEnumerable<AgentStateChange> StateChanges => Outputs.OfType<AgentStateChange>();

    public void Apply(EngineInput input)
    {
        Log.Add((Clock.GetUtcNow(), input));
        Engine.Handle(input);
        Outputs.AddRange(Engine.Outputs);
        Engine.Outputs.Clear();
    }

    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Apply(new Tick());
    }

    public void Seconds(double s) => Advance(TimeSpan.FromSeconds(s));

    public void Agent(string id, string queues, params (string Skill, int Level)[] skills) =>
        Apply(new UpsertAgent(new AgentProfile
        {
            AgentId = id,
            DisplayName = id,
            Role = PersonRole.Agent,
            Skills = [.. skills.Select(s => new SkillLevel { Skill = s.Skill, Level = s.Level })],
            Queues = queues.Split(',', StringSplitOptions.RemoveEmptyEntries),
        }));

    public void Ready(string id) => Apply(new ChangeAgentState(id, AgentState.Available, null, id));

    public void NotReady(string id, string reason = "break") => Apply(new ChangeAgentState(id, AgentState.NotReady, reason, id));

    public Guid Call(string queue, int priority = 0, CustomerTier tier = CustomerTier.Standard, string? preferred = null, bool callback = false,
        TimeSpan? waitedBefore = null, Guid? id = null, params (string Skill, int Level)[] skills)
    {
        var callId = id ?? Guid.NewGuid();
        Apply(new QueueCall(callId, queue, "+441234567890", "gw1", "main>1>" + queue,
            [.. skills.Select(s => new SkillLevel { Skill = s.Skill, Level = s.Level })], priority, tier, null, preferred, callback,
            Clock.GetUtcNow() - (waitedBefore ?? TimeSpan.Zero)));
        return callId;
    }

    /// <summary>A voicemail left in <paramref name="queue"/>: a work item (no phone leg) that keeps the call's original wait.</summary>
    public Guid Voicemail(string queue, string? preferred = null, TimeSpan? waitedBefore = null, Guid? id = null, int priority = 0)
    {
        var itemId = id ?? Guid.NewGuid();
        Apply(new QueueCall(itemId, queue, "+441234567890", "gw1", "main>3>" + queue + ">voicemail", [], priority, CustomerTier.Standard, null,
            preferred, false, Clock.GetUtcNow() - (waitedBefore ?? TimeSpan.FromMinutes(15)), IsWorkItem: true));
        return itemId;
    }

    public void Accept(Guid call, string agent) => Apply(new TakeOffer(call, agent));

    public void Skip(Guid call, string agent, string reason = "") => Apply(new SkipOffer(call, agent, reason));

    public void Complete(Guid call, string agent) => Apply(new FinishWrapUp(call, agent));

    public IEnumerable<ReservationMade> Offers => Reservations.Where(r => r.Offer != OfferKind.None);

    public IEnumerable<OfferEnded> Withdrawn => Outputs.OfType<OfferEnded>();

    public void Connect(Guid call, string agent) => Apply(new ConnectCall(call, agent));

    public void Hangup(Guid call, CallParty by = CallParty.Caller, CallOutcome outcome = CallOutcome.Answered) =>
        Apply(new EndCall(call, null, outcome, by, "BYE"));

    public void Abandon(Guid call) => Apply(new EndCall(call, null, CallOutcome.Abandoned, CallParty.Caller, "CANCEL"));

    public ReservationMade? ReservationFor(Guid call) => Reservations.LastOrDefault(r => r.Decision.CallId == call);

    public string? AgentFor(Guid call) => ReservationFor(call)?.Decision.AgentId;

    public AgentState State(string agent) => Engine.Agent(agent)!.State;

    public string? Reason(string agent) => Engine.Agent(agent)!.Reason;

    public void AssertSound() => Assert.Empty(Engine.CheckInvariants());

    public static EngineFixture Demo()
    {
        var f = new EngineFixture();
        f.Agent("alice", "support,billing", ("support", 5), ("billing", 2));
        f.Agent("bob", "support", ("support", 3));
        f.Agent("carol", "billing", ("billing", 5));
        return f;
    }
}
