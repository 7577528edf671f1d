using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Mixing;

/// <summary>
/// Who hears whom on a bridge with more than two legs: each listener hears the set of sources named for it, and nothing
/// else (a leg never hears itself). A listener that hears exactly one source is relayed that source's packets as they come
/// (no added latency, no transcoding beyond PCMU⇄PCMA); one that hears two or more gets their decoded sum, saturated,
/// encoded every 20 ms. A leg nobody hears is heard by nobody; a listener that hears nobody is sent nothing.
/// </summary>
public sealed class MixMatrix
{
    private readonly List<(IMediaSession Listener, IMediaSession Source)> pairs = [];

    /// <summary>The (listener, source) pairs, in the order given.</summary>
    public IReadOnlyList<(IMediaSession Listener, IMediaSession Source)> Pairs => pairs;

    /// <summary><paramref name="listener"/> hears <paramref name="source"/>.</summary>
    public MixMatrix Hear(IMediaSession listener, IMediaSession source)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(source);
        if (ReferenceEquals(listener, source))
        {
            throw new ArgumentException("A leg does not hear itself.", nameof(source));
        }

        if (!Hears(listener, source))
        {
            pairs.Add((listener, source));
        }

        return this;
    }

    /// <summary><paramref name="a"/> and <paramref name="b"/> hear each other.</summary>
    public MixMatrix HearEachOther(IMediaSession a, IMediaSession b) => Hear(a, b).Hear(b, a);

    /// <summary>Whether <paramref name="listener"/> hears <paramref name="source"/>.</summary>
    public bool Hears(IMediaSession listener, IMediaSession source)
    {
        foreach ((IMediaSession l, IMediaSession s) in pairs)
        {
            if (ReferenceEquals(l, listener) && ReferenceEquals(s, source))
            {
                return true;
            }
        }

        return false;
    }
}
