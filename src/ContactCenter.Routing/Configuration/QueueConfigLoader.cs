using System.Globalization;
using System.Text.RegularExpressions;
using ContactCenter.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Routing.Configuration;

/// <summary>A configuration file is invalid; <see cref="Exception.Message"/> lists every error with file, line and field.</summary>
public sealed class RoutingConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RoutingConfigurationException() { }
    /// <summary>Creates the exception.</summary>
    public RoutingConfigurationException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public RoutingConfigurationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Reads and validates telephony-config/queues.yaml.</summary>
public static partial class QueueConfigLoader
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Longest partition name: it becomes part of a bus queue name (<c>routing-{partition}</c>) and a journal file name.</summary>
    public const int MaxPartitionLength = 40;

    /// <summary>Loads the file; throws <see cref="RoutingConfigurationException"/> naming file, line and field of every error.</summary>
    public static RoutingConfiguration LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new RoutingConfigurationException($"{path}: queue configuration file not found");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML text; <paramref name="fileName"/> is used in error messages.</summary>
    public static RoutingConfiguration Parse(string yaml, string fileName)
    {
        var p = new Parser(fileName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new RoutingConfigurationException($"{fileName}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RoutingConfigurationException($"{fileName}:1:1: (root): expected a mapping with a 'queues:' list");
        }
        var config = p.Root(root);
        if (p.Errors.Count > 0)
        {
            throw new RoutingConfigurationException(string.Join(Environment.NewLine, p.Errors));
        }
        return config!;
    }

    private sealed class Parser(string file)
    {
        public List<string> Errors { get; } = [];

        private void Error(YamlNode node, string field, string message) =>
            Errors.Add($"{file}:{node.Start.Line}:{node.Start.Column}: {field}: {message}");

        public RoutingConfiguration? Root(YamlMappingNode root)
        {
            var defaults = new RoutingConfiguration { Queues = [] };
            TimeZoneInfo zone = TimeZoneInfo.Utc;
            var tierBoost = new Dictionary<CustomerTier, TimeSpan>(defaults.TierBoost);
            var ivrBoost = defaults.IvrPriorityBoost;
            var missed = defaults.MissedCallState;
            var shortAbandon = defaults.ShortAbandon;
            var window = defaults.RollingWindow;
            var defaultHandle = defaults.DefaultHandleTime;
            YamlSequenceNode? queuesNode = null;
            YamlNode? queuesKey = null;
            foreach (var (keyNode, value) in root.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                switch (key)
                {
                    case "queues":
                        queuesKey = keyNode;
                        if (value is YamlSequenceNode seq)
                        {
                            queuesNode = seq;
                        }
                        else
                        {
                            Error(value, "queues", "expected a list of queues");
                        }
                        break;
                    case "timeZone":
                        zone = Zone(value, "timeZone") ?? zone;
                        break;
                    case "tierBoostSeconds":
                        if (value is YamlMappingNode tiers)
                        {
                            foreach (var (tk, tv) in tiers.Children)
                            {
                                var name = ((YamlScalarNode)tk).Value ?? "";
                                if (Enum.TryParse<CustomerTier>(name, true, out var tier))
                                {
                                    tierBoost[tier] = Seconds(tv, $"tierBoostSeconds.{name}", 0, 86400) ?? TimeSpan.Zero;
                                }
                                else
                                {
                                    Error(tk, $"tierBoostSeconds.{name}", "unknown tier (standard, silver, gold, platinum)");
                                }
                            }
                        }
                        else
                        {
                            Error(value, "tierBoostSeconds", "expected a mapping tier: seconds");
                        }
                        break;
                    case "ivrPriorityBoostSeconds":
                        ivrBoost = Seconds(value, key, 0, 86400) ?? ivrBoost;
                        break;
                    case "missedCallState":
                        var s = Scalar(value, key);
                        if (s is "notready" or "NotReady")
                        {
                            missed = AgentState.NotReady;
                        }
                        else if (s is "available" or "Available")
                        {
                            missed = AgentState.Available;
                        }
                        else if (s is not null)
                        {
                            Error(value, key, $"'{s}' is not notready or available");
                        }
                        break;
                    case "shortAbandonSeconds":
                        shortAbandon = Seconds(value, key, 0, 3600) ?? shortAbandon;
                        break;
                    case "rollingWindowMinutes":
                        var minutes = Int(value, key, 1, 1440);
                        if (minutes is int m)
                        {
                            window = TimeSpan.FromMinutes(m);
                        }
                        break;
                    case "defaultHandleSeconds":
                        defaultHandle = Seconds(value, key, 1, 86400) ?? defaultHandle;
                        break;
                    default:
                        Error(keyNode, key, "unknown field");
                        break;
                }
            }
            if (queuesNode is null)
            {
                if (queuesKey is null)
                {
                    Error(root, "queues", "missing: a 'queues:' list is required");
                }
                return null;
            }
            var queues = new List<QueueDefinition>();
            var partitionOf = new Dictionary<string, string>(StringComparer.Ordinal);
            var overflowChecks = new List<(YamlNode Node, string Field, string Target, string Partition)>();
            for (var i = 0; i < queuesNode.Children.Count; i++)
            {
                var q = Queue(queuesNode.Children[i], i, zone, overflowChecks);
                if (q is null)
                {
                    continue;
                }
                if (!partitionOf.TryAdd(q.Name, q.Partition))
                {
                    Error(queuesNode.Children[i], $"queues[{i}].name", $"duplicate queue '{q.Name}'");
                }
                queues.Add(q);
            }
            foreach (var (node, field, target, partition) in overflowChecks)
            {
                if (!partitionOf.TryGetValue(target, out var targetPartition))
                {
                    Error(node, field, $"overflow queue '{target}' is not defined");
                }
                else if (targetPartition != partition)
                {
                    // One engine owns a call from queue to agent: an overflow cannot hand it to another partition's engine.
                    Error(node, field, $"overflow queue '{target}' is in partition '{targetPartition}', not '{partition}' (a call overflows within its partition)");
                }
            }
            if (queues.Count == 0 && Errors.Count == 0)
            {
                Error(queuesNode, "queues", "at least one queue is required");
            }
            return new RoutingConfiguration
            {
                Queues = queues,
                TierBoost = tierBoost,
                IvrPriorityBoost = ivrBoost,
                MissedCallState = missed,
                ShortAbandon = shortAbandon,
                RollingWindow = window,
                DefaultHandleTime = defaultHandle,
            };
        }

        private QueueDefinition? Queue(YamlNode node, int index, TimeZoneInfo defaultZone, List<(YamlNode, string, string, string)> overflowChecks)
        {
            var at = $"queues[{index}]";
            if (node is not YamlMappingNode map)
            {
                Error(node, at, "expected a mapping with name: and routing fields");
                return null;
            }
            var errorsBefore = Errors.Count;
            string? name = null;
            var q = new QueueDefinition { Name = "", TimeZone = defaultZone };
            YamlNode? actionNode = null;
            (YamlNode Node, string Field, string Target)? overflow = null;
            foreach (var (keyNode, value) in map.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                var field = $"{at}.{key}";
                switch (key)
                {
                    case "name":
                        name = Scalar(value, field);
                        if (name is not null && !NamePattern().IsMatch(name))
                        {
                            Error(value, field, $"'{name}' must be lower-case letters, digits and '-'");
                        }
                        break;
                    case "skills":
                        q = q with { Skills = Skills(value, field) };
                        break;
                    case "serviceLevel":
                        if (value is YamlMappingNode sl)
                        {
                            foreach (var (sk, sv) in sl.Children)
                            {
                                var sName = ((YamlScalarNode)sk).Value;
                                if (sName == "percent")
                                {
                                    q = q with { ServiceLevelPercent = Int(sv, field + ".percent", 1, 100) ?? 80 };
                                }
                                else if (sName == "seconds")
                                {
                                    q = q with { ServiceLevelThreshold = Seconds(sv, field + ".seconds", 1, 3600) ?? q.ServiceLevelThreshold };
                                }
                                else if (sName == "denominator")
                                {
                                    var d = Scalar(sv, field + ".denominator");
                                    ServiceLevelDenominator? denominator = d switch
                                    {
                                        "left-queue" => ServiceLevelDenominator.LeftQueue,
                                        "answered-and-abandoned" => ServiceLevelDenominator.AnsweredAndAbandoned,
                                        "answered" => ServiceLevelDenominator.Answered,
                                        "abandoned-within-threshold-met" => ServiceLevelDenominator.AbandonedWithinThresholdMet,
                                        _ => null,
                                    };
                                    if (denominator is null)
                                    {
                                        Error(sv, field + ".denominator", $"'{d}' is not one of left-queue, answered-and-abandoned, answered, abandoned-within-threshold-met");
                                    }
                                    else
                                    {
                                        q = q with { ServiceLevelDenominator = denominator.Value };
                                    }
                                }
                                else
                                {
                                    Error(sk, $"{field}.{sName}", "unknown field (percent, seconds, denominator)");
                                }
                            }
                        }
                        else
                        {
                            Error(value, field, "expected { percent: 80, seconds: 20, denominator: left-queue }");
                        }
                        break;
                    case "wrapUpSeconds":
                        q = q with { WrapUp = Seconds(value, field, 0, 3600) ?? q.WrapUp };
                        break;
                    case "ringTimeoutSeconds":
                        q = q with { RingTimeout = Seconds(value, field, 5, 300) ?? q.RingTimeout };
                        break;
                    case "maxWaitSeconds":
                        q = q with { MaxWait = Seconds(value, field, 0, 86400) ?? q.MaxWait };
                        break;
                    case "maxWaitAction":
                        actionNode = value;
                        var a = Scalar(value, field);
                        MaxWaitAction? action = a switch
                        {
                            "overflow" => MaxWaitAction.Overflow,
                            "voicemail" => MaxWaitAction.Voicemail,
                            "callback" => MaxWaitAction.Callback,
                            "none" => MaxWaitAction.None,
                            _ => null,
                        };
                        if (action is null)
                        {
                            Error(value, field, $"'{a}' is not one of overflow, voicemail, callback, none");
                        }
                        else
                        {
                            q = q with { MaxWaitAction = action.Value };
                        }
                        break;
                    case "overflowQueue":
                        var target = Scalar(value, field);
                        if (target is not null)
                        {
                            q = q with { OverflowQueue = target };
                            overflow = (value, field, target);
                        }
                        break;
                    case "partition":
                        var partition = Scalar(value, field);
                        if (partition is not null && (!NamePattern().IsMatch(partition) || partition.Length > MaxPartitionLength))
                        {
                            Error(value, field, $"'{partition}' must be lower-case letters, digits and '-', at most {MaxPartitionLength} characters");
                        }
                        else if (partition is not null)
                        {
                            q = q with { Partition = partition };
                        }
                        break;
                    case "maxLength":
                        q = q with { MaxLength = Int(value, field, 0, 100000) ?? 0 };
                        break;
                    case "acceptWithoutAgents":
                        q = q with { AcceptWithoutAgents = Bool(value, field) ?? true };
                        break;
                    case "record":
                        q = q with { Record = Bool(value, field) ?? false };
                        break;
                    case "callback":
                        // How the gateway places this queue's callbacks (attempts, retry interval, no-answer time) is read and
                        // validated by the telephony gateway's loader; routing carries out the mode (preview offers first).
                        q = q with { CallbackPreview = CallbackMode(value, field) };
                        break;
                    case "workItems":
                        q = q with { WorkItems = WorkItems(value, field) };
                        break;
                    case "preferredAgentSeconds":
                        q = q with { PreferredAgentWindow = Seconds(value, field, 0, 3600) ?? q.PreferredAgentWindow };
                        break;
                    case "tieBreak":
                        var t = Scalar(value, field);
                        TieBreak? tb = t switch
                        {
                            "longest-idle" => TieBreak.LongestIdle,
                            "least-talk-time" => TieBreak.LeastTalkTime,
                            "round-robin" => TieBreak.RoundRobin,
                            _ => null,
                        };
                        if (tb is null)
                        {
                            Error(value, field, $"'{t}' is not one of longest-idle, least-talk-time, round-robin");
                        }
                        else
                        {
                            q = q with { TieBreak = tb.Value };
                        }
                        break;
                    case "widening":
                        q = q with { Widening = Widening(value, field) };
                        break;
                    case "timeZone":
                        q = q with { TimeZone = Zone(value, field) ?? defaultZone };
                        break;
                    default:
                        Error(keyNode, field, "unknown field");
                        break;
                }
            }
            if (name is null)
            {
                Error(map, $"{at}.name", "missing: every queue needs a name");
                return null;
            }
            if (q.MaxWaitAction != MaxWaitAction.None && q.MaxWait == TimeSpan.Zero)
            {
                Error(actionNode ?? map, $"{at}.maxWaitSeconds", "maxWaitAction needs maxWaitSeconds greater than 0");
            }
            if (q.MaxWaitAction == MaxWaitAction.Overflow && q.OverflowQueue is null)
            {
                Error(actionNode ?? map, $"{at}.overflowQueue", "maxWaitAction overflow needs overflowQueue");
            }
            if (q.OverflowQueue == name)
            {
                Error(map, $"{at}.overflowQueue", "a queue cannot overflow to itself");
            }
            if (overflow is { } o)
            {
                overflowChecks.Add((o.Node, o.Field, o.Target, q.Partition));
            }
            return Errors.Count == errorsBefore ? q with { Name = name } : null;
        }

        /// <summary>The <c>callback:</c> mapping's mode: the preview time for <c>preview</c>, null for <c>progressive</c> (the default).</summary>
        private TimeSpan? CallbackMode(YamlNode node, string field)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, field, "expected a mapping (mode, previewSeconds, attempts, retryAfterSeconds, noAnswerSeconds)");
                return null;
            }
            string? mode = null;
            YamlNode? previewNode = null;
            TimeSpan? preview = null;
            foreach (var (keyNode, value) in map.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                switch (key)
                {
                    case "mode":
                        mode = Scalar(value, $"{field}.mode");
                        if (mode is not null and not ("progressive" or "preview"))
                        {
                            Error(value, $"{field}.mode", $"'{mode}' is not one of progressive, preview");
                            mode = null;
                        }
                        break;
                    case "previewSeconds":
                        previewNode = value;
                        preview = Seconds(value, $"{field}.previewSeconds", 5, 600);
                        break;
                    // attempts, retryAfterSeconds, noAnswerSeconds: the gateway's (checked there, with the unknown keys).
                }
            }
            if (mode != "preview")
            {
                if (previewNode is not null)
                {
                    Error(previewNode, $"{field}.previewSeconds", "applies only to mode: preview (a progressive callback rings the agent at once)");
                }
                return null;
            }
            return preview ?? DefaultPreview;
        }

        /// <summary>How long a preview callback waits for Accept when the queue does not say.</summary>
        private static readonly TimeSpan DefaultPreview = TimeSpan.FromSeconds(30);

        private WorkItemSettings WorkItems(YamlNode node, string field)
        {
            var settings = WorkItemSettings.Default;
            if (node is not YamlMappingNode map)
            {
                Error(node, field, "expected a mapping (offerSeconds, capacity, callsWhileWorking)");
                return settings;
            }
            foreach (var (keyNode, value) in map.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                var f = $"{field}.{key}";
                switch (key)
                {
                    case "offerSeconds":
                        settings = settings with { OfferTimeout = Seconds(value, f, 5, 600) ?? settings.OfferTimeout };
                        break;
                    case "capacity":
                        settings = settings with { Capacity = Int(value, f, 1, 10) ?? settings.Capacity };
                        break;
                    case "callsWhileWorking":
                        settings = settings with { CallsWhileWorking = Bool(value, f) ?? settings.CallsWhileWorking };
                        break;
                    default:
                        Error(keyNode, f, "unknown field (offerSeconds, capacity, callsWhileWorking)");
                        break;
                }
            }
            return settings;
        }

        private List<SkillRequirement> Skills(YamlNode node, string field)
        {
            var list = new List<SkillRequirement>();
            if (node is not YamlSequenceNode seq)
            {
                Error(node, field, "expected a list of { skill: name, level: 1..5, optional: false }");
                return list;
            }
            for (var i = 0; i < seq.Children.Count; i++)
            {
                var f = $"{field}[{i}]";
                if (seq.Children[i] is not YamlMappingNode m)
                {
                    Error(seq.Children[i], f, "expected { skill: name, level: 1..5 }");
                    continue;
                }
                string? skill = null;
                int level = 1;
                bool optional = false;
                foreach (var (k, v) in m.Children)
                {
                    switch (((YamlScalarNode)k).Value)
                    {
                        case "skill":
                            skill = Scalar(v, f + ".skill");
                            if (skill is not null && !NamePattern().IsMatch(skill))
                            {
                                Error(v, f + ".skill", $"'{skill}' must be lower-case letters, digits and '-'");
                            }
                            break;
                        case "level":
                            level = Int(v, f + ".level", 1, 5) ?? 1;
                            break;
                        case "optional":
                            optional = Bool(v, f + ".optional") ?? false;
                            break;
                        default:
                            Error(k, $"{f}.{((YamlScalarNode)k).Value}", "unknown field (skill, level, optional)");
                            break;
                    }
                }
                if (skill is null)
                {
                    Error(m, f + ".skill", "missing");
                }
                else
                {
                    list.Add(new SkillRequirement(skill, level, optional));
                }
            }
            return list;
        }

        private List<WideningStep> Widening(YamlNode node, string field)
        {
            var list = new List<WideningStep>();
            if (node is not YamlSequenceNode seq)
            {
                Error(node, field, "expected a list of { afterSeconds: n, lowerLevelsBy: n, dropOptionalSkills: bool }");
                return list;
            }
            var last = TimeSpan.Zero;
            for (var i = 0; i < seq.Children.Count; i++)
            {
                var f = $"{field}[{i}]";
                if (seq.Children[i] is not YamlMappingNode m)
                {
                    Error(seq.Children[i], f, "expected { afterSeconds: n, lowerLevelsBy: n }");
                    continue;
                }
                TimeSpan? after = null;
                int lower = 0;
                bool drop = false;
                foreach (var (k, v) in m.Children)
                {
                    switch (((YamlScalarNode)k).Value)
                    {
                        case "afterSeconds":
                            after = Seconds(v, f + ".afterSeconds", 1, 86400);
                            break;
                        case "lowerLevelsBy":
                            lower = Int(v, f + ".lowerLevelsBy", 0, 4) ?? 0;
                            break;
                        case "dropOptionalSkills":
                            drop = Bool(v, f + ".dropOptionalSkills") ?? false;
                            break;
                        default:
                            Error(k, $"{f}.{((YamlScalarNode)k).Value}", "unknown field (afterSeconds, lowerLevelsBy, dropOptionalSkills)");
                            break;
                    }
                }
                if (after is null)
                {
                    Error(m, f + ".afterSeconds", "missing");
                    continue;
                }
                if (after.Value <= last)
                {
                    Error(m, f + ".afterSeconds", "rings must have increasing afterSeconds");
                }
                last = after.Value;
                list.Add(new WideningStep(after.Value, lower, drop));
            }
            return list;
        }

        private string? Scalar(YamlNode node, string field)
        {
            if (node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
            {
                return s.Value.Trim();
            }
            Error(node, field, "expected a value");
            return null;
        }

        private int? Int(YamlNode node, string field, int min, int max)
        {
            var s = Scalar(node, field);
            if (s is null)
            {
                return null;
            }
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            {
                Error(node, field, $"'{s}' is not a whole number from {min} to {max}");
                return null;
            }
            return v;
        }

        private TimeSpan? Seconds(YamlNode node, string field, int min, int max) =>
            Int(node, field, min, max) is int v ? TimeSpan.FromSeconds(v) : null;

        private bool? Bool(YamlNode node, string field)
        {
            var s = Scalar(node, field);
            switch (s)
            {
                case null:
                    return null;
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                default:
                    Error(node, field, $"'{s}' is not true or false");
                    return null;
            }
        }

        private TimeZoneInfo? Zone(YamlNode node, string field)
        {
            var s = Scalar(node, field);
            if (s is null)
            {
                return null;
            }
            if (TimeZoneInfo.TryFindSystemTimeZoneById(s, out var tz))
            {
                return tz;
            }
            Error(node, field, $"unknown time zone '{s}' (use an IANA id such as Europe/London)");
            return null;
        }
    }
}
