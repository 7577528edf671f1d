namespace ContactCenter.Telephony.Ivr;

/// <summary>Evaluates an <see cref="HoursNode"/>'s weekly schedule and holidays at an instant, in the node's time zone.</summary>
internal static class BusinessHours
{
    /// <summary>True when <paramref name="now"/> falls in an opening range of its local weekday and the local date is no holiday.</summary>
    public static bool IsOpen(HoursNode hours, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, hours.TimeZone);
        var date = DateOnly.FromDateTime(local.DateTime);
        if (hours.Holidays.Contains(date))
        {
            return false;
        }

        if (!hours.Schedule.TryGetValue(local.DayOfWeek, out var ranges))
        {
            return false;
        }

        var time = TimeOnly.FromDateTime(local.DateTime);
        foreach (var (from, to, toMidnight) in ranges)
        {
            if (time >= from && (toMidnight || time < to))
            {
                return true;
            }
        }

        return false;
    }
}
