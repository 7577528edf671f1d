using System.Buffers;
using System.Text;
using System.Text.Json;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Service;

/// <summary>One journal line: when an input was applied and the input.</summary>
internal sealed record JournalEntry(long Seq, DateTimeOffset At, EngineInput Input);

/// <summary>The compaction snapshot: the engine's state after journal entry <paramref name="JournalSeq"/>, applied at <paramref name="At"/>.</summary>
internal sealed record JournalSnapshot(long JournalSeq, DateTimeOffset At, EngineState State);

/// <summary>
/// Append-only journal of engine inputs (JSON lines, flushed to disk before the input is applied).
/// Replaying it into a fresh engine with the recorded times reproduces the state and every decision.
/// Compaction writes the engine's whole state to <c>{path}.snapshot</c> (temporary file, fsync, atomic rename), then empties
/// the journal; start-up restores the snapshot and replays only the entries after it (a crash between the rename and the
/// truncation leaves entries the snapshot already holds: their sequence numbers are skipped).
/// </summary>
internal sealed class EngineJournal : IEngineJournal
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The snapshot also holds statistics counters, which are fields; zeros, nulls and empty ids are left out (most of a loser note).</summary>
    internal static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.Web)
    {
        IncludeFields = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault,
    };

    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private long _seq;
    private int _pending;

    public EngineJournal(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        FilePath = path;
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
    }

    public string FilePath { get; }

    public string Location => FilePath;

    public string SnapshotPath => FilePath + ".snapshot";

    /// <summary>Entries in the journal file (since the last compaction).</summary>
    public int EntriesSinceSnapshot { get; private set; }

    /// <summary>Reads the compaction snapshot, if there is one; entries up to its <see cref="JournalSnapshot.JournalSeq"/> are then not replayed.</summary>
    public JournalSnapshot? ReadSnapshot()
    {
        if (!File.Exists(SnapshotPath))
        {
            return null;
        }
        using var file = new FileStream(SnapshotPath, FileMode.Open, FileAccess.Read, FileShare.Read, 65536);
        var snapshot = JsonSerializer.Deserialize<JournalSnapshot>(file, SnapshotJson)
            ?? throw new InvalidDataException($"{SnapshotPath}: empty snapshot");
        _seq = Math.Max(_seq, snapshot.JournalSeq);
        return snapshot;
    }

    /// <summary>Writes the snapshot of the state after the last appended entry, then empties the journal.</summary>
    public void Compact(DateTimeOffset at, EngineState state)
    {
        var temporary = SnapshotPath + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 65536))
        {
            JsonSerializer.Serialize(file, new JournalSnapshot(_seq, at, state), SnapshotJson);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, SnapshotPath, overwrite: true);
        _stream.SetLength(0);
        _stream.Position = 0;
        _stream.Flush(flushToDisk: true);
        EntriesSinceSnapshot = 0;
    }

    /// <summary>Reads every complete entry; a torn last line (crash mid-write) is cut off.</summary>
    public List<JournalEntry> ReadAll()
    {
        var entries = new List<JournalEntry>();
        _stream.Position = 0;
        using var reader = new StreamReader(_stream, Encoding.UTF8, false, 65536, leaveOpen: true);
        long goodLength = 0;
        long position = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            position += Encoding.UTF8.GetByteCount(line) + 1;
            if (line.Length == 0)
            {
                continue;
            }
            JournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<JournalEntry>(line, Json);
            }
            catch (JsonException)
            {
                break;
            }
            if (entry is null)
            {
                break;
            }
            entries.Add(entry);
            _seq = Math.Max(_seq, entry.Seq);
            goodLength = position;
        }
        _stream.SetLength(Math.Min(goodLength, _stream.Length));
        _stream.Position = _stream.Length;
        EntriesSinceSnapshot = entries.Count;
        return entries;
    }

    /// <summary>Appends one entry and makes it durable (<see cref="Write"/> then <see cref="Commit"/>).</summary>
    public void Append(DateTimeOffset at, EngineInput input)
    {
        Write(at, input);
        Commit();
    }

    /// <summary>Buffers one entry; it is durable only after <see cref="Commit"/>, and must not be applied before.</summary>
    public void Write(DateTimeOffset at, EngineInput input)
    {
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            JsonSerializer.Serialize(writer, new JournalEntry(++_seq, at, input), Json);
        }
        _buffer.Write("\n"u8);
        _pending++;
    }

    /// <summary>Writes the buffered entries and flushes them to disk with one fsync (group commit).</summary>
    public void Commit()
    {
        if (_pending == 0)
        {
            return;
        }
        _stream.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
        _stream.Flush(flushToDisk: true);
        EntriesSinceSnapshot += _pending;
        _pending = 0;
    }

    /// <summary>Drops entries written but not committed (their inputs are not applied; the bus redelivers them).</summary>
    public void Discard()
    {
        _buffer.ResetWrittenCount();
        _pending = 0;
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Replays entries into an engine driven by a replay clock; returns the decisions made, in order.</summary>
    public static List<RoutingDecision> Replay(IEnumerable<JournalEntry> entries, RoutingEngine engine, ReplayClock clock)
    {
        var decisions = new List<RoutingDecision>();
        foreach (var e in entries)
        {
            clock.Set(e.At);
            engine.Handle(e.Input);
            foreach (var o in engine.Outputs)
            {
                if (o is ReservationMade r)
                {
                    decisions.Add(r.Decision);
                }
            }
            engine.Outputs.Clear();
        }
        return decisions;
    }
}

/// <summary>A clock that returns a set time (replay) or, once released, the live time.</summary>
internal sealed class ReplayClock(TimeProvider live) : TimeProvider
{
    private DateTimeOffset? _fixed;

    public void Set(DateTimeOffset at) => _fixed = at;

    public void Release() => _fixed = null;

    public override DateTimeOffset GetUtcNow() => _fixed ?? live.GetUtcNow();

    public override long GetTimestamp() => live.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => live.LocalTimeZone;

    public override long TimestampFrequency => live.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        live.CreateTimer(callback, state, dueTime, period);
}
