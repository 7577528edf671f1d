using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>
/// The header fields of a message in order. Values parsed from the wire stay as byte ranges of the
/// message buffer until asked for; unknown headers are written back verbatim.
/// </summary>
public sealed class SipHeaders
{
    internal struct Entry
    {
        public SipHeaderId Id;
        public string? Name;
        public string? Value;
        public int RawStart;
        public int RawLength;
        public int NameStart;
        public int NameLength;
        public int ValueStart;
        public int ValueLength;
        public bool Folded;
    }

    private Entry[] entries;
    private int count;
    internal byte[]? Raw;
    internal Action? Changed;

    internal SipHeaders(int capacity = 0) => entries = capacity == 0 ? [] : new Entry[capacity];

    /// <summary>Number of header fields.</summary>
    public int Count => count;

    internal ref Entry this[int index] => ref entries[index];

    internal void AddRaw(in Entry e)
    {
        if (count == entries.Length)
        {
            Array.Resize(ref entries, Math.Max(8, count * 2));
        }
        entries[count++] = e;
    }

    /// <summary>The name of the field at <paramref name="index"/> (canonical for known headers, verbatim otherwise).</summary>
    public string NameAt(int index)
    {
        ref var e = ref entries[index];
        if (e.Name is null)
        {
            e.Name = e.Id != SipHeaderId.Other
                ? SipHeaderNames.CanonicalName(e.Id)
                : Encoding.UTF8.GetString(Raw!, e.NameStart, e.NameLength);
        }
        return e.Name;
    }

    /// <summary>The known id of the field at <paramref name="index"/>.</summary>
    public SipHeaderId IdAt(int index) => entries[index].Id;

    /// <summary>The value of the field at <paramref name="index"/> (unfolded, trimmed).</summary>
    public string ValueAt(int index)
    {
        ref var e = ref entries[index];
        if (e.Value is null)
        {
            var text = Encoding.UTF8.GetString(Raw!, e.ValueStart, e.ValueLength);
            e.Value = e.Folded ? Unfold(text) : text;
        }
        return e.Value;
    }

    private static string Unfold(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n')
            {
                while (i + 1 < text.Length && text[i + 1] is '\r' or '\n' or ' ' or '\t')
                {
                    i++;
                }
                sb.Append(' ');
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString().Trim();
    }

    /// <summary>First value of a header (long or compact name), or null.</summary>
    public string? Get(string name)
    {
        var id = SipHeaderNames.Lookup(name);
        for (var i = 0; i < count; i++)
        {
            if (Matches(i, id, name))
            {
                return ValueAt(i);
            }
        }
        return null;
    }

    /// <summary>First value of a known header, or null.</summary>
    public string? Get(SipHeaderId id)
    {
        for (var i = 0; i < count; i++)
        {
            if (entries[i].Id == id)
            {
                return ValueAt(i);
            }
        }
        return null;
    }

    /// <summary>All values of a header, each field's comma-separated list split for list headers.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var id = SipHeaderNames.Lookup(name);
        var list = new List<string>();
        for (var i = 0; i < count; i++)
        {
            if (!Matches(i, id, name))
            {
                continue;
            }
            var v = ValueAt(i);
            if (id != SipHeaderId.Other && SipHeaderNames.IsList(id))
            {
                foreach (var (s, l) in SipSyntax.SplitCommas(v))
                {
                    var part = v.AsSpan(s, l).Trim();
                    if (!part.IsEmpty)
                    {
                        list.Add(part.ToString());
                    }
                }
            }
            else
            {
                list.Add(v);
            }
        }
        return list;
    }

    /// <summary>True when a header is present.</summary>
    public bool Contains(string name) => Get(name) is not null;

    /// <summary>Number of fields with this known id.</summary>
    public int CountOf(SipHeaderId id)
    {
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (entries[i].Id == id)
            {
                n++;
            }
        }
        return n;
    }

    private bool Matches(int i, SipHeaderId id, string name) =>
        id != SipHeaderId.Other ? entries[i].Id == id : entries[i].Id == SipHeaderId.Other && string.Equals(NameAt(i), name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Appends a header field.</summary>
    public void Add(string name, string value)
    {
        var id = SipHeaderNames.Lookup(name);
        AddRaw(new Entry { Id = id, Name = id == SipHeaderId.Other ? name : SipHeaderNames.CanonicalName(id), Value = value, RawStart = -1 });
        Changed?.Invoke();
    }

    /// <summary>
    /// Appends field <paramref name="index"/> of <paramref name="source"/> as it was received (name and
    /// value bytes shared with the source's buffer, nothing materialised): responses copy Via, From,
    /// Call-ID and CSeq this way (§8.2.6.2).
    /// </summary>
    internal void CopyVerbatim(SipHeaders source, int index)
    {
        ref var e = ref source.entries[index];
        if (e.RawStart >= 0 && source.Raw is not null && (Raw is null || ReferenceEquals(Raw, source.Raw)))
        {
            Raw = source.Raw;
            AddRaw(e);
            Changed?.Invoke();
            return;
        }
        Add(source.NameAt(index), source.ValueAt(index));
    }

    /// <summary>Inserts a header field before all others (e.g. a new top Via).</summary>
    public void Insert(int index, string name, string value)
    {
        Add(name, value);
        var e = entries[count - 1];
        Array.Copy(entries, index, entries, index + 1, count - 1 - index);
        entries[index] = e;
        Changed?.Invoke();
    }

    /// <summary>Replaces every field of that name with one value.</summary>
    public void Set(string name, string value)
    {
        Remove(name);
        Add(name, value);
    }

    /// <summary>Removes every field of that name.</summary>
    public void Remove(string name)
    {
        var id = SipHeaderNames.Lookup(name);
        var w = 0;
        for (var i = 0; i < count; i++)
        {
            if (!Matches(i, id, name))
            {
                entries[w++] = entries[i];
            }
        }
        Array.Clear(entries, w, count - w);
        count = w;
        Changed?.Invoke();
    }

    /// <summary>Replaces the value of the field at <paramref name="index"/> (it is then written as name: value).</summary>
    public void ReplaceAt(int index, string value)
    {
        var name = NameAt(index);
        ref var e = ref entries[index];
        e.Name = name;
        e.Value = value;
        e.RawStart = -1;
        e.Folded = false;
        Changed?.Invoke();
    }

    /// <summary>Removes the first field of that name (e.g. the top Via).</summary>
    internal void RemoveFirst(SipHeaderId id)
    {
        for (var i = 0; i < count; i++)
        {
            if (entries[i].Id == id)
            {
                Array.Copy(entries, i + 1, entries, i, count - i - 1);
                count--;
                entries[count] = default;
                Changed?.Invoke();
                return;
            }
        }
    }

    internal bool IsVerbatim(int i) => entries[i].RawStart >= 0;

    /// <summary>Drops the strings cached for fields still held as received bytes (they can be read again).</summary>
    internal void TrimMaterialised()
    {
        if (Raw is null)
        {
            return;
        }
        for (var i = 0; i < count; i++)
        {
            ref var e = ref entries[i];
            if (e.RawStart >= 0)
            {
                e.Value = null;
                if (e.Id != SipHeaderId.Other)
                {
                    e.Name = null;
                }
            }
        }
    }
}
