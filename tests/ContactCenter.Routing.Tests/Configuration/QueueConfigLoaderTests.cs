using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Tests.Configuration;

public class QueueConfigLoaderTests
{
    private static string RepoFile(string relative)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "ContactCenter.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        Assert.NotNull(dir);
        return Path.Combine(dir, relative);
    }

    [Fact]
    public void Work_items_and_preview_callbacks_are_read_with_their_defaults()
    {
        var config = QueueConfigLoader.Parse("""
            queues:
              - name: a
                workItems: { offerSeconds: 45, capacity: 3, callsWhileWorking: true }
                callback: { mode: preview, previewSeconds: 20, attempts: 2 }
              - name: b
                callback: { mode: preview }
              - name: c
                callback: { mode: progressive, attempts: 3 }
            """, "q.yaml");
        Assert.Equal(new WorkItemSettings(TimeSpan.FromSeconds(45), 3, true), config.Queues[0].WorkItems);
        Assert.Equal(TimeSpan.FromSeconds(20), config.Queues[0].CallbackPreview);
        Assert.Equal(WorkItemSettings.Default, config.Queues[1].WorkItems);
        Assert.Equal(new WorkItemSettings(TimeSpan.FromSeconds(30), 1, false), WorkItemSettings.Default);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Queues[1].CallbackPreview);
        Assert.Null(config.Queues[2].CallbackPreview);
    }

    [Fact]
    public void The_shipped_queues_file_loads_with_the_demo_queues()
    {
        var config = QueueConfigLoader.LoadFile(RepoFile("telephony-config/queues.yaml"));
        Assert.Equal(["support", "billing"], config.Queues.Select(q => q.Name));
        var support = config.Queues[0];
        Assert.Equal(new SkillRequirement("support", 3, false), Assert.Single(support.Skills));
        Assert.Equal(MaxWaitAction.Overflow, support.MaxWaitAction);
        Assert.Equal("billing", support.OverflowQueue);
        Assert.True(support.Record);
        Assert.Equal(TimeSpan.FromSeconds(20), support.ServiceLevelThreshold);
        Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("Europe/London").Id, support.TimeZone.Id);
        Assert.Equal(TieBreak.LeastTalkTime, config.Queues[1].TieBreak);
        Assert.Equal(new WorkItemSettings(TimeSpan.FromSeconds(30), 1, false), config.Queues[1].WorkItems); // billing's voicemails
        Assert.Null(support.CallbackPreview);
        Assert.Equal(TimeSpan.FromSeconds(60), config.TierBoost[CustomerTier.Gold]);
    }

    [Theory]
    [InlineData("queues:\n  - name: Support\n", "q.yaml:2:11: queues[0].name: 'Support' must be lower-case")]
    [InlineData("queues:\n  - name: a\n    ringTimeoutSeconds: fast\n", "q.yaml:3:25: queues[0].ringTimeoutSeconds: 'fast' is not a whole number from 5 to 300")]
    [InlineData("queues:\n  - name: a\n    skills:\n      - { skill: x, level: 9 }\n", "q.yaml:4:28: queues[0].skills[0].level: '9' is not a whole number from 1 to 5")]
    [InlineData("queues:\n  - name: a\n    maxWaitSeconds: 10\n    maxWaitAction: overflow\n    overflowQueue: nowhere\n", "q.yaml:5:20: queues[0].overflowQueue: overflow queue 'nowhere' is not defined")]
    [InlineData("queues:\n  - name: a\n    colour: red\n", "q.yaml:3:5: queues[0].colour: unknown field")]
    [InlineData("queues:\n  - name: a\n  - name: a\n", "q.yaml:3:5: queues[1].name: duplicate queue 'a'")]
    [InlineData("queues:\n  - name: a\n    maxWaitAction: voicemail\n", "q.yaml:3:20: queues[0].maxWaitSeconds: maxWaitAction needs maxWaitSeconds greater than 0")]
    [InlineData("queues:\n  - name: a\n    timeZone: Mars/Olympus\n", "q.yaml:3:15: queues[0].timeZone: unknown time zone 'Mars/Olympus'")]
    [InlineData("queues:\n  - name: a\n    widening:\n      - { afterSeconds: 30 }\n      - { afterSeconds: 20 }\n", "q.yaml:5:9: queues[0].widening[1].afterSeconds: rings must have increasing afterSeconds")]
    [InlineData("queue:\n  - name: a\n", "q.yaml:1:1: queue: unknown field")]
    [InlineData("queues: [\n", "q.yaml:2:1: invalid YAML")]
    [InlineData("queues:\n  - skills: []\n", "q.yaml:2:5: queues[0].name: missing")]
    [InlineData("queues:\n  - name: a\n    partition: East\n", "q.yaml:3:16: queues[0].partition: 'East' must be lower-case letters, digits and '-', at most 40 characters")]
    [InlineData("queues:\n  - name: a\n    partition: east_1\n", "q.yaml:3:16: queues[0].partition: 'east_1' must be lower-case")]
    [InlineData("queues:\n  - name: a\n    partition: \"\"\n", "q.yaml:3:16: queues[0].partition: expected a value")]
    [InlineData("queues:\n  - name: a\n    partition: [x]\n", "q.yaml:3:16: queues[0].partition: expected a value")]
    [InlineData("queues:\n  - name: a\n    partition: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "q.yaml:3:16: queues[0].partition: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' must be lower-case letters, digits and '-', at most 40 characters")]
    [InlineData("queues:\n  - name: a\n    partition: east\n    maxWaitSeconds: 10\n    maxWaitAction: overflow\n    overflowQueue: b\n  - name: b\n    partition: west\n",
        "q.yaml:6:20: queues[0].overflowQueue: overflow queue 'b' is in partition 'west', not 'east' (a call overflows within its partition)")]
    [InlineData("queues:\n  - name: a\n    maxWaitSeconds: 10\n    maxWaitAction: overflow\n    overflowQueue: b\n  - name: b\n    partition: west\n",
        "q.yaml:5:20: queues[0].overflowQueue: overflow queue 'b' is in partition 'west', not 'default'")]
    [InlineData("queues:\n  - name: a\n    workItems: { offerSeconds: 2 }\n", "q.yaml:3:32: queues[0].workItems.offerSeconds: '2' is not a whole number from 5 to 600")]
    [InlineData("queues:\n  - name: a\n    workItems: { capacity: 0 }\n", "q.yaml:3:28: queues[0].workItems.capacity: '0' is not a whole number from 1 to 10")]
    [InlineData("queues:\n  - name: a\n    workItems: { capacity: 11 }\n", "q.yaml:3:28: queues[0].workItems.capacity: '11' is not a whole number from 1 to 10")]
    [InlineData("queues:\n  - name: a\n    workItems: { callsWhileWorking: sometimes }\n", "q.yaml:3:37: queues[0].workItems.callsWhileWorking: 'sometimes' is not true or false")]
    [InlineData("queues:\n  - name: a\n    workItems: { concurrency: 2 }\n", "q.yaml:3:18: queues[0].workItems.concurrency: unknown field (offerSeconds, capacity, callsWhileWorking)")]
    [InlineData("queues:\n  - name: a\n    workItems: 2\n", "q.yaml:3:16: queues[0].workItems: expected a mapping (offerSeconds, capacity, callsWhileWorking)")]
    [InlineData("queues:\n  - name: a\n    callback: { mode: predictive }\n", "q.yaml:3:23: queues[0].callback.mode: 'predictive' is not one of progressive, preview")]
    [InlineData("queues:\n  - name: a\n    callback: { mode: preview, previewSeconds: 900 }\n", "q.yaml:3:48: queues[0].callback.previewSeconds: '900' is not a whole number from 5 to 600")]
    [InlineData("queues:\n  - name: a\n    callback: { mode: progressive, previewSeconds: 30 }\n", "q.yaml:3:52: queues[0].callback.previewSeconds: applies only to mode: preview")]
    [InlineData("queues:\n  - name: a\n    callback: { previewSeconds: 30 }\n", "q.yaml:3:33: queues[0].callback.previewSeconds: applies only to mode: preview")]
    public void Errors_name_the_file_line_and_field(string yaml, string expected)
    {
        var ex = Assert.Throws<RoutingConfigurationException>(() => QueueConfigLoader.Parse(yaml, "q.yaml"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Queues_without_a_partition_are_in_the_default_one_and_agents_are_owned_by_their_first_queue_in_file_order()
    {
        var single = QueueConfigLoader.LoadFile(RepoFile("telephony-config/queues.yaml"));
        Assert.Equal([RoutingConfiguration.DefaultPartition], single.Partitions());
        Assert.All(single.Queues, q => Assert.Equal("default", q.Partition));

        var config = QueueConfigLoader.Parse(
            "queues:\n  - name: sales\n    partition: east\n  - name: support\n    partition: west\n  - name: billing\n    partition: east\n  - name: vip\n", "q.yaml");
        Assert.Equal(["east", "west", "default"], config.Partitions());
        Assert.Equal(["sales", "billing"], config.ForPartition("east").Queues.Select(q => q.Name));
        Assert.Equal(["vip"], config.ForPartition("default").Queues.Select(q => q.Name));
        var map = new PartitionMap(config);
        Assert.Equal("west", map.PartitionOf("support"));
        Assert.Null(map.PartitionOf("nowhere"));
        // The profile lists queues in any order (the CRM sorts them); the file's order decides.
        Assert.Equal("east", map.OwnerOf(["support", "sales"]));
        Assert.Equal("west", map.OwnerOf(["billing", "support"]));
        Assert.Equal("west", map.OwnerOf(["support", "vip"]));
        Assert.Equal("default", map.OwnerOf(["vip"]));
        Assert.Null(map.OwnerOf(["nowhere"]));
        Assert.Null(map.OwnerOf([]));
    }

    [Fact]
    public void Every_error_of_a_file_is_reported_at_once()
    {
        var ex = Assert.Throws<RoutingConfigurationException>(() =>
            QueueConfigLoader.Parse("queues:\n  - name: a\n    wrapUpSeconds: -1\n    record: maybe\n", "q.yaml"));
        Assert.Contains("q.yaml:3:20: queues[0].wrapUpSeconds", ex.Message, StringComparison.Ordinal);
        Assert.Contains("q.yaml:4:13: queues[0].record: 'maybe' is not true or false", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var ex = Assert.Throws<RoutingConfigurationException>(() => QueueConfigLoader.LoadFile("/nonexistent/queues.yaml"));
        Assert.Equal("/nonexistent/queues.yaml: queue configuration file not found", ex.Message);
    }
}
