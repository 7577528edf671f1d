using System.Globalization;
using System.Text;

namespace ContactCenter.Telephony.Configuration;

/// <summary>Durations as written in telephony-config: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>.</summary>
internal static class DurationText
{
    /// <summary>Parses one or more number+unit parts (units ms, s, m, h); a bare number is refused.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        var total = 0d;
        var i = 0;
        while (i < span.Length)
        {
            var start = i;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(span[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < span.Length && char.IsAsciiLetterLower(span[i]))
            {
                i++;
            }

            var unit = span[unitStart..i];
            double millis;
            if (unit.SequenceEqual("ms"))
            {
                millis = number;
            }
            else if (unit.SequenceEqual("s"))
            {
                millis = number * 1000;
            }
            else if (unit.SequenceEqual("m"))
            {
                millis = number * 60_000;
            }
            else if (unit.SequenceEqual("h"))
            {
                millis = number * 3_600_000;
            }
            else
            {
                return false;
            }

            total += millis;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Formats a duration in the same notation.</summary>
    public static string Format(TimeSpan value)
    {
        if (value.TotalSeconds < 1)
        {
            return $"{(int)value.TotalMilliseconds}ms";
        }

        var sb = new StringBuilder();
        if (value.Hours > 0 || value.Days > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h");
        }

        if (value.Minutes > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        }

        if (value.Seconds > 0 || sb.Length == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{value.Seconds}s");
        }

        return sb.ToString();
    }
}
