using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;

namespace ContactCenter.Sip.Fuzzing;

/// <summary>
/// Mutation fuzzer over seed messages (the torture corpora). Every input must yield a message or a
/// parse error; typed accessors, serialisation and SDP parsing are exercised on what parses.
/// Any other exception is a finding.
/// </summary>
public sealed class SipMutationFuzzer
{
    private static readonly byte[][] Tokens =
    [
        "\r\n"u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(), ";"u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(), "\""u8.ToArray(),
        "<"u8.ToArray(), ">"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "%"u8.ToArray(), "%00"u8.ToArray(), "\\"u8.ToArray(),
        "@"u8.ToArray(), "="u8.ToArray(), "?"u8.ToArray(), "\r\n "u8.ToArray(), "99999999999999999999"u8.ToArray(), "-1"u8.ToArray(),
        "Content-Length: 100000\r\n"u8.ToArray(), "Via: SIP/2.0/UDP [::1]:5060;branch=z9hG4bK;rport\r\n"u8.ToArray(),
        "To: \"a\\\"b\" <sip:x@[2001:db8:::1]:65536;tag=1>\r\n"u8.ToArray(), "l: 0\r\n\r\n"u8.ToArray(), "SIP/2.0"u8.ToArray(),
        "\r\n\r\n"u8.ToArray(), "\0"u8.ToArray(), "\xff\xfe"u8.ToArray(),
    ];

    private readonly List<byte[]> seeds;
    private readonly Random random;

    public SipMutationFuzzer(IEnumerable<byte[]> seeds, int seed)
    {
        this.seeds = seeds.ToList();
        random = new Random(seed);
    }

    public long Inputs { get; private set; }

    public long Parsed { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>Loads every corpus file under a folder (recursively) as seeds.</summary>
    public static IEnumerable<byte[]> LoadSeeds(string corporaRoot) =>
        Directory.GetFiles(corporaRoot, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tsv", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith("SHA256SUMS", StringComparison.Ordinal))
            .Select(File.ReadAllBytes);

    /// <summary>Runs <paramref name="count"/> inputs; throws (with the input) on the first finding.</summary>
    public void Run(long count)
    {
        for (long i = 0; i < count; i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)]);
            Check(input);
        }
    }

    public byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            var pos = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    data[pos] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data.RemoveRange(pos, Math.Min(random.Next(1, 16), data.Count - pos));
                    break;
                case 2:
                    data.InsertRange(pos, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(pos, data.Count - pos);
                    break;
                case 4 when data.Count > 0:
                {
                    var len = Math.Min(random.Next(1, 64), data.Count - pos);
                    var slice = data.GetRange(pos, len);
                    data.InsertRange(random.Next(data.Count), slice);
                    break;
                }
                case 5:
                {
                    var other = seeds[random.Next(seeds.Count)];
                    var start = random.Next(other.Length);
                    data.InsertRange(pos, other.Skip(start).Take(random.Next(1, 200)));
                    break;
                }
                case 6 when data.Count > 0:
                    data[pos] = (byte)random.Next(256);
                    break;
                case 7 when data.Count > 0:
                    data[pos] = (byte)"0123456789 ;,:<>\"\r\n"[random.Next(19)];
                    break;
                default:
                    data.InsertRange(pos, Tokens[random.Next(Tokens.Length)]);
                    break;
            }
        }
        return data.ToArray();
    }

    public void Check(byte[] input)
    {
        Inputs++;
        try
        {
            Exercise(SipParser.ParseDatagram(input));
            var offset = 0;
            for (var guard = 0; guard < 64 && offset < input.Length; guard++)
            {
                var r = SipParser.ParseStream(input.AsSpan(offset));
                if (r.Error?.Kind == SipParseErrorKind.Incomplete || r.BytesConsumed <= 0)
                {
                    break;
                }
                Exercise(r);
                offset += r.BytesConsumed;
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("fuzz finding for input (base64): " + Convert.ToBase64String(input), ex);
        }
    }

    private void Exercise(SipParseResult r)
    {
        if (r.Message is null)
        {
            if (r.Error is null)
            {
                throw new InvalidOperationException("neither message nor error");
            }
            Rejected++;
            if (r.Error.Partial is { } partial)
            {
                if (partial is SipRequest req)
                {
                    _ = SipMessageFactory.CreateResponse(req, r.Error.StatusCode).ToBytes();
                }
            }
            return;
        }
        Parsed++;
        var m = r.Message;
        _ = m.Vias.Count;
        _ = m.From.Tag;
        _ = m.To.Uri.ToString();
        _ = m.CSeq;
        _ = m.Contacts.Count;
        _ = m.MaxForwards;
        _ = m.Expires;
        for (var i = 0; i < m.Headers.Count; i++)
        {
            _ = m.Headers.NameAt(i);
            _ = m.Headers.ValueAt(i);
        }
        var again = SipParser.ParseDatagram(m.ToBytes());
        if (again.Message is null && again.Error is null)
        {
            throw new InvalidOperationException("reparse gave nothing");
        }
        if (m is SipRequest request)
        {
            _ = SipMessageFactory.CreateResponse(request, 200).ToBytes();
        }
        if (m.Body.Length > 0 && SessionDescription.TryParse(Encoding.UTF8.GetString(m.Body.Span), out var sdp, out _))
        {
            _ = sdp.ToString();
            _ = SdpOfferAnswer.CreateAnswer(sdp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 4000));
            _ = SdpOfferAnswer.ReadAnswer(sdp);
        }
    }
}
