using System.Globalization;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>One scrape of the host's Prometheus text (/metrics): sums of series by metric name.</summary>
internal sealed class MetricsScrape
{
    private readonly Dictionary<string, double> sums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<double, double>> buckets = new(StringComparer.Ordinal);

    public MetricsScrape(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            if (space <= 0)
            {
                continue;
            }

            var name = brace > 0 && brace < space ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
            var valueText = line[(space + 1)..];
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                // A timestamp may follow the value.
                var parts = line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                {
                    continue;
                }
            }

            sums[name] = sums.GetValueOrDefault(name) + value;
            series.Add((name, brace > 0 && brace < space ? line[(brace + 1)..line.LastIndexOf('}')] : "", value));
            if (name.EndsWith("_bucket", StringComparison.Ordinal) && brace > 0)
            {
                var le = line.IndexOf("le=\"", brace, StringComparison.Ordinal);
                if (le > 0)
                {
                    var end = line.IndexOf('"', le + 4);
                    var boundText = line[(le + 4)..end];
                    var bound = boundText == "+Inf" ? double.PositiveInfinity : double.Parse(boundText, NumberStyles.Float, CultureInfo.InvariantCulture);
                    var series = buckets.TryGetValue(name, out var s) ? s : buckets[name] = [];
                    series[bound] = series.GetValueOrDefault(bound) + value;
                }
            }
        }
    }

    private readonly List<(string Name, string Labels, double Value)> series = [];

    /// <summary>Each series of a metric (<paramref name="name"/> or its <c>_total</c> form): its labels as written, and its value.</summary>
    public IEnumerable<(string Labels, double Value)> Series(string name) =>
        series.Where(s => s.Name == name || s.Name == name + "_total").Select(s => (s.Labels, s.Value));

    public IEnumerable<string> Names => sums.Keys;

    /// <summary>The sum of a counter's series: <paramref name="name"/> or its <c>_total</c> form.</summary>
    public double Counter(string name) =>
        sums.TryGetValue(name + "_total", out var total) ? total : sums.GetValueOrDefault(name);

    /// <summary>The first histogram whose name starts with <paramref name="prefix"/>.</summary>
    public string? HistogramName(string prefix) =>
        buckets.Keys.FirstOrDefault(k => k.StartsWith(prefix, StringComparison.Ordinal)) is { } bucket ? bucket[..^"_bucket".Length] : null;

    public double Sum(string histogram) => sums.GetValueOrDefault(histogram + "_sum");

    public double Count(string histogram) => sums.GetValueOrDefault(histogram + "_count");

    public SortedDictionary<double, double> Buckets(string histogram) =>
        buckets.TryGetValue(histogram + "_bucket", out var b) ? b : [];

    /// <summary>A quantile of the observations between two scrapes, interpolated inside the bucket (as Prometheus' histogram_quantile).</summary>
    public static double Quantile(MetricsScrape before, MetricsScrape after, string histogram, double q)
    {
        var a = after.Buckets(histogram);
        var b = before.Buckets(histogram);
        var total = after.Count(histogram) - before.Count(histogram);
        if (total <= 0 || a.Count == 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        var lower = 0.0;
        var below = 0.0;
        foreach (var (bound, cumulative) in a)
        {
            var count = cumulative - b.GetValueOrDefault(bound);
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lower;
                }

                return lower + ((bound - lower) * (count - below) == 0 ? 0 : (bound - lower) * (rank - below) / (count - below));
            }

            lower = bound;
            below = count;
        }

        return lower;
    }
}
