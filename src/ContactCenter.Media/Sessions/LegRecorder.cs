using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// Records what one leg's peer sends, decoded to an 8 kHz PCM16 mono WAV (a voicemail). Packets are
/// decoded on the receive loop into pooled buffers and handed to a background writer, so no disk I/O
/// and no allocation happens per packet; gaps in the RTP timestamps (silence suppression, loss) are
/// filled with silence up to <see cref="RecordingOptions.MaxGapFill"/>. Each packet's RMS level is
/// measured as it goes by, so the result says how much of the file is speech.
/// </summary>
internal sealed class LegRecorder
{
    private const int MaxChunk = 2048;

    private readonly ILogger logger;
    private readonly FileStream file;
    private readonly Channel<Chunk> chunks = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task writer;
    private readonly Lock gate = new();
    private readonly double speechThreshold;
    private readonly uint maxGap;
    private readonly string path;

    private bool started;
    private bool completed;
    private uint nextTimestamp;
    private uint lastSsrc;
    private long samples;
    private long speechSamples;
    private double peakMeanSquare;
    private long dataBytes;

    public LegRecorder(string path, RecordingOptions options, ILogger logger)
    {
        this.path = path;
        this.logger = logger;
        double threshold = 32768 * Math.Pow(10, options.SpeechThresholdDbfs / 20);
        speechThreshold = threshold * threshold;
        maxGap = (uint)Math.Clamp(options.MaxGapFill.TotalSeconds * 8000, 0, 8000 * 60);
        file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, useAsync: true);
        Span<byte> header = stackalloc byte[44];
        WavFile.WriteHeader(header, 1, 8000, 16, 0);
        file.Write(header);
        writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>One audio packet from the peer (called on the receive loop).</summary>
    public void Write(uint ssrc, uint timestamp, ReadOnlySpan<byte> payload, AudioCodec codec)
    {
        if (payload.IsEmpty || payload.Length > MaxChunk)
        {
            return;
        }

        lock (gate)
        {
            if (completed)
            {
                return;
            }

            if (started && ssrc == lastSsrc)
            {
                uint gap = timestamp - nextTimestamp;
                if (gap > int.MaxValue)
                {
                    return; // late or repeated packet: already past it
                }

                if (gap > 0 && gap <= maxGap)
                {
                    WriteSilence((int)gap);
                }
            }

            started = true;
            lastSsrc = ssrc;
            nextTimestamp = timestamp + (uint)payload.Length;

            byte[] buffer = ArrayPool<byte>.Shared.Rent(payload.Length * 2);
            Span<short> decoded = MemoryMarshal.Cast<byte, short>(buffer.AsSpan(0, payload.Length * 2));
            G711.Decode(codec, payload, decoded);
            double sum = 0;
            foreach (short sample in decoded)
            {
                sum += sample * (double)sample;
            }

            double meanSquare = sum / decoded.Length;
            if (meanSquare >= speechThreshold)
            {
                speechSamples += decoded.Length;
            }

            peakMeanSquare = Math.Max(peakMeanSquare, meanSquare);
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(decoded, decoded);
            }

            Post(buffer, payload.Length * 2);
        }
    }

    /// <summary>Stops taking packets, completes the WAV header and reports what was recorded.</summary>
    public async Task<RecordingResult> CompleteAsync()
    {
        lock (gate)
        {
            if (!completed)
            {
                completed = true;
                chunks.Writer.TryComplete();
            }
        }

        await writer.ConfigureAwait(false);
        byte[] header = new byte[44];
        WavFile.WriteHeader(header, 1, 8000, 16, (int)Math.Min(dataBytes, int.MaxValue - 36));
        try
        {
            file.Seek(0, SeekOrigin.Begin);
            await file.WriteAsync(header).ConfigureAwait(false);
            await file.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }

        double peak = peakMeanSquare > 0 ? 10 * Math.Log10(peakMeanSquare / (32768.0 * 32768.0)) : double.NegativeInfinity;
        return new RecordingResult(path, TimeSpan.FromSeconds(samples / 8000.0), TimeSpan.FromSeconds(speechSamples / 8000.0), peak);
    }

    private void WriteSilence(int count)
    {
        while (count > 0)
        {
            int n = Math.Min(count, MaxChunk);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(n * 2);
            buffer.AsSpan(0, n * 2).Clear();
            Post(buffer, n * 2);
            count -= n;
        }
    }

    private void Post(byte[] buffer, int length)
    {
        samples += length / 2;
        if (!chunks.Writer.TryWrite(new Chunk(buffer, length)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WriteLoopAsync()
    {
        bool failed = false;
        await foreach (Chunk chunk in chunks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (!failed)
                {
                    await file.WriteAsync(chunk.Buffer.AsMemory(0, chunk.Length)).ConfigureAwait(false);
                    dataBytes += chunk.Length;
                }
            }
            catch (IOException ex)
            {
                failed = true;
                logger.LogError(ex, "Recording to {Path} failed.", path);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length);
}
