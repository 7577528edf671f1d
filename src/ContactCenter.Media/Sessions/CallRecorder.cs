using System.Buffers;
using System.Threading.Channels;
using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// Records a bridge to a stereo 8 kHz PCM16 WAV (channel 0 = caller = left, 1 = agent = right).
/// Each leg's decoded audio goes into its own small jitter buffer; every 20 ms clock tick takes
/// one frame from each (silence when a leg is quiet or on hold) and hands the interleaved frame
/// to a background writer, so no disk I/O ever happens on the clock or the receive loops.
/// Channel 2 is a third party on the agent's side (a supervisor barged in, or one who took the call over, ADR 0016):
/// mixed into the right channel, saturated.
/// </summary>
internal sealed class CallRecorder : IClockClient, IAsyncDisposable
{
    private const int Frame = MediaSession.SamplesPerFrame;
    private const int Capacity = 8000;
    private const int PrimeSamples = 2 * Frame;

    private readonly MediaClock clock;
    private readonly ILogger logger;
    private readonly FileStream file;
    private readonly Channel<byte[]> frames = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Leg[] legs = [new Leg(), new Leg(), new Leg()];
    private readonly Task writer;
    private long dataBytes;

    public CallRecorder(string path, MediaClock clock, ILogger logger)
    {
        this.clock = clock;
        this.logger = logger;
        file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, useAsync: true);
        byte[] header = new byte[44];
        WavFile.WriteHeader(header, 2, 8000, 16, 0);
        file.Write(header);
        writer = Task.Run(WriteLoopAsync);
        clock.Register(this);
    }

    public void Write(int channel, ReadOnlySpan<byte> payload, AudioCodec codec)
    {
        Leg leg = legs[channel];
        lock (leg)
        {
            foreach (byte code in payload)
            {
                if (leg.Count == Capacity)
                {
                    leg.Head = (leg.Head + 1) % Capacity;
                    leg.Count--;
                }

                leg.Samples[(leg.Head + leg.Count) % Capacity] = codec == AudioCodec.Pcmu ? G711.DecodeMuLaw(code) : G711.DecodeALaw(code);
                leg.Count++;
            }
        }
    }

    public void OnTick(long now)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Frame * 4);
        Span<short> stereo = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(buffer.AsSpan(0, Frame * 4));
        stereo.Clear();
        for (int channel = 0; channel < legs.Length; channel++)
        {
            Leg leg = legs[channel];
            lock (leg)
            {
                if (!leg.Primed)
                {
                    leg.Primed = leg.Count >= PrimeSamples;
                }

                if (!leg.Primed)
                {
                    continue;
                }

                int take = Math.Min(Frame, leg.Count);
                int side = channel == 0 ? 0 : 1;
                for (int i = 0; i < take; i++)
                {
                    stereo[(2 * i) + side] = (short)Math.Clamp(stereo[(2 * i) + side] + leg.Samples[leg.Head], short.MinValue, short.MaxValue);
                    leg.Head = (leg.Head + 1) % Capacity;
                }

                leg.Count -= take;
                if (leg.Count == 0)
                {
                    leg.Primed = false;
                }
            }
        }

        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < stereo.Length; i++)
            {
                stereo[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(stereo[i]);
            }
        }

        if (!frames.Writer.TryWrite(buffer))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        clock.Unregister(this);
        frames.Writer.TryComplete();
        await writer.ConfigureAwait(false);
        byte[] header = new byte[44];
        WavFile.WriteHeader(header, 2, 8000, 16, (int)Math.Min(dataBytes, int.MaxValue - 36));
        file.Seek(0, SeekOrigin.Begin);
        await file.WriteAsync(header).ConfigureAwait(false);
        await file.FlushAsync().ConfigureAwait(false);
        await file.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (byte[] buffer in frames.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await file.WriteAsync(buffer.AsMemory(0, Frame * 4)).ConfigureAwait(false);
                dataBytes += Frame * 4;
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (IOException ex)
        {
            logger.LogError(ex, "Recording to {Path} failed.", file.Name);
        }
    }

    private sealed class Leg
    {
        public short[] Samples { get; } = new short[Capacity];

        public int Head { get; set; }

        public int Count { get; set; }

        public bool Primed { get; set; }
    }
}
