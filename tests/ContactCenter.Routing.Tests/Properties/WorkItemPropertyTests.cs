using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using ContactCenter.Routing.Tests.Engine;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Properties;

/// <summary>
/// Random sequences of calls, voicemails (work items), preview callbacks, offers accepted and skipped, call backs, presence
/// changes and time: the engine's invariants hold after every step (work items included: held within capacity, never waiting
/// while an agent may take one, an agent on a blocking work item never available for calls), the journal of inputs replays to
/// the same outputs, and a snapshot taken half way restores an engine that goes on exactly like the original.
/// </summary>
public class WorkItemPropertyTests
{
    private const string World = """
        queues:
          - name: support
            skills: [{ skill: support, level: 3 }]
            wrapUpSeconds: 10
            ringTimeoutSeconds: 10
            preferredAgentSeconds: 15
            callback: { mode: preview, previewSeconds: 12 }
            workItems: { offerSeconds: 8, capacity: 2, callsWhileWorking: false }
            widening:
              - { afterSeconds: 20, lowerLevelsBy: 1 }
          - name: billing
            skills: [{ skill: billing, level: 2 }]
            wrapUpSeconds: 0
            ringTimeoutSeconds: 15
            tieBreak: round-robin
            workItems: { offerSeconds: 6, capacity: 1, callsWhileWorking: true }
          - name: sales
            skills: [{ skill: sales, level: 1 }]
            wrapUpSeconds: 5
            ringTimeoutSeconds: 8
            tieBreak: least-talk-time
        """;

    private static readonly string[] Skills = ["support", "billing", "sales"];
    private static readonly string[] QueueNames = ["support", "billing", "sales"];

    private static readonly Gen<int[][]> GenAgents = Gen.Int[0, 5].Array[3].Select(Gen.Int[1, 7], (levels, mask) => (int[])[.. levels, mask]).Array[5];
    private static readonly Gen<(int Kind, int A, int B, int C)[]> GenOps = Gen.Select(Gen.Int[0, 15], Gen.Int[0, 4], Gen.Int[0, 40], Gen.Int[1, 20]).Array[30, 140];

    [Fact]
    public void Random_sequences_with_work_items_and_offers_keep_every_promise_replay_and_restore_exactly()
    {
        Gen.Select(GenAgents, GenOps).Sample(t => Run(t.Item1, t.Item2), iter: 400);
    }

    /// <summary>A sequence the random test found: an agent on a voicemail asked for Not ready and then Available again (no state change) was not offered the second voicemail its capacity allowed.</summary>
    [Fact]
    public void An_agent_taking_back_a_not_ready_while_working_is_offered_the_next_work_item()
    {
        Gen.Select(GenAgents, GenOps).Sample(t => Run(t.Item1, t.Item2), iter: 1, seed: "6nixfWbGiFX1");
    }

    private static void Run(int[][] agents, (int Kind, int A, int B, int C)[] ops)
    {
        var f = new EngineFixture(World);
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(600)));
        for (var i = 0; i < agents.Length; i++)
        {
            var spec = agents[i];
            var queues = string.Join(',', Enumerable.Range(0, 3).Where(q => (spec[3] & (1 << q)) != 0).Select(q => QueueNames[q]));
            f.Agent($"a{i}", queues, [.. Enumerable.Range(0, 3).Where(s => spec[s] > 0).Select(s => (Skills[s], spec[s]))]);
        }
        var ids = new List<Guid>();
        var step = 0;
        foreach (var (kind, a, b, c) in ops)
        {
            step++;
            var agent = $"a{a}";
            var current = f.Engine.Agent(agent)!.CallId;
            switch (kind)
            {
                case 0:
                    ids.Add(f.Call(QueueNames[b % 3], priority: c % 5 == 0 ? 1 : 0, callback: c % 3 == 0, preferred: b % 4 == 0 ? agent : null));
                    break;
                case 1 or 2:
                    ids.Add(f.Voicemail(QueueNames[b % 2], preferred: b % 3 == 0 ? agent : null, waitedBefore: TimeSpan.FromSeconds(c * 10)));
                    break;
                case 3:
                    f.Ready(agent);
                    break;
                case 4:
                    f.NotReady(agent);
                    break;
                case 5:
                    f.Seconds(c);
                    break;
                case 6 or 7:
                    if (ids.Count > 0)
                    {
                        f.Accept(ids[b % ids.Count], agent);
                    }
                    if (current is Guid offered)
                    {
                        f.Accept(offered, agent);
                    }
                    break;
                case 8:
                    if (current is Guid skipped)
                    {
                        f.Skip(skipped, agent);
                    }
                    break;
                case 9:
                    if (current is Guid answered)
                    {
                        f.Connect(answered, agent);
                    }
                    break;
                case 10:
                    if (current is Guid ended)
                    {
                        f.Apply(new EndCall(ended, agent, CallOutcome.Answered, c % 2 == 0 ? CallParty.Agent : CallParty.Caller, "bye"));
                    }
                    break;
                case 11:
                    if (current is Guid done)
                    {
                        f.Complete(done, agent);
                    }
                    if (ids.Count > 0)
                    {
                        f.Complete(ids[b % ids.Count], agent);
                    }
                    break;
                case 12:
                    if (ids.Count > 0)
                    {
                        var back = Guid.NewGuid();
                        ids.Add(back);
                        f.Apply(new StartOutbound(back, agent, "+442079460018", null, null, c % 4 == 0 ? null : ids[b % ids.Count]));
                    }
                    break;
                case 13:
                    f.Apply(new ChangeAgentState(agent, AgentState.LoggedOut, null, "supervisor"));
                    break;
                case 14:
                    if (current is Guid ringing)
                    {
                        f.Apply(new RingNoAnswer(ringing, agent, "busy"));
                    }
                    break;
                case 15:
                    f.Apply(new UpsertAgent(new AgentProfile
                    {
                        AgentId = agent, DisplayName = agent, Role = PersonRole.Agent,
                        Skills = [new SkillLevel { Skill = Skills[b % 3], Level = 1 + (c % 5) }], Queues = [QueueNames[b % 3]], Active = c % 6 != 0,
                    }));
                    break;
            }
            var violations = f.Engine.CheckInvariants();
            Assert.True(violations.Count == 0, $"after step {step} ({kind}, {a}, {b}, {c}): {string.Join("; ", violations)}");
        }

        // Replaying the log gives the same outputs, and a snapshot half way goes on exactly like the original.
        var clock = new FakeTimeProvider(f.Log[0].At);
        var replay = new RoutingEngine(f.Config, clock);
        var outputs = new List<object>();
        var cut = f.Log.Count / 2;
        RoutingEngine? restored = null;
        FakeTimeProvider? restoredClock = null;
        var restoredOutputs = new List<object>();
        for (var i = 0; i < f.Log.Count; i++)
        {
            var (at, input) = f.Log[i];
            if (i == cut)
            {
                var json = JsonSerializer.Serialize(replay.Capture(), EngineJournal.SnapshotJson);
                restoredClock = new FakeTimeProvider(at);
                restored = new RoutingEngine(f.Config, restoredClock);
                restored.Restore(JsonSerializer.Deserialize<EngineState>(json, EngineJournal.SnapshotJson)!);
                Assert.Equal(json, JsonSerializer.Serialize(restored.Capture(), EngineJournal.SnapshotJson));
            }
            clock.SetUtcNow(at);
            replay.Handle(input);
            outputs.AddRange(replay.Outputs);
            if (restored is not null)
            {
                restoredClock!.SetUtcNow(at);
                restored.Handle(input);
                Assert.Equal(JsonSerializer.Serialize<object[]>([.. replay.Outputs]), JsonSerializer.Serialize<object[]>([.. restored.Outputs]));
                restored.Outputs.Clear();
            }
            replay.Outputs.Clear();
        }
        Assert.Equal(JsonSerializer.Serialize<object[]>([.. f.Outputs]), JsonSerializer.Serialize<object[]>([.. outputs]));
        Assert.Equal(JsonSerializer.Serialize(replay.Capture(), EngineJournal.SnapshotJson), JsonSerializer.Serialize(restored!.Capture(), EngineJournal.SnapshotJson));
    }
}
