using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Tests.Engine;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Properties;

/// <summary>Random event sequences against the engine's promises, checked by an independent model of the rules.</summary>
public class EnginePropertyTests
{
    private const string World = """
        queues:
          - name: support
            skills: [{ skill: support, level: 3 }]
            wrapUpSeconds: 20
            ringTimeoutSeconds: 10
            preferredAgentSeconds: 15
            widening:
              - { afterSeconds: 20, lowerLevelsBy: 1 }
              - { afterSeconds: 40, lowerLevelsBy: 2, dropOptionalSkills: true }
          - name: billing
            skills: [{ skill: billing, level: 2 }]
            wrapUpSeconds: 0
            ringTimeoutSeconds: 15
            tieBreak: least-talk-time
            maxWaitSeconds: 90
            maxWaitAction: overflow
            overflowQueue: sales
          - name: sales
            skills: [{ skill: sales, level: 1 }, { skill: lang-fr, level: 2, optional: true }]
            wrapUpSeconds: 5
            ringTimeoutSeconds: 8
            tieBreak: round-robin
            widening:
              - { afterSeconds: 30, dropOptionalSkills: true }
        """;

    private static readonly string[] Skills = ["support", "billing", "sales", "lang-fr"];
    private static readonly string[] QueueNames = ["support", "billing", "sales"];

    private static readonly Gen<int[][]> GenAgents = Gen.Int[0, 5].Array[4].Select(Gen.Int[1, 7], (levels, mask) => (int[])[.. levels, mask]).Array[6];
    private static readonly Gen<(int Kind, int A, int B, int C)[]> GenOps = Gen.Select(Gen.Int[0, 11], Gen.Int[0, 5], Gen.Int[0, 40], Gen.Int[1, 25]).Array[20, 120];

    [Fact]
    public void Random_event_sequences_keep_every_routing_promise()
    {
        Gen.Select(GenAgents, GenOps).Sample(t => Run(t.Item1, t.Item2), iter: 500);
    }

    /// <summary>
    /// A sequence the random test once found: an agent whose log-out was requested during wrap-up left wrap-up logged
    /// out while a call still waited for it as its preferred agent, and the other agents were not offered that call.
    /// </summary>
    [Fact]
    public void Log_out_taking_effect_after_wrap_up_releases_the_calls_that_preferred_the_agent()
    {
        Gen.Select(GenAgents, GenOps).Sample(t => Run(t.Item1, t.Item2), iter: 1, seed: "fBuvX_c8jk71");
    }

    private static void Run(int[][] agents, (int Kind, int A, int B, int C)[] ops)
    {
        var f = new EngineFixture(World);
        var profiles = new Dictionary<string, int[]>();
        for (var i = 0; i < agents.Length; i++)
        {
            Profile(f, profiles, $"a{i}", agents[i]);
        }
        var calls = new List<Guid>();
        var extras = new Dictionary<Guid, int>();
        var lastState = new Dictionary<string, AgentState>();
        var reservedAt = new Dictionary<string, (DateTimeOffset At, string Queue)>();
        var seen = 0;
        var step = 0;
        foreach (var (kind, a, b, c) in ops)
        {
            step++;
            var agent = $"a{a}";
            switch (kind)
            {
                case 0 or 1:
                    {
                        var lang = b % 3 == 0 ? 1 + (c % 4) : 0;
                        var call = f.Call(QueueNames[b % 3], priority: c % 7 == 0 ? 1 : 0, tier: (CustomerTier)(b % 4),
                            preferred: b % 5 == 0 ? agent : null, callback: c % 11 == 0,
                            skills: lang > 0 ? [("lang-fr", lang)] : []);
                        calls.Add(call);
                        extras[call] = lang;
                        break;
                    }
                case 2:
                    f.Ready(agent);
                    break;
                case 3:
                    f.NotReady(agent);
                    break;
                case 4:
                    f.Seconds(c);
                    break;
                case 5:
                    if (f.Engine.Agent(agent)!.CallId is Guid reserved)
                    {
                        f.Connect(reserved, agent);
                    }
                    break;
                case 6:
                    if (f.Engine.Agent(agent)!.CallId is Guid ringing)
                    {
                        f.Apply(new RingNoAnswer(ringing, agent, "busy"));
                    }
                    break;
                case 7:
                    if (calls.Count > 0)
                    {
                        var call = calls[b % calls.Count];
                        f.Apply(new EndCall(call, null, c % 2 == 0 ? CallOutcome.Abandoned : CallOutcome.Answered, c % 3 == 0 ? CallParty.Agent : CallParty.Caller, "bye"));
                    }
                    break;
                case 8:
                    if (f.Engine.Agent(agent)!.CallId is Guid wrapped)
                    {
                        f.Apply(new FinishWrapUp(wrapped, agent));
                    }
                    break;
                case 9:
                    f.Apply(new GatewayHeartbeat("gw1", [.. calls.Where((_, i) => i % 7 != b % 7)], TimeSpan.FromSeconds(5)));
                    break;
                case 10:
                    f.Apply(new ChangeAgentState(agent, AgentState.LoggedOut, null, "supervisor"));
                    break;
                case 11:
                    Profile(f, profiles, agent, [b % 6, c % 6, (b + c) % 6, b % 4, 1 + (c % 7)]);
                    break;
            }

            // Check the outputs of this step against the model.
            var now = f.Clock.GetUtcNow();
            for (; seen < f.Outputs.Count; seen++)
            {
                switch (f.Outputs[seen])
                {
                    case ReservationMade r:
                        {
                            var d = r.Decision;
                            Assert.True(lastState.GetValueOrDefault(d.AgentId) == AgentState.Available, $"{d.AgentId} reserved while {lastState.GetValueOrDefault(d.AgentId)}");
                            AssertQualified(f.Config, profiles[d.AgentId], d, extras.GetValueOrDefault(d.CallId));
                            break;
                        }
                    case AgentStateChange s:
                        Assert.Equal(lastState.GetValueOrDefault(s.AgentId), s.Previous);
                        lastState[s.AgentId] = s.State;
                        if (s.State == AgentState.Reserved)
                        {
                            reservedAt[s.AgentId] = (s.At, f.Engine.DecisionsFor(s.CallId!.Value)![^1].Queue);
                        }
                        break;
                }
            }
            foreach (var (id, state) in lastState)
            {
                if (state == AgentState.Reserved)
                {
                    var (at, queue) = reservedAt[id];
                    var ring = f.Config.Queues.First(q => q.Name == queue).RingTimeout + f.Config.RingGrace;
                    Assert.True(now < at + ring, $"{id} still Reserved {now - at} after reservation (ring {ring})");
                }
            }
            var violations = f.Engine.CheckInvariants();
            Assert.True(violations.Count == 0, $"after step {step} ({kind}, {a}, {b}, {c}): {string.Join("; ", violations)}");
        }

        // Replaying the log reproduces every decision.
        var clock = new FakeTimeProvider(f.Log[0].At);
        var replay = new RoutingEngine(f.Config, clock);
        var decisions = new List<RoutingDecision>();
        foreach (var (at, input) in f.Log)
        {
            clock.SetUtcNow(at);
            replay.Handle(input);
            decisions.AddRange(replay.Outputs.OfType<ReservationMade>().Select(r => r.Decision));
            replay.Outputs.Clear();
        }
        Assert.Equal(JsonSerializer.Serialize(f.Reservations.Select(r => r.Decision).ToList()), JsonSerializer.Serialize(decisions));
    }

    private static void Profile(EngineFixture f, Dictionary<string, int[]> profiles, string id, int[] spec)
    {
        profiles[id] = spec;
        var queues = string.Join(',', Enumerable.Range(0, 3).Where(q => (spec[4] & (1 << q)) != 0).Select(q => QueueNames[q]));
        f.Agent(id, queues, [.. Enumerable.Range(0, 4).Where(s => spec[s] > 0).Select(s => (Skills[s], spec[s]))]);
    }

    /// <summary>Independent check: the agent has every required skill at the level the queue's bullseye allows at this wait.</summary>
    private static void AssertQualified(RoutingConfiguration config, int[] agent, RoutingDecision d, int ivrLang)
    {
        var queue = config.Queues.First(q => q.Name == d.Queue);
        var lower = 0;
        var drop = false;
        foreach (var step in queue.Widening.Where(w => w.After <= d.Waited))
        {
            lower = Math.Max(lower, step.LowerLevelsBy);
            drop |= step.DropOptionalSkills;
        }
        var required = queue.Skills.Select(s => (s.Skill, s.Level, s.Optional)).ToList();
        if (ivrLang > 0)
        {
            var i = required.FindIndex(r => r.Skill == "lang-fr");
            if (i >= 0)
            {
                required[i] = (required[i].Skill, Math.Max(required[i].Level, ivrLang), required[i].Optional);
            }
            else
            {
                required.Add(("lang-fr", ivrLang, true));
            }
        }
        foreach (var (skill, level, optional) in required)
        {
            if (optional && drop)
            {
                continue;
            }
            var need = Math.Max(1, level - lower);
            var has = agent[Array.IndexOf(Skills, skill)];
            Assert.True(has >= need, $"{d.AgentId} got {d.CallId} in {d.Queue} after {d.Waited} with {skill} {has} < {need}");
        }
    }
}
