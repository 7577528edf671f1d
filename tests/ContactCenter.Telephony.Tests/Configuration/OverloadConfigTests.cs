using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Tests.Configuration;

/// <summary>dids.yaml's per-DID answer to a call refused for overload: whenOverloaded (reject | announce) and busyPrompt.</summary>
public sealed class OverloadConfigTests
{
    private static ConfigFolder WithDids(string dids) => new ConfigFolder().Write("dids.yaml", dids);

    private static IReadOnlyList<ConfigError> Errors(ConfigFolder folder) => TelephonyConfigLoader.TryLoad(folder.Root).Errors;

    [Fact]
    public void Reject_is_the_default_and_announce_carries_its_prompt()
    {
        using var folder = WithDids("""
            dids:
              - did: "1000"
                flow: test
                whenOverloaded: announce
                busyPrompt: overload/all-lines-busy
              - did: "2000"
                queue: sales
                whenOverloaded: reject
            """);

        var config = TelephonyConfigLoader.Load(folder.Root);

        var busy = config.Dids["1000"].WhenOverloaded;
        Assert.NotNull(busy);
        Assert.Equal("overload/all-lines-busy", busy.PromptName);
        Assert.True(File.Exists(busy.PromptPath));
        Assert.Null(config.Dids["2000"].WhenOverloaded);
    }

    [Fact]
    public void An_unknown_action_names_file_line_and_field()
    {
        using var folder = WithDids("""
            dids:
              - did: "1000"
                flow: test
              - did: "2000"
                queue: sales
                whenOverloaded: queue-them
            """);

        var error = Assert.Single(Errors(folder));

        Assert.Equal("dids.yaml", error.File);
        Assert.Equal(6, error.Line);
        Assert.Equal("dids[1].whenOverloaded", error.Field);
        Assert.Contains("'queue-them' is not an overload action (use reject or announce)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Announce_without_a_prompt_or_with_a_missing_one_is_refused()
    {
        using var folder = WithDids("""
            dids:
              - did: "1000"
                flow: test
                whenOverloaded: announce
              - did: "2000"
                queue: sales
                whenOverloaded: announce
                busyPrompt: overload/no-such-prompt
            """);

        var errors = Errors(folder);

        Assert.Equal(2, errors.Count);
        Assert.Equal("dids[0].busyPrompt", errors[0].Field);
        Assert.Equal(2, errors[0].Line);
        Assert.Contains("needs busyPrompt", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("dids[1].busyPrompt", errors[1].Field);
        Assert.Equal(8, errors[1].Line);
        Assert.Contains("unknown prompt 'overload/no-such-prompt'", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_prompt_that_would_never_play_is_refused()
    {
        using var folder = WithDids("""
            dids:
              - did: "1000"
                flow: test
                busyPrompt: overload/all-lines-busy
              - did: "2000"
                queue: sales
            """);

        var error = Assert.Single(Errors(folder));

        Assert.Equal(4, error.Line);
        Assert.Equal("dids[0].busyPrompt", error.Field);
        Assert.Contains("only played with whenOverloaded: announce", error.Message, StringComparison.Ordinal);
    }
}
