namespace ContactCenter.Routing.Engine;

/// <summary>
/// A sorted array of small structs: binary-search insert/remove, allocation-free in-order enumeration (unlike
/// SortedSet, whose enumerator allocates a stack). Buckets of available agents and queues of waiting calls are
/// short (tens to a few thousand), where a memmove beats tree nodes.
/// </summary>
internal sealed class OrderedList<T>
    where T : struct, IComparable<T>
{
    private T[] _items = new T[4];
    private int _count;

    public int Count => _count;

    public T this[int index] => _items[index];

    public T Min => _items[0];

    public bool Add(T item)
    {
        var i = Array.BinarySearch(_items, 0, _count, item);
        if (i >= 0)
        {
            return false;
        }
        i = ~i;
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }
        Array.Copy(_items, i, _items, i + 1, _count - i);
        _items[i] = item;
        _count++;
        return true;
    }

    /// <summary>The item's index in sort order, or a negative number when it is not in the list.</summary>
    public int IndexOf(T item) => Array.BinarySearch(_items, 0, _count, item);

    public bool Remove(T item)
    {
        var i = Array.BinarySearch(_items, 0, _count, item);
        if (i < 0)
        {
            return false;
        }
        _count--;
        Array.Copy(_items, i + 1, _items, i, _count - i);
        _items[_count] = default;
        return true;
    }

    public Enumerator GetEnumerator() => new(this);

    public struct Enumerator(OrderedList<T> list)
    {
        private int _index = -1;

        public readonly T Current => list._items[_index];

        public bool MoveNext() => ++_index < list._count;
    }
}

/// <summary>A waiting call in its queue's order.</summary>
internal readonly record struct WaitingEntry(WaitingKey Key, CallRecord Call) : IComparable<WaitingEntry>
{
    public int CompareTo(WaitingEntry other) => Key.CompareTo(other.Key);
}
