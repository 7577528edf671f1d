using System.Buffers;
using System.Text;

namespace ContactCenter.Reporting.Aggregation;

/// <summary>
/// A call's contributions as stored in its row (<c>ReportCalls.Contributions</c>): a count, then per contribution the subject,
/// the key (length-prefixed UTF-8), the interval (in 15-minute steps), the counter and the value (zig-zag varints).
/// </summary>
internal static class ContributionCodec
{
    public static byte[] Encode(IReadOnlyList<Contribution> contributions)
    {
        var writer = new ArrayBufferWriter<byte>(16 + (contributions.Count * 24));
        WriteVar(writer, (ulong)contributions.Count);
        foreach (var c in contributions)
        {
            writer.GetSpan(1)[0] = (byte)c.Subject;
            writer.Advance(1);
            var length = Encoding.UTF8.GetByteCount(c.Key);
            WriteVar(writer, (ulong)length);
            Encoding.UTF8.GetBytes(c.Key, writer.GetSpan(length));
            writer.Advance(length);
            WriteVar(writer, ZigZag(c.Start / Buckets.Size));
            WriteVar(writer, (ulong)c.Counter);
            WriteVar(writer, ZigZag(c.Value));
        }
        return writer.WrittenSpan.ToArray();
    }

    public static List<Contribution> Decode(ReadOnlySpan<byte> bytes)
    {
        var list = new List<Contribution>();
        if (bytes.IsEmpty)
        {
            return list;
        }
        var i = 0;
        var count = (int)ReadVar(bytes, ref i);
        for (var n = 0; n < count; n++)
        {
            var subject = (Subject)bytes[i++];
            var length = (int)ReadVar(bytes, ref i);
            var key = Encoding.UTF8.GetString(bytes.Slice(i, length));
            i += length;
            var start = UnZigZag(ReadVar(bytes, ref i)) * Buckets.Size;
            var counter = (int)ReadVar(bytes, ref i);
            var value = UnZigZag(ReadVar(bytes, ref i));
            list.Add(new Contribution(subject, key, start, counter, value));
        }
        return list;
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    private static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    private static void WriteVar(ArrayBufferWriter<byte> writer, ulong v)
    {
        var span = writer.GetSpan(10);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        writer.Advance(n);
    }

    private static ulong ReadVar(ReadOnlySpan<byte> bytes, ref int i)
    {
        ulong v = 0;
        var shift = 0;
        while (true)
        {
            var b = bytes[i++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return v;
            }
            shift += 7;
        }
    }
}
