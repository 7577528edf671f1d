using System.Globalization;
using ContactCenter.Reporting.Aggregation;

namespace ContactCenter.Reporting.Api;

/// <summary>The interval a report is broken down by (<c>interval=15m|1h|1d|1w</c>).</summary>
internal enum ReportInterval
{
    Quarter,
    Hour,
    Day,
    Week,
}

/// <summary>One row's period: UTC ticks on the 15-minute grid, and its start and end in the zone's local time.</summary>
internal readonly record struct Period(long Start, long End, DateTimeOffset LocalStart, DateTimeOffset LocalEnd);

/// <summary>A range bound as given: an instant (ISO 8601 with an offset, or UTC when it ends in Z), or a calendar date (then local to each queue).</summary>
internal readonly record struct Bound(DateTimeOffset? Instant, DateOnly? Date)
{
    public long Resolve(TimeZoneInfo zone) => Instant is { } i ? i.UtcTicks : Periods.LocalToUtc(Date!.Value.ToDateTime(TimeOnly.MinValue), zone);

    public static bool TryParse(string? text, out Bound bound)
    {
        bound = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            bound = new Bound(null, date);
            return true;
        }
        // An instant needs its offset: "2026-03-02T09:00" alone would be the server's local time, which means nothing to a caller.
        if ((text.EndsWith('Z') || text.EndsWith("z", StringComparison.Ordinal) || HasOffset(text))
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            bound = new Bound(instant, null);
            return true;
        }
        return false;
    }

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return false;
        }
        var time = text[(t + 1)..];
        return time.Contains('+', StringComparison.Ordinal) || time.Contains('-', StringComparison.Ordinal);
    }
}

/// <summary>
/// Periods of a range in a time zone. Every figure sits on the UTC 15-minute grid, and every real zone's offset is a multiple
/// of 15 minutes, so any local period is a run of whole 15-minute intervals: an hour starts where the local clock shows :00
/// (the repeated hour of a change back from summer time is two hours, each with its offset), a day at local midnight (23 or
/// 25 hours on the days the clocks change), a week on Monday.
/// </summary>
internal static class Periods
{
    public static bool TryParse(string? text, out ReportInterval interval)
    {
        switch (text?.Trim())
        {
            case "15m":
                interval = ReportInterval.Quarter;
                return true;
            case "1h" or null or "":
                interval = ReportInterval.Hour;
                return true;
            case "1d":
                interval = ReportInterval.Day;
                return true;
            case "1w":
                interval = ReportInterval.Week;
                return true;
            default:
                interval = ReportInterval.Hour;
                return false;
        }
    }

    public static string Name(ReportInterval interval) => interval switch
    {
        ReportInterval.Quarter => "15m",
        ReportInterval.Hour => "1h",
        ReportInterval.Day => "1d",
        ReportInterval.Week => "1w",
        _ => "1h",
    };

    /// <summary>The periods covering [<paramref name="from"/>, <paramref name="to"/>) (widened to the 15-minute grid).</summary>
    public static List<Period> Of(long from, long to, ReportInterval interval, TimeZoneInfo zone)
    {
        var list = new List<Period>();
        from = Buckets.Floor(from);
        to = Buckets.Ceiling(to);
        long start = from;
        var key = Key(from, interval, zone);
        for (var b = from + Buckets.Size; b < to; b += Buckets.Size)
        {
            var k = Key(b, interval, zone);
            if (k != key)
            {
                list.Add(Make(start, b, zone));
                start = b;
                key = k;
            }
        }
        if (to > from)
        {
            list.Add(Make(start, to, zone));
        }
        return list;
    }

    /// <summary>The index of the period holding <paramref name="start"/>, or -1.</summary>
    public static int IndexOf(List<Period> periods, long start)
    {
        int lo = 0, hi = periods.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (start < periods[mid].Start)
            {
                hi = mid - 1;
            }
            else if (start >= periods[mid].End)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    /// <summary>A local wall-clock time as UTC ticks: a time skipped by a clock change moves forward; a repeated one is its first occurrence.</summary>
    public static long LocalToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (var i = 0; i < 16 && zone.IsInvalidTime(local); i++)
        {
            local = local.AddMinutes(15);
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).UtcTicks;
    }

    public static DateTimeOffset Local(long utcTicks, TimeZoneInfo zone)
    {
        var utc = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return utc.ToOffset(zone.GetUtcOffset(utc));
    }

    private static Period Make(long start, long end, TimeZoneInfo zone) => new(start, end, Local(start, zone), Local(end, zone));

    private static long Key(long bucket, ReportInterval interval, TimeZoneInfo zone)
    {
        if (interval == ReportInterval.Quarter)
        {
            return bucket;
        }
        var local = Local(bucket, zone);
        return interval switch
        {
            ReportInterval.Hour => (local.Date.Ticks / TimeSpan.TicksPerHour) + local.Hour + ((long)local.Offset.TotalMinutes << 40),
            ReportInterval.Day => local.Date.Ticks,
            _ => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)).Ticks,
        };
    }
}
