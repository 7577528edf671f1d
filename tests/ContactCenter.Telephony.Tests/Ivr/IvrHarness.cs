using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Ivr;

/// <summary>
/// Drives one <see cref="IvrSession"/> the way a call session would: keeps the timers the engine asks for on a
/// <see cref="FakeTimeProvider"/> and fires them when time is advanced; remembers what is playing.
/// </summary>
internal sealed class IvrHarness
{
    public const string Ani = "+442071838750";

    private readonly SortedDictionary<(DateTimeOffset Due, long Id), long> timers = [];

    public IvrHarness(TelephonyConfig config, string did, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        Session = new IvrEngine(config, Time).CreateSession(did) ?? throw new InvalidOperationException($"no route for {did}");
    }

    public FakeTimeProvider Time { get; }

    public IvrSession Session { get; }

    public List<IvrAction> All { get; } = [];

    public PlayPrompts? Playing { get; private set; }

    public bool Collecting { get; private set; }

    public IReadOnlyList<IvrAction> Send(IvrEvent ivrEvent)
    {
        var actions = Session.Handle(ivrEvent);
        foreach (var action in actions)
        {
            switch (action)
            {
                case PlayPrompts play:
                    Playing = play;
                    break;
                case StopPlayback:
                    Playing = null;
                    break;
                case StartDigitCollection:
                    Assert.False(Collecting, "collection started twice without a stop");
                    Collecting = true;
                    break;
                case StopDigitCollection:
                    Assert.True(Collecting, "collection stopped while not started");
                    Collecting = false;
                    break;
                case StartTimer start:
                    timers[(Time.GetUtcNow() + start.Delay, start.TimerId)] = start.TimerId;
                    break;
                case CancelTimer cancel:
                    foreach (var key in timers.Where(t => t.Value == cancel.TimerId).Select(t => t.Key).ToList())
                    {
                        timers.Remove(key);
                    }

                    break;
                default:
                    break;
            }
        }

        All.AddRange(actions);
        return actions;
    }

    public IReadOnlyList<IvrAction> Start() => Send(new CallStarted(Ani, "1000"));

    public IReadOnlyList<IvrAction> Press(char digit) => Send(new DigitPressed(digit));

    public IReadOnlyList<IvrAction> Press(string digits)
    {
        var actions = new List<IvrAction>();
        foreach (var digit in digits)
        {
            actions.AddRange(Press(digit));
        }

        return actions;
    }

    /// <summary>The current (non-looping) prompt plays to its end.</summary>
    public IReadOnlyList<IvrAction> FinishPrompt()
    {
        var playing = Playing ?? throw new InvalidOperationException("nothing is playing");
        Assert.False(playing.Loop, "a looping prompt never finishes");
        Playing = null;
        return Send(new PromptFinished(playing.PlayId));
    }

    /// <summary>Moves the clock on, firing due timers in order.</summary>
    public List<IvrAction> Advance(TimeSpan by)
    {
        var end = Time.GetUtcNow() + by;
        var actions = new List<IvrAction>();
        while (timers.Count > 0 && timers.First().Key.Due <= end)
        {
            var (key, id) = timers.First();
            timers.Remove(key);
            Time.SetUtcNow(key.Due);
            actions.AddRange(Send(new TimerFired(id)));
        }

        Time.SetUtcNow(end);
        return actions;
    }

    public int ActiveTimers => timers.Count;

    public IReadOnlyList<string> PlayingNames => Playing?.Prompts.Select(p => p.Name).ToList() ?? [];

    public static IReadOnlyList<string> Names(PlayPrompts play) => play.Prompts.Select(p => p.Name).ToList();
}
