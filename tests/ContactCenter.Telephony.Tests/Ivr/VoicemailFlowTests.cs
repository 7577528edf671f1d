using ContactCenter.Contracts;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Tests.Configuration;

namespace ContactCenter.Telephony.Tests.Ivr;

public sealed class VoicemailFlowTests
{
    private const string VoicemailFlow = """
        name: test
        path: main
        start: menu
        nodes:
          menu:
            type: menu
            prompts: [menu/main]
            options:
              "1": sales
              "2": message
              "3": standard
            default: sales
          sales:
            type: queue
            queue: sales
            skills: ["sales:3"]
            priority: 4
          message:
            type: voicemail
            path: vm
            prompts: [hours/closed]
            max_length: 45s
            queue: billing
          standard:
            type: voicemail
            queue: support
        """;

    private static IvrHarness Harness()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", VoicemailFlow);
        var h = new IvrHarness(TelephonyConfigLoader.Load(folder.Root), "1000");
        h.Start();
        return h;
    }

    [Fact]
    public void Voicemail_node_takes_a_message_for_its_queue_with_its_own_greeting_and_max_length()
    {
        var h = Harness();

        var actions = h.Press('2');

        var take = Assert.Single(actions.OfType<TakeVoicemail>());
        Assert.Equal(["hours/closed"], take.Greeting.Select(p => p.Name));
        Assert.EndsWith(Path.Combine("hours", "closed.wav"), take.Greeting[0].Path, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(45), take.MaxLength);
        Assert.Equal("billing", take.Callback.Queue);
        Assert.True(take.Callback.IsCallback);
        Assert.Equal(IvrHarness.Ani, take.Callback.CallbackNumber);
        Assert.Equal(h.Time.GetUtcNow(), take.Callback.QueuedAt);
        Assert.Equal("main>2>vm>voicemail", take.Callback.IvrPath);
        Assert.True(h.Session.IsFinished);
        Assert.Empty(actions.OfType<QueueCall>());
    }

    [Fact]
    public void Voicemail_node_without_prompts_or_max_length_leaves_them_to_the_gateway()
    {
        var h = Harness();

        var take = Assert.Single(h.Press('3').OfType<TakeVoicemail>());

        Assert.Empty(take.Greeting);
        Assert.Null(take.MaxLength);
        Assert.Equal("support", take.Callback.Queue);
    }

    [Fact]
    public void A_queued_call_diverted_to_voicemail_stops_its_music_and_keeps_its_queue_skills_and_queued_at()
    {
        var h = Harness();
        var queued = Assert.Single(h.Press('1').OfType<QueueCall>());
        h.Advance(TimeSpan.FromMinutes(3));

        var actions = h.Send(new VoicemailRequested());

        Assert.Contains(actions, a => a is StopPlayback);
        var take = Assert.Single(actions.OfType<TakeVoicemail>());
        Assert.Equal("sales", take.Callback.Queue);
        Assert.Equal(queued.QueuedAt, take.Callback.QueuedAt);
        Assert.Equal(4, take.Callback.Priority);
        Assert.Equal(["sales:3"], take.Callback.Skills.Select(s => $"{s.Skill}:{s.Level}"));
        Assert.Empty(take.Greeting);
        Assert.Null(take.MaxLength);
        Assert.True(h.Session.IsFinished);
        Assert.Equal(0, h.ActiveTimers);
        Assert.Empty(h.Send(new DigitPressed('#')));
    }

    [Fact]
    public void Voicemail_requested_before_the_call_is_queued_changes_nothing()
    {
        var h = Harness();

        Assert.Empty(h.Send(new VoicemailRequested()));
        Assert.False(h.Session.IsFinished);
    }

    [Fact]
    public void Voicemail_node_counts_as_an_exit_of_the_flow()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: closed
            nodes:
              closed:
                type: voicemail
                queue: sales
            """);

        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);

        Assert.Empty(errors);
        Assert.IsType<VoicemailNode>(config!.Dids["1000"].Flow.Nodes["closed"]);
    }

    [Theory]
    [InlineData("queue: salez", 6, "nodes.closed.queue", "salez")]
    [InlineData("queue: sales\n    max_length: 2s", 7, "nodes.closed.max_length", "out of range")]
    [InlineData("queue: sales\n    max_length: soon", 7, "nodes.closed.max_length", "duration")]
    [InlineData("queue: sales\n    prompts: [voicemail/nope]", 7, "nodes.closed.prompts[0]", "missing prompt file prompts/voicemail/nope.wav")]
    [InlineData("queue: sales\n    maxlength: 30s", 7, "nodes.closed.maxlength", "maxlength")]
    [InlineData("prompts: [voicemail/greeting]", 5, "nodes.closed.queue", "is required")]
    public void Bad_voicemail_node_names_file_line_and_field(string body, int line, string field, string message)
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", $"""
            name: test
            start: closed
            nodes:
              closed:
                type: voicemail
                {body}
            """);

        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal("ivr/test.yaml", error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
