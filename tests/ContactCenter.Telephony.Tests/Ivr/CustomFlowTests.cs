using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Tests.Configuration;

namespace ContactCenter.Telephony.Tests.Ivr;

public sealed class CustomFlowTests
{
    private const string AccountFlow = """
        name: test
        path: acct
        start: account
        nodes:
          account:
            type: collect
            prompts: [case/enter-number]
            into: account
            min_digits: 4
            max_digits: 6
            terminator: "#"
            retries: 1
            invalid_prompts: [menu/invalid]
            next: who
            no_input: bye
          who:
            type: identify
            by: digits
            from: account
            known: vip
            unknown: bye
          vip:
            type: set
            path: vip
            priority: 5
            skills: [{ skill: sales, level: 4 }, "lang-de:2"]
            next: sales
          sales:
            type: queue
            queue: sales
            skills: ["sales:2"]
          bye:
            type: transfer
            prompts: [transfer/transferring]
            target: "+442079460999"
        """;

    [Fact]
    public void Caller_identified_by_keyed_in_account_number_gets_the_set_priority_and_skills()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", AccountFlow);
        var h = new IvrHarness(TelephonyConfigLoader.Load(folder.Root), "1000");
        h.Start();

        var lookup = Assert.Single(h.Press("12345#").OfType<LookUpCaller>());
        Assert.Equal("12345", lookup.AccountNumber);
        Assert.Null(lookup.Ani);
        var queued = Assert.Single(h.Send(new CallerLookupCompleted(lookup.RequestId, new CallerInfo { CustomerId = Guid.NewGuid(), Name = "Grace Hopper" })).OfType<QueueCall>());

        Assert.Equal(5, queued.Priority);
        Assert.Equal("acct>vip>sales", queued.IvrPath);
        Assert.Equal(["lang-de:2", "sales:2"], queued.Skills.Select(s => $"{s.Skill}:{s.Level}").Order());
    }

    [Fact]
    public void Too_short_account_number_is_refused_and_asked_again_then_the_caller_is_transferred()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", AccountFlow);
        var h = new IvrHarness(TelephonyConfigLoader.Load(folder.Root), "1000");
        h.Start();

        h.Press("12#");
        Assert.Equal(["menu/invalid", "case/enter-number"], h.PlayingNames);
        h.Press("9#");
        Assert.Equal(["transfer/transferring"], h.PlayingNames);
        var transfer = Assert.Single(h.FinishPrompt().OfType<TransferCall>());

        Assert.Equal("+442079460999", transfer.Target);
        Assert.True(h.Session.IsFinished);
    }

    [Fact]
    public void Collect_stops_at_max_digits_without_a_terminator()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", AccountFlow);
        var h = new IvrHarness(TelephonyConfigLoader.Load(folder.Root), "1000");
        h.Start();

        var lookup = Assert.Single(h.Press("123456").OfType<LookUpCaller>());

        Assert.Equal("123456", lookup.AccountNumber);
        Assert.False(h.Collecting);
    }

    [Theory]
    [InlineData(0, "numbers/0")]
    [InlineData(7, "numbers/7")]
    [InlineData(13, "numbers/13")]
    [InlineData(20, "numbers/20")]
    [InlineData(42, "numbers/40 numbers/2")]
    [InlineData(100, "numbers/1 numbers/hundred")]
    [InlineData(342, "numbers/3 numbers/hundred numbers/40 numbers/2")]
    [InlineData(1200, "digits/1 digits/2 digits/0 digits/0")]
    public void Numbers_are_read_as_words(int value, string expected)
    {
        var words = new List<string>();

        PromptNames.AddNumber(words, value);

        Assert.Equal(expected, string.Join(' ', words));
    }
}
