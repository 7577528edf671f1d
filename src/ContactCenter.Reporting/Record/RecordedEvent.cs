using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Reporting.Data;

namespace ContactCenter.Reporting.Record;

/// <summary>
/// The bus events the reports keep, as rows of the event record. What each generic column holds per kind:
/// <list type="table">
/// <item><term>CallReceived</term><description>Other = caller, Text = DID.</description></item>
/// <item><term>CallerIdentified</term><description>RelatedId = customer, Code = tier.</description></item>
/// <item><term>CallQueued</term><description>Queue; Ticks2 = QueuedAt; Flags = 1 for a callback; Number = attempt; RelatedId = CallbackOf; Other = caller; Text = IVR path.</description></item>
/// <item><term>AgentReserved</term><description>AgentId, Queue; Ticks = waited; Flags = 1 for a callback; Text = the decision's summary.</description></item>
/// <item><term>AgentNoAnswer</term><description>AgentId; Text = why.</description></item>
/// <item><term>CallConnected</term><description>AgentId, Queue; Code = direction.</description></item>
/// <item><term>CallLeftQueue</term><description>Queue; Code = <see cref="QueueExitReason"/>; Ticks = waited; Number = position; AgentId; Other = the overflow's queue.</description></item>
/// <item><term>CallTransferred</term><description>AgentId (from), Queue (to); Other = target agent; Text = path.</description></item>
/// <item><term>CallEnded</term><description>AgentId, Queue; Code = outcome; Code2 = ended by; Flags = direction; Number = attempt; Ticks2 = retry at (0: none); Other = number dialled; Text = why.</description></item>
/// <item><term>CallHandled</term><description>AgentId, Queue (null: outbound); Ticks = talk; Ticks2 = wrap-up.</description></item>
/// <item><term>AgentStateChanged</term><description>AgentId, CallId; Code = state; Code2 = previous; Text = reason.</description></item>
/// <item><term>VoicemailRecorded</term><description>Queue; Ticks = length; Flags = 1 when kept; Other = caller; Text = file or why discarded.</description></item>
/// </list>
/// </summary>
internal static class RecordedEvent
{
    public static ReportEvent From(CallReceived m) => Make(RecordKind.CallReceived, m.OccurredAt, m.CallId, other: m.Caller, text: m.Did);

    public static ReportEvent From(CallerIdentified m) =>
        Make(RecordKind.CallerIdentified, m.OccurredAt, m.CallId, code: (int)m.Tier, related: m.CustomerId);

    public static ReportEvent From(CallQueued m) =>
        Make(RecordKind.CallQueued, m.OccurredAt, m.CallId, queue: m.Queue, ticks2: m.QueuedAt.UtcTicks, flags: m.IsCallback ? 1 : 0,
            number: m.Attempt, related: m.CallbackOf, other: m.Caller, text: m.IvrPath);

    public static ReportEvent From(AgentReserved m) =>
        Make(RecordKind.AgentReserved, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, ticks: m.Waited.Ticks,
            flags: m.IsCallback ? 1 : 0, text: m.Reason);

    public static ReportEvent From(AgentNoAnswer m) => Make(RecordKind.AgentNoAnswer, m.OccurredAt, m.CallId, agent: m.AgentId, text: m.Reason);

    public static ReportEvent From(CallConnected m) =>
        Make(RecordKind.CallConnected, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, code: (int)m.Direction);

    public static ReportEvent From(CallLeftQueue m) =>
        Make(RecordKind.CallLeftQueue, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, code: (int)m.Reason, ticks: m.Waited.Ticks,
            number: m.Position, other: m.ToQueue);

    public static ReportEvent From(CallTransferred m) =>
        Make(RecordKind.CallTransferred, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, other: m.TargetAgentId, text: m.IvrPath);

    public static ReportEvent From(CallEnded m) =>
        Make(RecordKind.CallEnded, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, code: (int)m.Outcome, code2: (int)m.EndedBy,
            flags: (int)m.Direction, number: m.Attempt, ticks2: m.RetryAt?.UtcTicks ?? 0, other: m.Dialled, text: m.Reason);

    public static ReportEvent From(CallHandled m) =>
        Make(RecordKind.CallHandled, m.OccurredAt, m.CallId, agent: m.AgentId, queue: m.Queue, ticks: m.TalkTime.Ticks, ticks2: m.WrapUpTime.Ticks);

    public static ReportEvent From(AgentStateChanged m) =>
        Make(RecordKind.AgentStateChanged, m.OccurredAt, m.CallId, agent: m.AgentId, code: (int)m.State, code2: (int)m.Previous, text: m.Reason);

    public static ReportEvent From(VoicemailRecorded m) =>
        Make(RecordKind.VoicemailRecorded, m.OccurredAt, m.CallId, queue: m.Queue, ticks: m.Duration.Ticks, flags: m.Path is null ? 0 : 1,
            other: m.Caller, text: m.Path ?? m.DiscardedReason);

    /// <summary>A row of the record; its key is a digest of every column, so the same fact delivered twice is one row.</summary>
    public static ReportEvent Make(RecordKind kind, DateTimeOffset at, Guid? callId, string? agent = null, string? queue = null, int code = 0,
        int code2 = 0, int flags = 0, int number = 0, long ticks = 0, long ticks2 = 0, Guid? related = null, string? other = null, string? text = null)
    {
        var e = new ReportEvent
        {
            Key = [],
            Kind = kind,
            At = at.UtcTicks,
            CallId = callId,
            AgentId = Clip(agent, 100),
            Queue = Clip(queue, 100),
            Code = code,
            Code2 = code2,
            Flags = flags,
            Number = number,
            Ticks = ticks,
            Ticks2 = ticks2,
            RelatedId = related,
            Other = Clip(other, 100),
            Text = Clip(text, 400),
        };
        e.Key = KeyOf(e);
        return e;
    }

    /// <summary>
    /// The fact's identity: its time (8 bytes, big-endian UTC ticks) then the first 8 bytes of SHA-256 over every column but the
    /// key and the sequence. Leading with the time keeps the unique index's inserts together at its end (events arrive in
    /// roughly time order), where random keys would touch a random page of a large index for every event.
    /// </summary>
    public static byte[] KeyOf(ReportEvent e)
    {
        var buffer = new ArrayBufferWriterLite(256);
        buffer.Int((int)e.Kind);
        buffer.Long(e.At);
        buffer.Guid(e.CallId);
        buffer.String(e.AgentId);
        buffer.String(e.Queue);
        buffer.Int(e.Code);
        buffer.Int(e.Code2);
        buffer.Int(e.Flags);
        buffer.Int(e.Number);
        buffer.Long(e.Ticks);
        buffer.Long(e.Ticks2);
        buffer.Guid(e.RelatedId);
        buffer.String(e.Other);
        buffer.String(e.Text);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer.Written, hash);
        var key = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(key, e.At);
        hash[..8].CopyTo(key.AsSpan(8));
        return key;
    }

    private static string? Clip(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    /// <summary>A growable byte buffer for the key's canonical form (length-prefixed strings, so no two rows encode alike).</summary>
    private sealed class ArrayBufferWriterLite(int capacity)
    {
        private byte[] _bytes = new byte[capacity];
        private int _length;

        public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, _length);

        public void Int(int v) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), v);

        public void Long(long v) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), v);

        public void Guid(Guid? g)
        {
            if (g is { } id)
            {
                Take(1)[0] = 1;
                id.TryWriteBytes(Take(16));
            }
            else
            {
                Take(1)[0] = 0;
            }
        }

        public void String(string? s)
        {
            if (s is null)
            {
                Int(-1);
                return;
            }
            var count = Encoding.UTF8.GetByteCount(s);
            Int(count);
            Encoding.UTF8.GetBytes(s, Take(count));
        }

        private Span<byte> Take(int count)
        {
            if (_length + count > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + count));
            }
            var span = _bytes.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }
}
