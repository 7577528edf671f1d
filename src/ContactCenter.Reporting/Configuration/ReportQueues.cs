using System.Globalization;
using ContactCenter.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Reporting.Configuration;

/// <summary>The queues file is invalid where the reports read it; the message names file, line and field.</summary>
public sealed class ReportQueuesException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ReportQueuesException() { }
    /// <summary>Creates the exception.</summary>
    public ReportQueuesException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public ReportQueuesException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>One queue's report settings.</summary>
/// <param name="Name">The queue.</param>
/// <param name="TimeZone">Its zone: its days, hours and weeks are local to it.</param>
/// <param name="Policy">Its service-level threshold, the short-abandon threshold and its denominator.</param>
/// <param name="TargetPercent">Its service-level target (<c>serviceLevel.percent</c>).</param>
internal sealed record ReportQueue(string Name, TimeZoneInfo TimeZone, ServiceLevelPolicy Policy, double TargetPercent);

/// <summary>
/// What the reports need from <c>telephony-config/queues.yaml</c> (the file routing reads in full and validates): each queue's
/// time zone and service-level settings, and the global short-abandon threshold and zone. The fields read here are checked
/// as routing checks them; every other field is routing's. A queue the file does not name (a queue since removed) is
/// reported with the file's defaults.
/// </summary>
internal sealed class ReportQueues
{
    private readonly Dictionary<string, ReportQueue> _queues;

    private ReportQueues(IReadOnlyList<ReportQueue> queues, ReportQueue defaults)
    {
        Queues = queues;
        Defaults = defaults;
        _queues = queues.ToDictionary(q => q.Name, StringComparer.Ordinal);
    }

    /// <summary>The queues in the file's order.</summary>
    public IReadOnlyList<ReportQueue> Queues { get; }

    /// <summary>The settings of a queue the file does not name; its zone is the centre's (agent reports use it).</summary>
    public ReportQueue Defaults { get; }

    /// <summary>The centre's time zone (the file's top-level <c>timeZone</c>).</summary>
    public TimeZoneInfo TimeZone => Defaults.TimeZone;

    /// <summary>A queue's settings (the defaults, named after it, for a queue the file does not name).</summary>
    public ReportQueue Get(string queue) => _queues.TryGetValue(queue, out var q) ? q : Defaults with { Name = queue };

    /// <summary>Settings for tests and benchmarks.</summary>
    public static ReportQueues Of(TimeZoneInfo zone, TimeSpan shortAbandon, params ReportQueue[] queues) =>
        new(queues, new ReportQueue("*", zone, new ServiceLevelPolicy(TimeSpan.FromSeconds(20), shortAbandon, ServiceLevelDenominator.LeftQueue), 80));

    /// <summary>Reads the file; throws <see cref="ReportQueuesException"/> naming file, line and field.</summary>
    public static ReportQueues LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ReportQueuesException($"{path}: queue configuration file not found");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML text; <paramref name="fileName"/> names it in errors.</summary>
    public static ReportQueues Parse(string yaml, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ReportQueuesException($"{fileName}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ReportQueuesException($"{fileName}:1:1: (root): expected a mapping with a 'queues:' list");
        }
        var errors = new List<string>();
        void Error(YamlNode node, string field, string message) => errors.Add($"{fileName}:{node.Start.Line}:{node.Start.Column}: {field}: {message}");

        var zone = TimeZoneInfo.Utc;
        var shortAbandon = TimeSpan.FromSeconds(5);
        YamlSequenceNode? list = null;
        foreach (var (key, value) in root.Children)
        {
            switch ((key as YamlScalarNode)?.Value)
            {
                case "timeZone":
                    zone = Zone(value, "timeZone", Error) ?? zone;
                    break;
                case "shortAbandonSeconds":
                    shortAbandon = Seconds(value, "shortAbandonSeconds", 0, 3600, Error) ?? shortAbandon;
                    break;
                case "queues":
                    list = value as YamlSequenceNode;
                    if (list is null)
                    {
                        Error(value, "queues", "expected a list of queues");
                    }
                    break;
            }
        }
        var queues = new List<ReportQueue>();
        if (list is not null)
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                var at = $"queues[{i}]";
                if (list.Children[i] is not YamlMappingNode map)
                {
                    Error(list.Children[i], at, "expected a mapping with name:");
                    continue;
                }
                string? name = null;
                var queueZone = zone;
                var threshold = TimeSpan.FromSeconds(20);
                double percent = 80;
                var denominator = ServiceLevelDenominator.LeftQueue;
                foreach (var (key, value) in map.Children)
                {
                    var field = $"{at}.{(key as YamlScalarNode)?.Value}";
                    switch ((key as YamlScalarNode)?.Value)
                    {
                        case "name":
                            name = (value as YamlScalarNode)?.Value?.Trim();
                            if (string.IsNullOrEmpty(name))
                            {
                                Error(value, field, "expected a value");
                            }
                            break;
                        case "timeZone":
                            queueZone = Zone(value, field, Error) ?? zone;
                            break;
                        case "serviceLevel" when value is YamlMappingNode sl:
                            foreach (var (sk, sv) in sl.Children)
                            {
                                var sField = $"{field}.{(sk as YamlScalarNode)?.Value}";
                                switch ((sk as YamlScalarNode)?.Value)
                                {
                                    case "percent":
                                        percent = Int(sv, sField, 1, 100, Error) ?? percent;
                                        break;
                                    case "seconds":
                                        threshold = Seconds(sv, sField, 1, 3600, Error) ?? threshold;
                                        break;
                                    case "denominator":
                                        denominator = Denominator(sv, sField, Error) ?? denominator;
                                        break;
                                }
                            }
                            break;
                    }
                }
                if (name is null)
                {
                    Error(map, $"{at}.name", "missing: every queue needs a name");
                    continue;
                }
                queues.Add(new ReportQueue(name, queueZone, new ServiceLevelPolicy(threshold, shortAbandon, denominator), percent));
            }
        }
        if (errors.Count > 0)
        {
            throw new ReportQueuesException(string.Join(Environment.NewLine, errors));
        }
        return new ReportQueues(queues, new ReportQueue("*", zone, new ServiceLevelPolicy(TimeSpan.FromSeconds(20), shortAbandon, ServiceLevelDenominator.LeftQueue), 80));
    }

    /// <summary>The YAML spelling of a denominator (queues.yaml <c>serviceLevel.denominator</c>).</summary>
    public static string Spelling(ServiceLevelDenominator denominator) => denominator switch
    {
        ServiceLevelDenominator.LeftQueue => "left-queue",
        ServiceLevelDenominator.AnsweredAndAbandoned => "answered-and-abandoned",
        ServiceLevelDenominator.Answered => "answered",
        ServiceLevelDenominator.AbandonedWithinThresholdMet => "abandoned-within-threshold-met",
        _ => denominator.ToString(),
    };

    private static ServiceLevelDenominator? Denominator(YamlNode node, string field, Action<YamlNode, string, string> error)
    {
        var s = (node as YamlScalarNode)?.Value?.Trim();
        foreach (var d in Enum.GetValues<ServiceLevelDenominator>())
        {
            if (Spelling(d) == s)
            {
                return d;
            }
        }
        error(node, field, $"'{s}' is not one of left-queue, answered-and-abandoned, answered, abandoned-within-threshold-met");
        return null;
    }

    private static int? Int(YamlNode node, string field, int min, int max, Action<YamlNode, string, string> error)
    {
        var s = (node as YamlScalarNode)?.Value?.Trim();
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            error(node, field, $"'{s}' is not a whole number from {min} to {max}");
            return null;
        }
        return v;
    }

    private static TimeSpan? Seconds(YamlNode node, string field, int min, int max, Action<YamlNode, string, string> error) =>
        Int(node, field, min, max, error) is int v ? TimeSpan.FromSeconds(v) : null;

    private static TimeZoneInfo? Zone(YamlNode node, string field, Action<YamlNode, string, string> error)
    {
        var s = (node as YamlScalarNode)?.Value?.Trim();
        if (s is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(s, out var tz))
        {
            return tz;
        }
        error(node, field, $"unknown time zone '{s}' (use an IANA id such as Europe/London)");
        return null;
    }
}
