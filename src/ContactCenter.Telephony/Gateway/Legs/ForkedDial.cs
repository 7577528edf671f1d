using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Registrar;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>One phone of an agent rung for a call: its registration, the SDP kind it speaks, its own media, its INVITE.</summary>
internal sealed record PhoneFork(RegistrarBinding Binding, LegSdp Sdp, IMediaSession Media, IDialledLeg Call);

/// <summary>
/// Every registered phone of an agent rung at once as one <see cref="IDialledLeg"/> (a parallel fork, RFC 3261 §16.7 as a
/// B2BUA does it): the first 2xx wins and the others are CANCELled; a 2xx that still comes from another phone (it crossed
/// our CANCEL) is hung up with BYE, so that phone is never left in a silent call. When no phone answers, the outcome is
/// the most telling final response (6xx, then busy, then any refusal, then no answer, then 487). Each fork has its own
/// media; the losers' media is disposed as their INVITEs end, the winner's belongs to the caller of <see cref="Completion"/>.
/// </summary>
internal sealed class ForkedDial : IDialledLeg
{
    private readonly IReadOnlyList<PhoneFork> forks;
    private readonly ILogger logger;
    private readonly TaskCompletionSource<DialResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DialResult>[] gone;
    private PhoneFork? winner;

    public ForkedDial(IReadOnlyList<PhoneFork> forks, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfZero(forks.Count);
        this.forks = forks;
        this.logger = logger;
        gone = new TaskCompletionSource<DialResult>[forks.Count];
        for (var i = 0; i < gone.Length; i++)
        {
            gone[i] = new TaskCompletionSource<DialResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        AllEnded = RunAsync();
    }

    public Task<DialResult> Completion => completion.Task;

    /// <summary>The phone that answered first (set before <see cref="Completion"/> completes with its answer).</summary>
    public PhoneFork? Winner => Volatile.Read(ref winner);

    /// <summary>The first fork's phone until one answers, then the winner's: the media the session shows for the leg.</summary>
    public PhoneFork Current => Winner ?? forks[0];

    /// <summary>Every fork's INVITE has ended (the losers' late answers hung up, their media disposed).</summary>
    public Task AllEnded { get; }

    public IReadOnlyList<PhoneFork> Forks => forks;

    public void Cancel()
    {
        foreach (var fork in forks)
        {
            fork.Call.Cancel();
        }
    }

    /// <summary>
    /// A phone's connection closed (a browser tab closed, its WebSocket gone): its INVITE can never be answered, so that fork
    /// ends at once as 480 instead of ringing until the timer. True when one of our forks rang that connection.
    /// </summary>
    public bool PhoneGone(RegistrarBinding binding)
    {
        var any = false;
        for (var i = 0; i < forks.Count; i++)
        {
            var bound = forks[i].Binding.BoundTo;
            if (bound is not null && bound == binding.BoundTo)
            {
                any = true;
                gone[i].TrySetResult(new DialResult(480, "phone gone: its connection closed", null));
                forks[i].Call.Cancel();
            }
        }

        return any;
    }

    private async Task RunAsync()
    {
        var pending = new List<Task<DialResult>>(forks.Count);
        for (var i = 0; i < forks.Count; i++)
        {
            pending.Add(FirstOfAsync(forks[i].Call.Completion, gone[i].Task));
        }

        var outcomes = pending.ToArray();

        DialResult? best = null;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            var index = Array.IndexOf(outcomes, done);
            pending.Remove(done);
            var fork = forks[index];
            var result = await done.ConfigureAwait(false);
            if (result.IsAnswered && Winner is null)
            {
                Volatile.Write(ref winner, fork);
                foreach (var other in forks)
                {
                    if (other != fork)
                    {
                        other.Call.Cancel();
                    }
                }

                completion.TrySetResult(result);
                continue;
            }

            if (result.Dialog is { } late)
            {
                // This phone's 2xx crossed our CANCEL: the call is another phone's now.
                logger.LogInformation("{User}'s phone at {Contact} answered after another one did; hanging it up", fork.Binding.User, fork.Binding.Contact);
                await LegSignalling.ByeAsync(late).ConfigureAwait(false);
            }
            else
            {
                best = Better(best, result);
            }

            await fork.Media.DisposeAsync().ConfigureAwait(false);
        }

        completion.TrySetResult(best ?? new DialResult(487, null, null));
    }

    private static async Task<DialResult> FirstOfAsync(Task<DialResult> answered, Task<DialResult> gone)
    {
        var first = await Task.WhenAny(answered, gone).ConfigureAwait(false);
        return await first.ConfigureAwait(false);
    }

    /// <summary>The final response that says most about why nobody answered.</summary>
    private static DialResult Better(DialResult? current, DialResult candidate) =>
        current is null || Rank(candidate.StatusCode) > Rank(current.StatusCode) ? candidate : current;

    private static int Rank(int status) => status switch
    {
        >= 600 => 5,
        486 => 4,
        487 => 0,
        408 or 480 => 2,
        _ => 3,
    };
}
