using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Ivr;

/// <summary>Random callers (fixed seeds, so failures reproduce) through every demo DID: the engine never throws and keeps its invariants.</summary>
public sealed class RandomCallTests
{
    private static readonly TelephonyConfig Demo = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);
    private static readonly char[] Keys = "0123456789*#".ToCharArray();

    [Theory]
    [InlineData("1000")]
    [InlineData("1001")]
    [InlineData("1002")]
    public void Random_callers_never_break_the_engine(string did)
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 7 * 24 * 60));
            var h = new IvrHarness(Demo, did, new FakeTimeProvider(start));
            h.Send(new CallStarted(IvrHarness.Ani, did));

            for (var step = 0; step < 60 && !h.Session.IsFinished; step++)
            {
                var lookup = h.All.OfType<LookUpCaller>().LastOrDefault();
                var caseLookup = h.All.OfType<LookUpCaseStatus>().LastOrDefault();
                switch (random.Next(8))
                {
                    case 0 or 1:
                        h.Press(Keys[random.Next(Keys.Length)]);
                        break;
                    case 2 when h.Playing is { Loop: false } playing:
                        h.Send(new PromptFinished(playing.PlayId));
                        break;
                    case 3:
                        h.Advance(TimeSpan.FromMilliseconds(random.Next(100, 40_000)));
                        break;
                    case 4 when lookup is not null:
                        h.Send(new CallerLookupCompleted(lookup.RequestId, random.Next(2) == 0 ? null : new CallerInfo { CustomerId = Guid.NewGuid(), Name = "Ada Lovelace" }));
                        break;
                    case 5 when caseLookup is not null:
                        h.Send(new CaseStatusLookupCompleted(caseLookup.RequestId, random.Next(2) == 0 ? null : new CaseStatusInfo($"CS-{random.Next(1, 999_999):000000}", "pending")));
                        break;
                    case 6:
                        h.Send(new QueuePositionChanged(random.Next(1, 500), TimeSpan.FromSeconds(random.Next(0, 5000))));
                        break;
                    default:
                        if (random.Next(10) == 0)
                        {
                            h.Send(random.Next(2) == 0 ? new CallbackOfferRequested() : new PromptFinished(random.Next(1, 50)));
                        }

                        break;
                }
            }

            if (!h.Session.IsFinished)
            {
                h.Send(random.Next(2) == 0 ? new CallerHungUp() : new AgentConnected());
            }

            Assert.True(h.Session.IsFinished, $"seed {seed}");
            Assert.Equal(0, h.ActiveTimers);
            Assert.False(h.Collecting, $"seed {seed}: digit collection left on");
            var queued = h.All.OfType<QueueCall>().ToList();
            Assert.True(queued.Count <= 2, $"seed {seed}: queued {queued.Count} times");
            Assert.All(queued, q => Assert.Equal(queued[0].QueuedAt, q.QueuedAt));
            Assert.True(h.All.OfType<HangUp>().Count() + h.All.OfType<TransferCall>().Count() <= 1, $"seed {seed}");
        }
    }
}
