using System.Collections.Concurrent;
using ContactCenter.Contracts;
using ContactCenter.Telephony.Gateway.Session;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// The IVR's actions carried out on the caller's leg (<see cref="IvrActionRunner"/>): prompts, timers on the fake clock,
/// CRM look-ups; what comes of them reaches the IVR as events through the mailbox. Then the demo IVR on DID 1000 run by a
/// whole session with fake legs.
/// </summary>
public sealed class IvrActionRunnerTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();
    private readonly ConcurrentQueue<IvrEvent> events = new();
    private readonly FakeMediaSession media = new("test-a", 30_000);
    private CallMailbox mailbox = null!;
    private IvrActionRunner runner = null!;
    private Task loop = Task.CompletedTask;

    public Task InitializeAsync()
    {
        mailbox = new CallMailbox(gw.Time);
        runner = new IvrActionRunner(gw.Context, mailbox, Guid.NewGuid(), e =>
        {
            events.Enqueue(e);
            return Task.CompletedTask;
        }, NullLogger.Instance) { CallerMedia = media };
        loop = mailbox.RunAsync(error => throw error);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        mailbox.Complete();
        await loop;
        await gw.DisposeAsync();
    }

    private static PlayPrompts Play(long id, bool bargeIn = true, bool loop = false) =>
        new(id, [new PromptFile("greeting/welcome", "/prompts/greeting/welcome.wav"), new PromptFile("menu/main", "/prompts/menu/main.wav")], bargeIn, loop);

    private async Task<IvrEvent[]> HandledAsync()
    {
        await TestGateway.DrainAsync(mailbox);
        return [.. events];
    }

    [Fact]
    public async Task Prompts_play_in_order_on_the_callers_leg_and_their_end_reaches_the_ivr()
    {
        Assert.True(runner.TryRun(Play(7, bargeIn: true), gw.Time.GetUtcNow()));

        var playback = Assert.Single(media.Playbacks);
        Assert.Equal(["/prompts/greeting/welcome.wav", "/prompts/menu/main.wav"], playback.Paths);
        Assert.True(playback.Options.BargeIn);
        Assert.False(playback.Options.Loop);
        playback.Complete();
        await Wait.UntilAsync(() => !events.IsEmpty, "the prompt's end did not reach the IVR");
        Assert.Equal([new PromptFinished(7)], await HandledAsync());
    }

    [Fact]
    public async Task A_stopped_prompt_sends_nothing_to_the_ivr()
    {
        runner.TryRun(Play(1), gw.Time.GetUtcNow());
        Assert.True(runner.TryRun(new StopPlayback(), gw.Time.GetUtcNow()));
        Assert.False(media.Playbacks[0].Running);

        runner.TryRun(Play(2, bargeIn: false, loop: true), gw.Time.GetUtcNow());
        media.Playbacks[1].Complete();
        await Wait.UntilAsync(() => !events.IsEmpty, "the second prompt's end did not reach the IVR");
        Assert.Equal([new PromptFinished(2)], await HandledAsync());
    }

    [Fact]
    public async Task A_timer_fires_after_its_delay_once_and_a_cancelled_or_replaced_one_does_not()
    {
        var now = gw.Time.GetUtcNow();
        runner.TryRun(new StartTimer(1, TimeSpan.FromSeconds(5)), now);
        runner.TryRun(new StartTimer(2, TimeSpan.FromSeconds(1)), now);
        runner.TryRun(new CancelTimer(2), now);
        runner.TryRun(new StartTimer(3, TimeSpan.FromSeconds(1)), now);
        runner.TryRun(new StartTimer(3, TimeSpan.FromSeconds(6)), now); // replaces the first timer 3

        gw.Time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Empty(await HandledAsync());
        gw.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([new TimerFired(1)], await HandledAsync());
        gw.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([new TimerFired(1), new TimerFired(3)], await HandledAsync());
        gw.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await HandledAsync()).Length);
    }

    [Fact]
    public async Task A_caller_lookup_the_crm_does_not_answer_reaches_the_ivr_as_unknown()
    {
        Assert.True(runner.TryRun(new LookUpCaller(42, TestGateway.Ani, null), gw.Time.GetUtcNow()));

        await Wait.UntilAsync(() => !events.IsEmpty, "the lookup's end did not reach the IVR");
        Assert.Equal([new CallerLookupCompleted(42, null)], await HandledAsync());
    }

    [Fact]
    public void The_actions_that_change_the_call_are_left_to_the_session()
    {
        Assert.False(runner.TryRun(new HangUp("done", CallOutcome.SelfService), gw.Time.GetUtcNow()));
        Assert.False(runner.TryRun(new TransferCall("+442079460018"), gw.Time.GetUtcNow()));
        Assert.Empty(media.Playbacks);
    }

    [Fact]
    public async Task The_demo_ivr_greets_plays_the_menu_and_queues_the_caller_who_presses_2()
    {
        var (session, _) = await gw.CallAsync("1000");
        var caller = gw.Media.Session("-a");
        var prompts = gw.Config.Prompts;

        // The CRM does not answer the lookup: the caller is greeted as unknown.
        await Wait.UntilAsync(() => caller.Current?.Paths[0] == prompts.PathOf("greeting/welcome"), "no greeting");
        caller.Current!.Complete();
        await Wait.UntilAsync(() => caller.Current?.Paths[0] == prompts.PathOf("menu/main"), "no menu");
        caller.Press('2');

        var queued = await gw.Bus.WaitForAsync<CallQueued>();
        Assert.Equal(("support", "main>2>support", session.CallId), (queued.Queue, queued.IvrPath, queued.CallId));
        Assert.Equal("CallReceived, CallQueued", gw.Bus.Sequence);
    }
}
