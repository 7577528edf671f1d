using ContactCenter.Contracts;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Ivr;

/// <summary>The example flow on DID 1002: Europe/Berlin hours Mon–Thu 08–18, Fri 08–12:30 and 13:30–17, holidays.</summary>
public sealed class BusinessHoursAndCallbackTests
{
    private static readonly TelephonyConfig Demo = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);

    [Theory]
    [InlineData("2026-11-23T09:00:00Z", true)]   // Monday 10:00 in Berlin (CET, UTC+1)
    [InlineData("2026-11-23T06:59:59Z", false)]  // Monday 07:59:59 Berlin: not yet open
    [InlineData("2026-11-23T07:00:00Z", true)]   // Monday 08:00 Berlin: opening minute
    [InlineData("2026-11-23T16:59:59Z", true)]   // Monday 17:59:59 Berlin
    [InlineData("2026-11-23T17:00:00Z", false)]  // Monday 18:00 Berlin: closed (end is exclusive)
    [InlineData("2026-07-06T15:30:00Z", true)]   // Monday 17:30 Berlin in summer (CEST, UTC+2)
    [InlineData("2026-07-06T16:30:00Z", false)]  // Monday 18:30 Berlin in summer, though 17:30 in CET
    [InlineData("2026-11-27T11:45:00Z", false)]  // Friday 12:45 Berlin: lunch break
    [InlineData("2026-11-27T12:45:00Z", true)]   // Friday 13:45 Berlin
    [InlineData("2026-11-28T10:00:00Z", false)]  // Saturday
    [InlineData("2026-12-25T09:00:00Z", false)]  // Friday 25 December 10:00: holiday
    [InlineData("2026-12-24T23:30:00Z", false)]  // Thursday 23:30 UTC is already the 25th in Berlin
    public void Hours_node_branches_on_the_schedule_in_its_time_zone_with_holidays(string utc, bool open)
    {
        var h = new IvrHarness(Demo, "1002", new FakeTimeProvider(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)));

        var actions = h.Send(new CallStarted(IvrHarness.Ani, "1002"));

        if (open)
        {
            Assert.Single(actions.OfType<QueueCall>());
        }
        else
        {
            Assert.Empty(actions.OfType<QueueCall>());
            Assert.Equal(["hours/closed"], h.PlayingNames);
        }
    }

    [Fact]
    public void Set_node_carries_language_priority_and_skills_into_the_queue()
    {
        var h = new IvrHarness(Demo, "1002", new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)));

        var queued = Assert.Single(h.Send(new CallStarted(IvrHarness.Ani, "1002")).OfType<QueueCall>());

        Assert.Equal("billing", queued.Queue);
        Assert.Equal(2, queued.Priority);
        Assert.Equal("en", queued.Language);
        Assert.Equal([new SkillLevel { Skill = "billing", Level = 2 }], queued.Skills);
        Assert.Equal("hours>billing", queued.IvrPath);
        var message = queued.ToCallQueued(Guid.NewGuid(), IvrHarness.Ani, "gw", h.Time.GetUtcNow());
        Assert.Contains(message.Skills, s => s.Skill == "lang-en");
        Assert.Equal(["queue/all-busy"], h.PlayingNames);
        h.FinishPrompt();
        Assert.Equal(["music/comfort-tone"], h.PlayingNames);
    }

    [Fact]
    public void Closed_caller_accepts_the_callback_offer_and_a_callback_is_registered()
    {
        var h = ClosedCall();
        h.FinishPrompt();
        Assert.Equal(["callback/offer"], h.PlayingNames);

        var actions = h.Press('1');

        var callback = Assert.Single(actions.OfType<QueueCall>());
        Assert.True(callback.IsCallback);
        Assert.Equal("support", callback.Queue);
        Assert.Equal(IvrHarness.Ani, callback.CallbackNumber);
        Assert.Equal("hours>callback>support", callback.IvrPath);
        Assert.Equal(["callback/confirmed"], h.PlayingNames);
        Assert.Equal(new HangUp("callback-registered", CallOutcome.Callback), Assert.Single(h.FinishPrompt().OfType<HangUp>()));
    }

    [Fact]
    public void Closed_caller_declining_the_callback_hears_goodbye_and_is_hung_up()
    {
        var h = ClosedCall();
        h.FinishPrompt();
        h.FinishPrompt();

        h.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(["goodbye"], h.PlayingNames);
        var hangUp = Assert.Single(h.FinishPrompt().OfType<HangUp>());

        Assert.Equal("closed", hangUp.Reason);
        Assert.Empty(h.All.OfType<QueueCall>());
    }

    private static IvrHarness ClosedCall()
    {
        var h = new IvrHarness(Demo, "1002", new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero)));
        h.Send(new CallStarted(IvrHarness.Ani, "1002"));
        Assert.Equal(["hours/closed"], h.PlayingNames);
        return h;
    }
}
