using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Telephony.Gateway.Voicemail;
using ContactCenter.Telephony.Ivr;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Telephony.Configuration;

/// <summary>Reads one ivr/*.yaml flow into an <see cref="IvrFlow"/>, checking targets, prompts, queues and the node graph.</summary>
internal sealed class FlowParser
{
    private static readonly string[] NodeTypes = ["play", "menu", "collect", "hours", "identify", "case_status", "callback", "set", "queue", "hangup", "transfer", "voicemail"];
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);
    private static readonly (string Key, DayOfWeek Day)[] Days =
    [
        ("mon", DayOfWeek.Monday), ("tue", DayOfWeek.Tuesday), ("wed", DayOfWeek.Wednesday), ("thu", DayOfWeek.Thursday),
        ("fri", DayOfWeek.Friday), ("sat", DayOfWeek.Saturday), ("sun", DayOfWeek.Sunday),
    ];

    private readonly YamlFile file;
    private readonly PromptCatalog prompts;
    private readonly IReadOnlySet<string>? queues;
    private readonly string defaultName;
    private readonly HashSet<string> nodeIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> missingSystemPromptsReported = new(StringComparer.Ordinal);
    private bool nodeErrors;

    public FlowParser(YamlFile file, PromptCatalog prompts, IReadOnlySet<string>? queues, string defaultName)
    {
        this.file = file;
        this.prompts = prompts;
        this.queues = queues;
        this.defaultName = defaultName;
    }

    public IvrFlow? Parse()
    {
        var root = file.Root;
        file.CheckKeys(root, string.Empty, "name", "path", "start", "nodes");
        var name = file.String(root, "name", string.Empty, required: false) ?? defaultName;
        var pathRoot = file.String(root, "path", string.Empty, required: false) ?? name;
        var start = file.String(root, "start", string.Empty, required: true);
        var nodesMap = file.Map(root, "nodes", string.Empty, required: true);
        if (nodesMap is null)
        {
            return null;
        }

        var keyNodes = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, _) in nodesMap.Children)
        {
            var id = (key as YamlScalarNode)?.Value;
            if (string.IsNullOrWhiteSpace(id))
            {
                file.Error(key, "nodes", "node ids must be plain names");
                continue;
            }

            nodeIds.Add(id);
            keyNodes[id] = key;
        }

        if (start is not null && !nodeIds.Contains(start))
        {
            file.Error(YamlFile.Get(root, "start"), "start", UnknownNode(start));
        }

        var nodes = new Dictionary<string, IvrNode>(StringComparer.Ordinal);
        foreach (var (key, value) in nodesMap.Children)
        {
            var id = (key as YamlScalarNode)?.Value;
            if (string.IsNullOrWhiteSpace(id))
            {
                continue;
            }

            var prefix = $"nodes.{id}";
            if (value is not YamlMappingNode map)
            {
                file.Error(value, prefix, "expected a mapping with at least 'type:'");
                nodeErrors = true;
                continue;
            }

            var node = ParseNode(id, map, prefix);
            if (node is null)
            {
                nodeErrors = true;
            }
            else
            {
                nodes[id] = node;
            }
        }

        if (start is null || !nodes.ContainsKey(start) || nodeErrors)
        {
            return null;
        }

        if (!CheckGraph(start, nodes, keyNodes))
        {
            return null;
        }

        return new IvrFlow { Name = name, PathRoot = pathRoot, Start = start, Nodes = nodes };
    }

    private IvrNode? ParseNode(string id, YamlMappingNode map, string prefix)
    {
        var type = file.String(map, "type", prefix, required: true);
        if (type is null)
        {
            return null;
        }

        if (Array.IndexOf(NodeTypes, type) < 0)
        {
            file.Error(YamlFile.Get(map, "type"), $"{prefix}.type", $"unknown node type '{type}' (types: {string.Join(", ", NodeTypes)})");
            return null;
        }

        var before = file.ErrorCount;
        var label = file.String(map, "path", prefix, required: false);
        IvrNode? node = type switch
        {
            "play" => ParsePlay(id, map, prefix),
            "menu" => ParseMenu(id, map, prefix),
            "collect" => ParseCollect(id, map, prefix),
            "hours" => ParseHours(id, map, prefix),
            "identify" => ParseIdentify(id, map, prefix),
            "case_status" => ParseCaseStatus(id, map, prefix),
            "callback" => ParseCallback(id, map, prefix),
            "set" => ParseSet(id, map, prefix),
            "queue" => ParseQueue(id, map, prefix),
            "hangup" => ParseHangUp(id, map, prefix),
            "transfer" => ParseTransfer(id, map, prefix),
            "voicemail" => ParseVoicemail(id, map, prefix),
            _ => null,
        };

        return node is null || file.ErrorCount != before ? null : node with { PathLabel = label };
    }

    private PlayNode? ParsePlay(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "known_caller_prompts", "barge_in", "next");
        var list = Prompts(map, "prompts", p, required: true);
        var known = Prompts(map, "known_caller_prompts", p, required: false);
        var bargeIn = file.Bool(map, "barge_in", p) ?? false;
        var next = Target(map, "next", p, required: true);
        return list is null || next is null ? null : new PlayNode { Id = id, Prompts = list, KnownCallerPrompts = known, BargeIn = bargeIn, Next = next };
    }

    private MenuNode? ParseMenu(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "options", "timeout", "retries", "invalid_prompts", "no_input_prompts", "invalid", "no_input", "default", "barge_in");
        var list = Prompts(map, "prompts", p, required: true);
        var optionsMap = file.Map(map, "options", p, required: true);
        var options = new Dictionary<char, string>();
        if (optionsMap is not null)
        {
            foreach (var (key, value) in optionsMap.Children)
            {
                var digit = (key as YamlScalarNode)?.Value ?? string.Empty;
                var field = $"{p}.options.{digit}";
                if (digit.Length != 1 || !IsDtmf(digit[0]))
                {
                    file.Error(key, field, $"'{digit}' is not a key; use one of 0-9, * or # (quote * and #)");
                    continue;
                }

                var target = file.Scalar(value, field);
                if (target is null)
                {
                    continue;
                }

                if (!nodeIds.Contains(target))
                {
                    file.Error(value, field, UnknownNode(target));
                    continue;
                }

                options[digit[0]] = target;
            }

            if (optionsMap.Children.Count == 0)
            {
                file.Error(optionsMap, $"{p}.options", "a menu needs at least one option");
            }
        }

        var timeout = file.Duration(map, "timeout", p, TimeSpan.FromMilliseconds(500), MaxTimeout);
        var retries = file.Int(map, "retries", p, 0, 10);
        var invalidPrompts = Prompts(map, "invalid_prompts", p, required: false);
        var noInputPrompts = Prompts(map, "no_input_prompts", p, required: false);
        var invalid = Target(map, "invalid", p, required: false);
        var noInput = Target(map, "no_input", p, required: false);
        var fallback = Target(map, "default", p, required: true);
        var bargeIn = file.Bool(map, "barge_in", p) ?? true;
        if (list is null || fallback is null)
        {
            return null;
        }

        var node = new MenuNode
        {
            Id = id, Prompts = list, Options = options, InvalidPrompts = invalidPrompts ?? [], NoInputPrompts = noInputPrompts ?? [],
            Invalid = invalid, NoInput = noInput, Default = fallback, BargeIn = bargeIn,
        };
        node = timeout is { } t ? node with { Timeout = t } : node;
        return retries is { } r ? node with { Retries = r } : node;
    }

    private CollectNode? ParseCollect(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "into", "min_digits", "max_digits", "terminator", "timeout", "inter_digit_timeout", "retries", "invalid_prompts", "next", "no_input");
        var list = Prompts(map, "prompts", p, required: true);
        var into = file.String(map, "into", p, required: true);
        var min = file.Int(map, "min_digits", p, 1, 32) ?? 1;
        var max = file.Int(map, "max_digits", p, 1, 32);
        if (max is null && YamlFile.Get(map, "max_digits") is null)
        {
            file.Error(YamlFile.KeyOrMap(map, "max_digits"), $"{p}.max_digits", "is required");
        }

        if (max is { } m && min > m)
        {
            file.Error(YamlFile.Get(map, "min_digits"), $"{p}.min_digits", $"min_digits ({min}) is larger than max_digits ({m})");
        }

        char? terminator = null;
        var termText = file.String(map, "terminator", p, required: false);
        if (termText is not null)
        {
            if (termText.Length == 1 && IsDtmf(termText[0]))
            {
                terminator = termText[0];
            }
            else
            {
                file.Error(YamlFile.Get(map, "terminator"), $"{p}.terminator", $"'{termText}' is not a key; use \"#\" or \"*\" (quoted)");
            }
        }

        var timeout = file.Duration(map, "timeout", p, TimeSpan.FromMilliseconds(500), MaxTimeout);
        var interDigit = file.Duration(map, "inter_digit_timeout", p, TimeSpan.FromMilliseconds(500), MaxTimeout);
        var retries = file.Int(map, "retries", p, 0, 10);
        var invalidPrompts = Prompts(map, "invalid_prompts", p, required: false);
        var next = Target(map, "next", p, required: true);
        var noInput = Target(map, "no_input", p, required: true);
        if (list is null || into is null || max is null || next is null || noInput is null)
        {
            return null;
        }

        var node = new CollectNode
        {
            Id = id, Prompts = list, Into = into, MinDigits = min, MaxDigits = max.Value, Terminator = terminator,
            InvalidPrompts = invalidPrompts ?? [], Next = next, NoInput = noInput,
        };
        node = timeout is { } t ? node with { Timeout = t } : node;
        node = interDigit is { } d ? node with { InterDigitTimeout = d } : node;
        return retries is { } r ? node with { Retries = r } : node;
    }

    private HoursNode? ParseHours(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "time_zone", "schedule", "holidays", "open", "closed");
        TimeZoneInfo? zone = null;
        var zoneText = file.String(map, "time_zone", p, required: true);
        if (zoneText is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneText, out zone))
        {
            file.Error(YamlFile.Get(map, "time_zone"), $"{p}.time_zone", $"unknown time zone '{zoneText}' (use an IANA name such as Europe/Berlin or America/New_York)");
        }

        var schedule = new Dictionary<DayOfWeek, IReadOnlyList<(TimeOnly, TimeOnly, bool)>>();
        var scheduleMap = file.Map(map, "schedule", p, required: true);
        if (scheduleMap is not null)
        {
            file.CheckKeys(scheduleMap, $"{p}.schedule", Days.Select(d => d.Key).ToArray());
            foreach (var (key, day) in Days)
            {
                var ranges = new List<(TimeOnly, TimeOnly, bool)>();
                foreach (var item in file.List(scheduleMap, key, $"{p}.schedule", required: false) ?? [])
                {
                    var field = $"{p}.schedule.{key}";
                    var text = file.Scalar(item, field);
                    if (text is null)
                    {
                        continue;
                    }

                    if (text == "closed")
                    {
                        continue;
                    }

                    if (TryParseRange(text, out var range))
                    {
                        ranges.Add(range);
                    }
                    else
                    {
                        file.Error(item, field, $"'{text}' is not a time range; write HH:MM-HH:MM (24-hour, end after start, 24:00 allowed) or closed");
                    }
                }

                schedule[day] = ranges;
            }
        }

        var holidays = new HashSet<DateOnly>();
        foreach (var item in file.List(map, "holidays", p, required: false) ?? [])
        {
            var field = $"{p}.holidays";
            var text = file.Scalar(item, field);
            if (text is null)
            {
                continue;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                holidays.Add(date);
            }
            else
            {
                file.Error(item, field, $"'{text}' is not a date; write YYYY-MM-DD");
            }
        }

        var open = Target(map, "open", p, required: true);
        var closed = Target(map, "closed", p, required: true);
        return zone is null || scheduleMap is null || open is null || closed is null
            ? null
            : new HoursNode { Id = id, TimeZone = zone, Schedule = schedule, Holidays = holidays, Open = open, Closed = closed };
    }

    private IdentifyNode? ParseIdentify(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "by", "from", "timeout", "known", "unknown");
        var byText = file.String(map, "by", p, required: false) ?? "ani";
        IdentifyBy? by = byText switch
        {
            "ani" => IdentifyBy.Ani,
            "digits" => IdentifyBy.Digits,
            _ => null,
        };
        if (by is null)
        {
            file.Error(YamlFile.Get(map, "by"), $"{p}.by", $"'{byText}' is not a way to identify; use ani or digits");
        }

        var from = file.String(map, "from", p, required: by == IdentifyBy.Digits);
        var timeout = file.Duration(map, "timeout", p, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        var known = Target(map, "known", p, required: true);
        var unknown = Target(map, "unknown", p, required: true);
        if (by is null || known is null || unknown is null)
        {
            return null;
        }

        var node = new IdentifyNode { Id = id, By = by.Value, From = from, Known = known, Unknown = unknown };
        return timeout is { } t ? node with { Timeout = t } : node;
    }

    private CaseStatusNode? ParseCaseStatus(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "case_number", "timeout", "found", "not_found");
        var from = file.String(map, "case_number", p, required: false);
        var timeout = file.Duration(map, "timeout", p, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
        var found = Target(map, "found", p, required: true);
        var notFound = Target(map, "not_found", p, required: true);
        RequireSystemPrompts(map, p, PromptNames.CaseReadbackPrompts());
        if (found is null || notFound is null)
        {
            return null;
        }

        var node = new CaseStatusNode { Id = id, CaseNumberFrom = from, Found = found, NotFound = notFound };
        return timeout is { } t ? node with { Timeout = t } : node;
    }

    private CallbackNode? ParseCallback(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "accept", "queue", "confirm_prompts", "timeout", "declined");
        var list = Prompts(map, "prompts", p, required: true);
        var accept = Digit(map, "accept", p) ?? '1';
        var queue = Queue(map, "queue", p);
        var confirm = Prompts(map, "confirm_prompts", p, required: false);
        var timeout = file.Duration(map, "timeout", p, TimeSpan.FromMilliseconds(500), MaxTimeout);
        var declined = Target(map, "declined", p, required: true);
        if (list is null || queue is null || declined is null)
        {
            return null;
        }

        var node = new CallbackNode { Id = id, Prompts = list, AcceptDigit = accept, Queue = queue, ConfirmPrompts = confirm ?? [], Declined = declined };
        return timeout is { } t ? node with { Timeout = t } : node;
    }

    private SetNode? ParseSet(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "skills", "priority", "language", "next");
        var skills = Skills(map, p);
        var priority = file.Int(map, "priority", p, 0, 100);
        var language = file.String(map, "language", p, required: false);
        var next = Target(map, "next", p, required: true);
        if (skills.Count == 0 && priority is null && language is null && YamlFile.Get(map, "skills") is null)
        {
            file.Error(map, p, "a set node needs at least one of skills, priority or language");
        }

        return next is null ? null : new SetNode { Id = id, Skills = skills, Priority = priority, Language = language, Next = next };
    }

    private QueueNode? ParseQueue(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "queue", "skills", "priority", "prompts", "music", "announce_every", "callback_after", "callback_digit", "callback_prompts", "callback_confirm_prompts");
        var queue = Queue(map, "queue", p);
        var skills = Skills(map, p);
        var priority = file.Int(map, "priority", p, 0, 100);
        var list = Prompts(map, "prompts", p, required: false);
        var musicText = file.String(map, "music", p, required: false);
        if (musicText is not null)
        {
            CheckPrompt(YamlFile.Get(map, "music")!, $"{p}.music", musicText);
        }

        var announce = file.Duration(map, "announce_every", p, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
        var callbackAfter = file.Duration(map, "callback_after", p, TimeSpan.FromSeconds(5), TimeSpan.FromHours(2));
        var callbackDigit = Digit(map, "callback_digit", p) ?? '1';
        var callbackPrompts = Prompts(map, "callback_prompts", p, required: false);
        var confirmPrompts = Prompts(map, "callback_confirm_prompts", p, required: false);
        if (musicText is null)
        {
            RequireSystemPrompts(map, p, [PromptNames.HoldMusic]);
        }

        if (announce is not null)
        {
            RequireSystemPrompts(map, p, PromptNames.AnnouncementPrompts());
        }

        if (callbackAfter is not null)
        {
            RequireSystemPrompts(map, p, [.. callbackPrompts is null ? [PromptNames.CallbackOffer] : Array.Empty<string>(), .. confirmPrompts is null ? [PromptNames.CallbackConfirmed] : Array.Empty<string>()]);
        }

        if (queue is null)
        {
            return null;
        }

        var node = new QueueNode
        {
            Id = id, Queue = queue, Skills = skills, Priority = priority, Prompts = list ?? [], AnnounceEvery = announce,
            CallbackAfter = callbackAfter, CallbackDigit = callbackDigit,
        };
        node = musicText is not null ? node with { Music = musicText } : node;
        node = callbackPrompts is not null ? node with { CallbackPrompts = callbackPrompts } : node;
        return confirmPrompts is not null ? node with { CallbackConfirmPrompts = confirmPrompts } : node;
    }

    private HangUpNode? ParseHangUp(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "reason");
        var list = Prompts(map, "prompts", p, required: false);
        var reason = file.String(map, "reason", p, required: false);
        var node = new HangUpNode { Id = id, Prompts = list ?? [] };
        return reason is not null ? node with { Reason = reason } : node;
    }

    private VoicemailNode? ParseVoicemail(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "max_length", "queue");
        var list = Prompts(map, "prompts", p, required: false);
        var maxLength = file.Duration(map, "max_length", p, VoicemailLimits.ShortestMaxLength, VoicemailLimits.LongestMaxLength);
        var queue = Queue(map, "queue", p);
        RequireSystemPrompts(map, p, [.. list is null ? [PromptNames.VoicemailGreeting] : Array.Empty<string>(), PromptNames.VoicemailBeep]);
        if (queue is null)
        {
            return null;
        }

        return new VoicemailNode { Id = id, Prompts = list ?? [], MaxLength = maxLength, Queue = queue };
    }

    private TransferNode? ParseTransfer(string id, YamlMappingNode map, string p)
    {
        file.CheckKeys(map, p, "type", "path", "prompts", "target");
        var list = Prompts(map, "prompts", p, required: false);
        var target = file.String(map, "target", p, required: true);
        return target is null ? null : new TransferNode { Id = id, Prompts = list ?? [], Target = target };
    }

    private string? Target(YamlMappingNode map, string key, string prefix, bool required)
    {
        var target = file.String(map, key, prefix, required);
        if (target is not null && !nodeIds.Contains(target))
        {
            file.Error(YamlFile.Get(map, key), YamlFile.Join(prefix, key), UnknownNode(target));
            return null;
        }

        return target;
    }

    private string UnknownNode(string target) =>
        $"unknown node '{target}' (nodes in this flow: {string.Join(", ", nodeIds.Order(StringComparer.Ordinal))})";

    private List<string>? Prompts(YamlMappingNode map, string key, string prefix, bool required)
    {
        var items = file.List(map, key, prefix, required);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"{YamlFile.Join(prefix, key)}[{i}]";
            var name = file.Scalar(items[i], field);
            if (name is null)
            {
                continue;
            }

            if (name == PromptNames.CallerNamePlaceholder || CheckPrompt(items[i], field, name))
            {
                result.Add(name);
            }
        }

        return result;
    }

    private bool CheckPrompt(YamlNode node, string field, string name)
    {
        if (name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
        {
            file.Error(node, field, $"write prompt names without .wav ('{name[..^4]}')");
            return false;
        }

        if (!prompts.Contains(name))
        {
            file.Error(node, field, $"missing prompt file prompts/{name}.wav");
            return false;
        }

        return true;
    }

    private void RequireSystemPrompts(YamlMappingNode map, string prefix, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (!prompts.Contains(name) && missingSystemPromptsReported.Add(name))
            {
                file.Error(YamlFile.KeyOrMap(map, "type"), $"{prefix}.type", $"missing prompt file prompts/{name}.wav, which this node reads back (run prompts/generate.sh)");
            }
        }
    }

    private string? Queue(YamlMappingNode map, string key, string prefix)
    {
        var queue = file.String(map, key, prefix, required: true);
        if (queue is not null && queues is not null && !queues.Contains(queue))
        {
            file.Error(YamlFile.Get(map, key), YamlFile.Join(prefix, key), TelephonyConfigLoader.UnknownQueue(queue, queues));
            return null;
        }

        return queue;
    }

    private char? Digit(YamlMappingNode map, string key, string prefix)
    {
        var text = file.String(map, key, prefix, required: false);
        if (text is null)
        {
            return null;
        }

        if (text.Length == 1 && IsDtmf(text[0]))
        {
            return text[0];
        }

        file.Error(YamlFile.Get(map, key), YamlFile.Join(prefix, key), $"'{text}' is not a key; use one of 0-9, * or # (quoted)");
        return null;
    }

    private List<SkillLevel> Skills(YamlMappingNode map, string prefix)
    {
        var skills = new List<SkillLevel>();
        var items = file.List(map, "skills", prefix, required: false) ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"{prefix}.skills[{i}]";
            string? name;
            var level = 1;
            if (items[i] is YamlMappingNode skillMap)
            {
                file.CheckKeys(skillMap, field, "skill", "level");
                name = file.String(skillMap, "skill", field, required: true);
                level = file.Int(skillMap, "level", field, 1, 5) ?? 1;
            }
            else
            {
                var text = file.Scalar(items[i], field);
                if (text is null)
                {
                    continue;
                }

                var colon = text.IndexOf(':', StringComparison.Ordinal);
                name = colon < 0 ? text : text[..colon];
                if (colon >= 0 && (!int.TryParse(text[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out level) || level is < 1 or > 5))
                {
                    file.Error(items[i], field, $"'{text}': the level after ':' must be 1 to 5");
                    continue;
                }
            }

            if (name is null)
            {
                continue;
            }

            if (name.Length == 0 || name != name.ToLowerInvariant() || name.Any(char.IsWhiteSpace))
            {
                file.Error(items[i], field, $"skill '{name}' must be one lower-case word (e.g. billing, lang-fr)");
                continue;
            }

            skills.Add(new SkillLevel { Skill = name, Level = level });
        }

        return skills;
    }

    private bool CheckGraph(string start, Dictionary<string, IvrNode> nodes, Dictionary<string, YamlNode> keyNodes)
    {
        var ok = true;
        var reachable = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.TryDequeue(out var id))
        {
            foreach (var target in nodes[id].Targets)
            {
                if (reachable.Add(target))
                {
                    queue.Enqueue(target);
                }
            }
        }

        foreach (var id in nodes.Keys)
        {
            if (!reachable.Contains(id))
            {
                file.Error(keyNodes[id], $"nodes.{id}", $"unreachable node: no path from start '{start}' leads here");
                ok = false;
            }
        }

        // Nodes from which an exit (queue, callback, hang-up, transfer, voicemail) can be reached, by walking edges backwards.
        var canExit = new HashSet<string>(nodes.Values.Where(n => n.IsExit).Select(n => n.Id), StringComparer.Ordinal);
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var node in nodes.Values)
            {
                if (!canExit.Contains(node.Id) && node.Targets.Any(canExit.Contains))
                {
                    canExit.Add(node.Id);
                    changed = true;
                }
            }
        }

        var inReportedCycle = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in nodes.Keys)
        {
            if (!reachable.Contains(id) || canExit.Contains(id) || inReportedCycle.Contains(id))
            {
                continue;
            }

            // Walk forward until a node repeats: that is the cycle the caller is trapped in.
            var order = new List<string>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var current = id;
            while (!seen.ContainsKey(current))
            {
                seen[current] = order.Count;
                order.Add(current);
                current = nodes[current].Targets.First();
            }

            var cycle = order.Skip(seen[current]).ToList();
            if (cycle.Any(inReportedCycle.Contains))
            {
                continue;
            }

            inReportedCycle.UnionWith(cycle);
            var firstIndex = cycle.IndexOf(cycle.OrderBy(c => keyNodes[c].Start.Line).First());
            var rotated = cycle.Skip(firstIndex).Concat(cycle.Take(firstIndex)).ToList();
            var described = string.Join(" > ", rotated.Append(rotated[0]));
            file.Error(keyNodes[rotated[0]], $"nodes.{rotated[0]}", $"loop with no exit: {described} never reaches a queue, callback, hangup, transfer or voicemail");
            ok = false;
        }

        return CheckInstantLoops(nodes, keyNodes, reachable) && ok;
    }

    /// <summary>
    /// A cycle made only of nodes that never wait (hours, set) would spin without pause even if it has an exit on
    /// another branch (e.g. an hours node whose open branch leads back to itself).
    /// </summary>
    private bool CheckInstantLoops(Dictionary<string, IvrNode> nodes, Dictionary<string, YamlNode> keyNodes, HashSet<string> reachable)
    {
        static bool Instant(IvrNode n) => n is HoursNode or SetNode;
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the stack, 2 = done
        var stack = new List<string>();
        var ok = true;

        void Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (var target in nodes[id].Targets.Where(t => Instant(nodes[t])))
            {
                if (!state.TryGetValue(target, out var s))
                {
                    Visit(target);
                }
                else if (s == 1 && ok)
                {
                    var cycle = stack.Skip(stack.IndexOf(target)).ToList();
                    var described = string.Join(" > ", cycle.Append(target));
                    file.Error(keyNodes[target], $"nodes.{target}", $"loop with no pause: {described} passes only through nodes that never wait (hours, set), so a call would spin in it");
                    ok = false;
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
        }

        foreach (var node in nodes.Values.Where(n => Instant(n) && reachable.Contains(n.Id)))
        {
            if (!state.ContainsKey(node.Id))
            {
                Visit(node.Id);
            }
        }

        return ok;
    }

    private static bool TryParseRange(string text, out (TimeOnly From, TimeOnly To, bool ToMidnight) range)
    {
        range = default;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var fromText = text[..dash].Trim();
        var toText = text[(dash + 1)..].Trim();
        if (!TimeOnly.TryParseExact(fromText, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
        {
            return false;
        }

        if (toText == "24:00")
        {
            range = (from, TimeOnly.MaxValue, true);
            return true;
        }

        if (!TimeOnly.TryParseExact(toText, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to) || to <= from)
        {
            return false;
        }

        range = (from, to, false);
        return true;
    }

    private static bool IsDtmf(char c) => char.IsAsciiDigit(c) || c is '*' or '#';
}
