using Concentus.Common;

namespace ContactCenter.Media.Codecs;

/// <summary>
/// Sample-rate conversion of 16-bit mono audio (8 kHz ⇄ 48 kHz for an Opus leg bridged to a G.711
/// leg): Concentus' port of the Speex resampler, a windowed-sinc polyphase filter whose low-pass
/// keeps what is above the lower rate's Nyquist frequency from folding back. Stateful (the filter
/// history carries across calls, about 5 ms of delay), so one instance per direction of a leg, used
/// by one thread at a time.
/// </summary>
internal sealed class AudioResampler : IDisposable
{
    private readonly SpeexResampler resampler;

    /// <summary>Creates a converter from <paramref name="inputRate"/> to <paramref name="outputRate"/> Hz; quality 0-10 (Speex's scale).</summary>
    public AudioResampler(int inputRate, int outputRate, int quality = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 8000);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 8000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputRate, 48000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputRate, 48000);
        if (quality is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "Resampler quality is 0-10.");
        }

        InputRate = inputRate;
        OutputRate = outputRate;
        // The managed implementation on purpose: the factory would probe for a native libopus, and the
        // same code (and CPU figures) on every machine matters more than the native speed-up.
#pragma warning disable CS0618
        resampler = new SpeexResampler(1, inputRate, outputRate, quality);
#pragma warning restore CS0618
    }

    /// <summary>Input rate, Hz.</summary>
    public int InputRate { get; }

    /// <summary>Output rate, Hz.</summary>
    public int OutputRate { get; }

    /// <summary>Output samples for <paramref name="inputSamples"/> input samples (exact for 8/16/24/48 kHz on whole 10 ms frames).</summary>
    public int OutputLength(int inputSamples) => (int)((long)inputSamples * OutputRate / InputRate);

    /// <summary>
    /// Converts <paramref name="input"/>; returns the samples written to <paramref name="output"/>
    /// (which must hold <see cref="OutputLength"/> of the input).
    /// </summary>
    public int Process(ReadOnlySpan<short> input, Span<short> output)
    {
        if (output.Length < OutputLength(input.Length))
        {
            throw new ArgumentException($"{input.Length} samples at {InputRate} Hz need {OutputLength(input.Length)} at {OutputRate} Hz.", nameof(output));
        }

        int written = 0;
        while (!input.IsEmpty)
        {
            int inLength = input.Length;
            int outLength = output.Length - written;
            // The Speex API takes a writable span for its input; it only reads it.
            resampler.Process(0, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(input), input.Length), ref inLength, output[written..], ref outLength);
            written += outLength;
            input = input[inLength..];
            if (inLength == 0 && outLength == 0)
            {
                break;
            }
        }

        return written;
    }

    /// <summary>Forgets the filter history (after a gap, so stale audio does not bleed in).</summary>
    public void Reset() => resampler.ResetMem();

    /// <inheritdoc />
    public void Dispose() => resampler.Dispose();
}
