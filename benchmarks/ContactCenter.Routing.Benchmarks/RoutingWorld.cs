using System.Globalization;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Benchmarks;

/// <summary>A fixed clock: benchmarks measure decisions, not timeouts.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// The size: 10,000 agents, 500 queues, 50 skills, 5,000 waiting calls. Queues 250..499 are staffed (2,500 agents
/// available, no calls waiting); queues 0..249 are busy (20 calls waiting each, their 5,000 agents not ready).
/// </summary>
internal sealed class RoutingWorld
{
    public const int Agents = 10_000;
    public const int Queues = 500;
    public const int Skills = 50;
    public const int WaitingCalls = 5_000;

    public RoutingWorld()
    {
        var rng = new Random(20260302);
        var yaml = new StringBuilder("queues:\n");
        for (var q = 0; q < Queues; q++)
        {
            var level = 1 + ((q / Skills) % 3);
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: q{q}\n    skills:\n      - {{ skill: s{q % Skills}, level: {level} }}\n");
            QueueSkills[q] = [(q % Skills, level)];
            if (q % 4 == 0)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      - {{ skill: s{(q * 7 + 3) % Skills}, level: 2, optional: true }}\n");
                // Optional skills are required until a widening ring drops them (the world has no widening).
                QueueSkills[q] = [(q % Skills, level), ((q * 7 + 3) % Skills, 2)];
            }
        }
        Config = QueueConfigLoader.Parse(yaml.ToString(), "bench.yaml");
        for (var a = 0; a < Agents; a++)
        {
            var staffed = a < Agents / 2;
            var levels = new int[Skills];
            var skills = new List<SkillLevel>();
            while (skills.Count < 6)
            {
                var s = rng.Next(Skills);
                if (levels[s] == 0)
                {
                    levels[s] = 1 + rng.Next(5);
                    skills.Add(new SkillLevel { Skill = $"s{s}", Level = levels[s] });
                }
            }
            var queues = new List<string>();
            var queueIds = new List<int>();
            foreach (var sk in skills)
            {
                var s = int.Parse(sk.Skill.AsSpan(1), CultureInfo.InvariantCulture);
                // Queues with this primary skill in the agent's half: s, s+50, ... (10 per skill, 5 per half).
                var pick = s + (Skills * ((staffed ? 5 : 0) + rng.Next(5)));
                if (queueIds.Count < 5 && !queueIds.Contains(pick))
                {
                    queueIds.Add(pick);
                    queues.Add($"q{pick}");
                }
            }
            Profiles[a] = new AgentProfile { AgentId = $"agent{a}", DisplayName = $"Agent {a}", Role = PersonRole.Agent, Skills = skills, Queues = queues };
            AgentLevels[a] = levels;
            AgentQueues[a] = [.. queueIds];
        }
    }

    public RoutingConfiguration Config { get; }
    public AgentProfile[] Profiles { get; } = new AgentProfile[Agents];
    public int[][] AgentLevels { get; } = new int[Agents][];
    public int[][] AgentQueues { get; } = new int[Agents][];
    public (int Skill, int Level)[][] QueueSkills { get; } = new (int, int)[Queues][];
    public DateTimeOffset Start { get; } = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static Guid CallId(int n) => new(n, 0, 0, [0, 0, 0, 0, 0, 0, 0, 1]);

    /// <summary>Builds the engine in the world's steady state.</summary>
    public RoutingEngine BuildEngine(FixedClock clock)
    {
        var engine = new RoutingEngine(Config, clock);
        foreach (var p in Profiles)
        {
            engine.Handle(new UpsertAgent(p));
        }
        for (var a = 0; a < Agents; a++)
        {
            var available = a < Agents / 4;
            engine.Handle(new ChangeAgentState(Profiles[a].AgentId, available ? AgentState.Available : AgentState.NotReady, available ? null : "busy", "bench"));
        }
        for (var n = 0; n < WaitingCalls; n++)
        {
            engine.Handle(Call(n, n % (Queues / 2), TimeSpan.FromSeconds(WaitingCalls - n)));
        }
        engine.Outputs.Clear();
        return engine;
    }

    public QueueCall Call(int n, int queue, TimeSpan waited) =>
        new(CallId(n), $"q{queue}", "+441234567890", "gw1", "main", [], n % 10 == 0 ? 1 : 0, (CustomerTier)(n % 4), null, null, false, Start - waited);
}
