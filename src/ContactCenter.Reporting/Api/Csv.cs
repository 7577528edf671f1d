using System.Globalization;
using System.Reflection;
using System.Text;

namespace ContactCenter.Reporting.Api;

/// <summary>
/// CSV (RFC 4180) of report rows exactly as the JSON shows them: the same columns in the same order (the record's
/// constructor parameters, camelCase), numbers in invariant culture, times in ISO 8601 with their offset.
/// </summary>
internal static class Csv
{
    public static string Write<T>(IEnumerable<T> rows)
    {
        var columns = Columns<T>();
        var sb = new StringBuilder();
        sb.AppendJoin(',', columns.Select(c => c.Name)).Append("\r\n");
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }
                sb.Append(Field(columns[i].Property.GetValue(row)));
            }
            sb.Append("\r\n");
        }
        return sb.ToString();
    }

    /// <summary>The columns of <typeparamref name="T"/>: its primary constructor's parameters, in order, named as JSON names them.</summary>
    public static (string Name, PropertyInfo Property)[] Columns<T>()
    {
        var ctor = typeof(T).GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return [.. ctor.GetParameters().Select(p => (char.ToLowerInvariant(p.Name![0]) + p.Name[1..], typeof(T).GetProperty(p.Name)!))];
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
