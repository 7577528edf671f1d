using System.Net;
using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Tests.Configuration;

public sealed class ConfigLoadingTests
{
    [Fact]
    public void Demo_config_loads_with_its_trunk_dids_flows_and_queues()
    {
        var (config, errors) = TelephonyConfigLoader.TryLoad(TestPaths.ConfigFolder);

        Assert.Empty(errors);
        Assert.NotNull(config);
        Assert.Equal("main", config.Dids["1000"].Flow.Name);
        Assert.Null(config.Dids["1000"].DirectQueue);
        Assert.Equal("support", config.Dids["1001"].DirectQueue);
        Assert.Contains("support", config.Queues);
        Assert.Contains("billing", config.Queues);
        var trunk = config.Trunks.Single(t => t.Name == "local");
        Assert.True(trunk.Allows(IPAddress.Loopback));
        Assert.True(trunk.Allows(IPAddress.IPv6Loopback));
        Assert.Contains("1000", trunk.Dids);
        Assert.Contains("1001", trunk.Dids);
    }

    [Fact]
    public void Trunk_acl_allows_listed_addresses_for_carried_dids_only()
    {
        var config = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);

        var allowed = config.AuthorizeInbound(IPAddress.Loopback, "1000");
        Assert.True(allowed.Allowed);
        Assert.Equal("main", allowed.Route!.Flow.Name);
        Assert.True(config.AuthorizeInbound(IPAddress.IPv6Loopback, "1001").Allowed);
        Assert.True(config.AuthorizeInbound(IPAddress.Parse("::ffff:127.0.0.1"), "1000").Allowed);

        var stranger = config.AuthorizeInbound(IPAddress.Parse("192.0.2.7"), "1000");
        Assert.False(stranger.Allowed);
        Assert.Contains("192.0.2.7", stranger.Reason, StringComparison.Ordinal);

        var wrongDid = config.AuthorizeInbound(IPAddress.Loopback, "5555");
        Assert.False(wrongDid.Allowed);
        Assert.Contains("5555", wrongDid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trunk_acl_accepts_cidr_ranges()
    {
        using var folder = new ConfigFolder();
        var config = TelephonyConfigLoader.Load(folder.Root);

        Assert.True(config.AuthorizeInbound(IPAddress.Parse("10.1.200.3"), "1000").Allowed);
        Assert.False(config.AuthorizeInbound(IPAddress.Parse("10.2.0.1"), "1000").Allowed);
        Assert.Equal("sales", config.AuthorizeInbound(IPAddress.Parse("10.1.0.1"), "2000").Route!.DirectQueue);
    }

    [Fact]
    public void Unknown_node_target_names_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options:
                  "1": salez
                default: sales
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal("ivr/test.yaml", error.File);
        Assert.Equal(8, error.Line);
        Assert.Equal("nodes.menu.options.1", error.Field);
        Assert.Contains("unknown node 'salez'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_node_names_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: sales
            nodes:
              sales:
                type: queue
                queue: sales
              orphan:
                type: hangup
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal(("ivr/test.yaml", 7, "nodes.orphan"), (error.File, error.Line, error.Field));
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loop_with_no_exit_names_the_cycle_with_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: hello
            nodes:
              hello:
                type: play
                prompts: [greeting/welcome]
                next: menu
              menu:
                type: menu
                prompts: [menu/main]
                options:
                  "1": hello
                default: again
              again:
                type: play
                prompts: [menu/invalid]
                next: menu
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal("ivr/test.yaml", error.File);
        Assert.Equal(4, error.Line);
        Assert.Equal("nodes.hello", error.Field);
        Assert.Contains("loop with no exit", error.Message, StringComparison.Ordinal);
        Assert.Contains("hello > menu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loop_through_nodes_that_never_wait_is_refused_even_with_an_exit()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: hours
            nodes:
              hours:
                type: hours
                time_zone: UTC
                schedule: { mon: ["00:00-24:00"] }
                open: bump
                closed: sales
              bump:
                type: set
                priority: 3
                next: hours
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal(("ivr/test.yaml", 4, "nodes.hours"), (error.File, error.Line, error.Field));
        Assert.Contains("hours > bump > hours", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loop_that_can_reach_a_queue_is_fine()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options:
                  "9": menu
                  "1": sales
                default: menu-again
              menu-again:
                type: play
                prompts: [menu/invalid]
                next: menu
              sales:
                type: queue
                queue: sales
            """);

        Assert.Empty(LoadErrors(folder));
    }

    [Fact]
    public void Missing_prompt_file_names_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: hello
            nodes:
              hello:
                type: play
                prompts: [greeting/welcome, greeting/no-such-prompt]
                next: sales
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal(("ivr/test.yaml", 6, "nodes.hello.prompts[1]"), (error.File, error.Line, error.Field));
        Assert.Contains("prompts/greeting/no-such-prompt.wav", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_queue_in_a_flow_and_in_dids_names_file_line_and_field()
    {
        using var folder = new ConfigFolder()
            .Write("ivr/test.yaml", """
                name: test
                start: sales
                nodes:
                  sales:
                    type: queue
                    queue: marketing
                """)
            .Write("dids.yaml", """
                dids:
                  - did: "1000"
                    flow: test
                  - did: "2000"
                    queue: nowhere
                """);

        var errors = LoadErrors(folder);

        Assert.Contains(errors, e => e is { File: "ivr/test.yaml", Line: 6, Field: "nodes.sales.queue" } && e.Message.Contains("unknown queue 'marketing'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "dids.yaml", Line: 5, Field: "dids[1].queue" } && e.Message.Contains("unknown queue 'nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_time_zone_names_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: hours
            nodes:
              hours:
                type: hours
                time_zone: Mars/Olympus_Mons
                schedule:
                  mon: ["09:00-17:00"]
                open: sales
                closed: bye
              sales:
                type: queue
                queue: sales
              bye:
                type: hangup
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal(("ivr/test.yaml", 6, "nodes.hours.time_zone"), (error.File, error.Line, error.Field));
        Assert.Contains("unknown time zone 'Mars/Olympus_Mons'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("five seconds")]
    [InlineData("5 parsecs")]
    [InlineData("-3s")]
    public void Bad_duration_names_file_line_and_field(string duration)
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", $"""
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options: {"{"} "1": sales {"}"}
                timeout: {duration}
                default: sales
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));

        Assert.Equal(("ivr/test.yaml", 8, "nodes.menu.timeout"), (error.File, error.Line, error.Field));
        Assert.Contains("duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duration_out_of_range_is_refused()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options: { "1": sales }
                timeout: 2h
                default: sales
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));
        Assert.Equal("nodes.menu.timeout", error.Field);
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misspelt_field_is_reported_not_ignored()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options: { "1": sales }
                tiemout: 5s
                default: sales
              sales:
                type: queue
                queue: sales
            """);

        var error = Assert.Single(LoadErrors(folder));
        Assert.Equal(("ivr/test.yaml", 8, "nodes.menu.tiemout"), (error.File, error.Line, error.Field));
    }

    [Fact]
    public void Yaml_syntax_error_names_file_and_line()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main
              sales:
                type: queue
            """);

        var error = Assert.Single(LoadErrors(folder));
        Assert.Equal("ivr/test.yaml", error.File);
        Assert.True(error.Line >= 6, $"line {error.Line}");
        Assert.Equal("(syntax)", error.Field);
    }

    [Fact]
    public void Every_error_is_reported_at_once_and_nothing_half_loads()
    {
        using var folder = new ConfigFolder()
            .Write("ivr/test.yaml", """
                name: test
                start: menu
                nodes:
                  menu:
                    type: menu
                    prompts: [menu/missing-one]
                    options: { "1": nowhere }
                    timeout: soon
                    default: sales
                  sales:
                    type: queue
                    queue: sales
                """)
            .Write("ivr/good.yaml", """
                name: good
                start: q
                nodes:
                  q:
                    type: queue
                    queue: support
                """)
            .Write("trunks.yaml", """
                trunks:
                  - name: local
                    allow: [127.0.0.1, 300.1.1.1]
                    dids: ["1000", "2000"]
                """);

        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);

        Assert.Null(config);
        Assert.Contains(errors, e => e.Field == "nodes.menu.prompts[0]");
        Assert.Contains(errors, e => e.Field == "nodes.menu.options.1");
        Assert.Contains(errors, e => e.Field == "nodes.menu.timeout");
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 3, Field: "trunks[0].allow[1]" });
        Assert.DoesNotContain(errors, e => e.File == "ivr/good.yaml");
        Assert.Equal(4, errors.Count);
        var thrown = Assert.Throws<TelephonyConfigException>(() => TelephonyConfigLoader.Load(folder.Root));
        Assert.Equal(errors.Count, thrown.Errors.Count);
        Assert.Contains("ivr/test.yaml:8:", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_queues_file_is_an_error()
    {
        using var folder = new ConfigFolder().Delete("queues.yaml");

        var errors = LoadErrors(folder);

        Assert.Contains(errors, e => e is { File: "queues.yaml", Field: "(file)" });
    }

    [Fact]
    public void Did_without_route_and_route_without_trunk_are_errors()
    {
        using var folder = new ConfigFolder().Write("dids.yaml", """
            dids:
              - did: "1000"
                flow: test
              - did: "3000"
                queue: sales
            """);

        var errors = LoadErrors(folder);

        Assert.Contains(errors, e => e is { File: "dids.yaml", Line: 4, Field: "dids[1].did" } && e.Message.Contains("not carried by any trunk", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File == "trunks.yaml" && e.Message.Contains("DID '2000' has no route", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_schedule_range_and_holiday_date_are_reported()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: hours
            nodes:
              hours:
                type: hours
                time_zone: Europe/Paris
                schedule:
                  mon: ["17:00-09:00"]
                  fri: ["9-5"]
                holidays: [2026-02-30]
                open: sales
                closed: sales
              sales:
                type: queue
                queue: sales
            """);

        var errors = LoadErrors(folder);

        Assert.Contains(errors, e => e is { Line: 8, Field: "nodes.hours.schedule.mon" });
        Assert.Contains(errors, e => e is { Line: 9, Field: "nodes.hours.schedule.fri" });
        Assert.Contains(errors, e => e is { Line: 10, Field: "nodes.hours.holidays" });
    }

    private static IReadOnlyList<ConfigError> LoadErrors(ConfigFolder folder)
    {
        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);
        if (errors.Count == 0)
        {
            Assert.NotNull(config);
        }
        else
        {
            Assert.Null(config);
        }

        return errors;
    }
}
