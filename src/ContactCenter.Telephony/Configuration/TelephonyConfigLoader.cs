using System.Net;
using System.Net.Sockets;
using ContactCenter.Telephony.Ivr;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Telephony.Configuration;

/// <summary>
/// Loads telephony-config (trunks.yaml, dids.yaml, ivr/*.yaml, queues.yaml names, prompts/) and validates it as a
/// whole. Every error is collected (file, line, column, field); if there is any, nothing is returned — a broken
/// file never half-loads.
/// </summary>
internal static class TelephonyConfigLoader
{
    public const string TrunksFile = "trunks.yaml";
    public const string DidsFile = "dids.yaml";
    public const string QueuesFile = "queues.yaml";
    public const string FlowsFolder = "ivr";
    public const string PromptsFolder = "prompts";

    /// <summary>Loads and validates; throws <see cref="TelephonyConfigException"/> with every error found.</summary>
    public static TelephonyConfig Load(string rootPath)
    {
        var (config, errors) = TryLoad(rootPath);
        return config ?? throw new TelephonyConfigException(errors);
    }

    /// <summary>Loads and validates; returns either the config (no errors) or every error found (no config).</summary>
    public static (TelephonyConfig? Config, IReadOnlyList<ConfigError> Errors) TryLoad(string rootPath)
    {
        var errors = new List<ConfigError>();
        var root = Path.GetFullPath(rootPath);
        if (!Directory.Exists(root))
        {
            errors.Add(new ConfigError(rootPath, 0, 0, "Telephony:ConfigPath", $"the telephony-config folder '{root}' does not exist"));
            return (null, errors);
        }

        var prompts = PromptCatalog.Scan(Path.Combine(root, PromptsFolder));
        var queues = LoadQueueNames(root, errors);
        var brokenFlows = new HashSet<string>(StringComparer.Ordinal);
        var flowFiles = new Dictionary<string, YamlFile>(StringComparer.Ordinal);
        var flows = LoadFlows(root, prompts, queues, brokenFlows, flowFiles, errors);
        var trunks = LoadTrunks(root, errors);
        var dids = LoadDids(root, flows, brokenFlows, queues, trunks, prompts, errors);
        var outbound = OutboundConfigLoader.LoadOutboundTrunks(root, errors);
        var callbacks = OutboundConfigLoader.LoadCallbackSettings(root, errors);
        var dialPlan = new DialPlan(outbound ?? []);
        CheckOutboundUse(flows, flowFiles, dialPlan);

        if (errors.Count > 0 || trunks is null || dids is null || queues is null || callbacks is null)
        {
            return (null, errors);
        }

        var config = new TelephonyConfig
        {
            RootPath = root,
            Trunks = trunks,
            Dids = dids,
            Flows = flows,
            Queues = queues,
            Prompts = prompts,
            DialPlan = dialPlan,
            Callbacks = callbacks,
        };
        return (config, errors);
    }

    /// <summary>
    /// What the IVR promises must be deliverable: a callback needs an outbound trunk to place it, and a transfer node's
    /// target must be a number some outbound trunk may dial (the gateway dials it and bridges the caller).
    /// </summary>
    private static void CheckOutboundUse(Dictionary<string, IvrFlow> flows, Dictionary<string, YamlFile> flowFiles, DialPlan dialPlan)
    {
        const string NoTrunk = "a callback needs an outbound trunk to place it: add one under 'outbound:' in " + TrunksFile;
        foreach (var (name, flow) in flows)
        {
            var file = flowFiles[name];
            var nodes = YamlFile.Get(file.Root, "nodes") as YamlMappingNode;
            YamlNode? At(string id, string? key)
            {
                var node = nodes is null ? null : YamlFile.Get(nodes, id);
                return key is not null && node is YamlMappingNode map ? YamlFile.Get(map, key) ?? node : node;
            }

            foreach (var (id, node) in flow.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal))
            {
                switch (node)
                {
                    case CallbackNode when dialPlan.Trunks.Count == 0:
                        file.Error(At(id, null), $"nodes.{id}", NoTrunk);
                        break;
                    case QueueNode { CallbackAfter: not null } when dialPlan.Trunks.Count == 0:
                        file.Error(At(id, "callback_after"), $"nodes.{id}.callback_after", NoTrunk);
                        break;
                    case TransferNode transfer:
                        var number = DialPlan.Normalise(transfer.Target);
                        if (number is null)
                        {
                            file.Error(At(id, "target"), $"nodes.{id}.target", $"'{transfer.Target}' is not a number: a transfer dials a number through an outbound trunk");
                        }
                        else if (dialPlan.TrunkFor(number) is null)
                        {
                            file.Error(At(id, "target"), $"nodes.{id}.target", $"no outbound trunk in {TrunksFile} may dial '{number}'");
                        }
                        break;
                }
            }
        }
    }

    private static HashSet<string>? LoadQueueNames(string root, List<ConfigError> errors)
    {
        var path = Path.Combine(root, QueuesFile);
        if (!File.Exists(path))
        {
            errors.Add(new ConfigError(QueuesFile, 0, 0, "(file)", "missing: the queue list (top-level 'queues:' with a 'name:' per queue) is required"));
            return null;
        }

        var countBefore = errors.Count;
        var file = YamlFile.Load(path, QueuesFile, errors);
        if (file is null)
        {
            return null;
        }

        var list = file.List(file.Root, "queues", string.Empty, required: true);
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (list is null)
        {
            return null;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var prefix = $"queues[{i}]";
            if (list[i] is not YamlMappingNode map)
            {
                file.Error(list[i], prefix, "expected a mapping with 'name:'");
                continue;
            }

            var name = file.String(map, "name", prefix, required: true);
            if (name is not null && !names.Add(name))
            {
                file.Error(YamlFile.Get(map, "name"), $"{prefix}.name", $"queue '{name}' is listed twice");
            }
        }

        return errors.Count == countBefore ? names : null;
    }

    private static Dictionary<string, IvrFlow> LoadFlows(
        string root, PromptCatalog prompts, HashSet<string>? queues, HashSet<string> brokenFlows, Dictionary<string, YamlFile> flowFiles, List<ConfigError> errors)
    {
        var flows = new Dictionary<string, IvrFlow>(StringComparer.Ordinal);
        var folder = Path.Combine(root, FlowsFolder);
        if (!Directory.Exists(folder))
        {
            return flows;
        }

        var files = Directory.EnumerateFiles(folder, "*.yaml", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateFiles(folder, "*.yml", SearchOption.TopDirectoryOnly))
            .Order(StringComparer.Ordinal);
        var firstFileOfFlow = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var relative = $"{FlowsFolder}/{Path.GetFileName(path)}";
            var stem = Path.GetFileNameWithoutExtension(path);
            var file = YamlFile.Load(path, relative, errors);
            if (file is null)
            {
                brokenFlows.Add(stem);
                continue;
            }

            var flow = new FlowParser(file, prompts, queues, stem).Parse();
            if (flow is null)
            {
                // Its own errors are reported; DID routes to it should not add "unknown flow" on top.
                brokenFlows.Add(stem);
                if ((YamlFile.Get(file.Root, "name") as YamlScalarNode)?.Value is { } declared)
                {
                    brokenFlows.Add(declared);
                }

                continue;
            }

            if (firstFileOfFlow.TryGetValue(flow.Name, out var other))
            {
                file.Error(YamlFile.KeyOrMap(file.Root, "name"), "name", $"flow '{flow.Name}' is already defined in {other}");
                continue;
            }

            firstFileOfFlow[flow.Name] = relative;
            flows[flow.Name] = flow;
            flowFiles[flow.Name] = file;
        }

        return flows;
    }

    private static List<Trunk>? LoadTrunks(string root, List<ConfigError> errors)
    {
        var path = Path.Combine(root, TrunksFile);
        if (!File.Exists(path))
        {
            errors.Add(new ConfigError(TrunksFile, 0, 0, "(file)", "missing: at least one trunk is required"));
            return null;
        }

        var file = YamlFile.Load(path, TrunksFile, errors);
        if (file is null)
        {
            return null;
        }

        file.CheckKeys(file.Root, string.Empty, "trunks", "outbound");
        var list = file.List(file.Root, "trunks", string.Empty, required: true);
        if (list is null)
        {
            return null;
        }

        var trunks = new List<Trunk>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var prefix = $"trunks[{i}]";
            if (list[i] is not YamlMappingNode map)
            {
                file.Error(list[i], prefix, "expected a mapping with name, allow (or webCallers) and dids");
                continue;
            }

            file.CheckKeys(map, prefix, "name", "allow", "webCallers", "dids", "srtp");
            var name = file.String(map, "name", prefix, required: true);
            if (name is not null && !names.Add(name))
            {
                file.Error(YamlFile.Get(map, "name"), $"{prefix}.name", $"trunk '{name}' is defined twice");
            }

            // webCallers: true admits browsers (SIP over WebSocket at /sip) instead of source addresses.
            var webCallersSetting = file.Bool(map, "webCallers", prefix);
            // An unreadable webCallers value is reported alone, not also as a missing allow.
            var webCallers = webCallersSetting ?? YamlFile.Get(map, "webCallers") is not null;
            if (webCallers && YamlFile.Get(map, "allow") is { } allowNode)
            {
                file.Error(allowNode, $"{prefix}.allow",
                    "a webCallers trunk admits browsers, not source addresses: remove allow here and list the addresses in a trunk of their own");
            }

            var networks = new List<IPNetwork>();
            IReadOnlyList<YamlNode> allow = webCallers ? [] : file.List(map, "allow", prefix, required: true) ?? [];
            for (var j = 0; j < allow.Count; j++)
            {
                var field = $"{prefix}.allow[{j}]";
                var text = file.Scalar(allow[j], field);
                if (text is null)
                {
                    continue;
                }

                if (TryParseNetwork(text, out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    file.Error(allow[j], field, $"'{text}' is not an IP address or CIDR (e.g. 127.0.0.1, ::1, 10.0.0.0/8)");
                }
            }

            var dids = new HashSet<string>(StringComparer.Ordinal);
            var didList = file.List(map, "dids", prefix, required: true) ?? [];
            for (var j = 0; j < didList.Count; j++)
            {
                var field = $"{prefix}.dids[{j}]";
                var did = file.Scalar(didList[j], field);
                if (did is null)
                {
                    continue;
                }

                if (!IsDid(did))
                {
                    file.Error(didList[j], field, $"'{did}' is not a DID (digits, optionally with a leading +)");
                }
                else if (!dids.Add(did))
                {
                    file.Error(didList[j], field, $"DID '{did}' is listed twice");
                }
            }

            var srtp = ReadSrtp(file, map, prefix);
            if (srtp is not (null or Gateway.Legs.SrtpPolicy.Off) && webCallers)
            {
                file.Error(YamlFile.Get(map, "srtp"), $"{prefix}.srtp",
                    "a webCallers trunk's browsers always use DTLS-SRTP: srtp (SDES, for SIP trunks) does not apply here");
            }

            if (name is not null)
            {
                trunks.Add(new Trunk(name, networks, dids, webCallers) { Srtp = srtp ?? Gateway.Legs.SrtpPolicy.Off });
            }
        }

        return trunks;
    }

    /// <summary>A trunk's <c>srtp:</c> (off, offered, required); null when absent or not one of them (reported).</summary>
    internal static Gateway.Legs.SrtpPolicy? ReadSrtp(YamlFile file, YamlMappingNode map, string prefix)
    {
        var text = file.String(map, "srtp", prefix, required: false);
        if (text is null)
        {
            return null;
        }

        var policy = Gateway.Legs.SdesSdp.Parse(text);
        if (policy is null)
        {
            file.Error(YamlFile.Get(map, "srtp"), $"{prefix}.srtp", $"'{text}' is not one of off, offered, required");
        }

        return policy;
    }

    private static Dictionary<string, DidRoute>? LoadDids(
        string root, Dictionary<string, IvrFlow> flows, HashSet<string> brokenFlows, HashSet<string>? queues, List<Trunk>? trunks, PromptCatalog prompts,
        List<ConfigError> errors)
    {
        var path = Path.Combine(root, DidsFile);
        if (!File.Exists(path))
        {
            errors.Add(new ConfigError(DidsFile, 0, 0, "(file)", "missing: the DID routes (top-level 'dids:') are required"));
            return null;
        }

        var file = YamlFile.Load(path, DidsFile, errors);
        if (file is null)
        {
            return null;
        }

        file.CheckKeys(file.Root, string.Empty, "dids");
        var list = file.List(file.Root, "dids", string.Empty, required: true);
        if (list is null)
        {
            return null;
        }

        var routes = new Dictionary<string, DidRoute>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var prefix = $"dids[{i}]";
            if (list[i] is not YamlMappingNode map)
            {
                file.Error(list[i], prefix, "expected a mapping with did and flow (or queue)");
                continue;
            }

            file.CheckKeys(map, prefix, "did", "flow", "queue", "whenOverloaded", "busyPrompt");
            var did = file.String(map, "did", prefix, required: true);
            var flowName = file.String(map, "flow", prefix, required: false);
            var queue = file.String(map, "queue", prefix, required: false);
            var overload = LoadOverloadAction(file, map, prefix, prompts, out var overloadValid);
            if (did is null || !overloadValid)
            {
                continue;
            }

            var didNode = YamlFile.Get(map, "did");
            if (!IsDid(did))
            {
                file.Error(didNode, $"{prefix}.did", $"'{did}' is not a DID (digits, optionally with a leading +)");
                continue;
            }

            if (routes.ContainsKey(did))
            {
                file.Error(didNode, $"{prefix}.did", $"DID '{did}' is routed twice");
                continue;
            }

            if ((flowName is null) == (queue is null))
            {
                file.Error(map, prefix, "give exactly one of 'flow:' (an IVR flow) or 'queue:' (straight into a queue)");
                continue;
            }

            if (trunks is not null && !trunks.Any(t => t.Dids.Contains(did)))
            {
                file.Error(didNode, $"{prefix}.did", $"DID '{did}' is not carried by any trunk in {TrunksFile}");
            }

            if (flowName is not null)
            {
                if (flows.TryGetValue(flowName, out var flow))
                {
                    routes[did] = new DidRoute(did, flow, null, overload);
                }
                else if (!brokenFlows.Contains(flowName))
                {
                    file.Error(YamlFile.Get(map, "flow"), $"{prefix}.flow", $"unknown flow '{flowName}' (flows: {string.Join(", ", flows.Keys.Order(StringComparer.Ordinal))})");
                }
            }
            else if (queue is not null)
            {
                if (queues is not null && !queues.Contains(queue))
                {
                    file.Error(YamlFile.Get(map, "queue"), $"{prefix}.queue", UnknownQueue(queue, queues));
                }
                else
                {
                    routes[did] = new DidRoute(did, IvrFlow.DirectToQueue(did, queue), queue, overload);
                }
            }
        }

        foreach (var trunk in trunks ?? [])
        {
            foreach (var did in trunk.Dids.Order(StringComparer.Ordinal))
            {
                if (!routes.ContainsKey(did) && !list.OfType<YamlMappingNode>().Any(m => (YamlFile.Get(m, "did") as YamlScalarNode)?.Value == did))
                {
                    errors.Add(new ConfigError(TrunksFile, 0, 0, $"trunks.{trunk.Name}.dids", $"DID '{did}' has no route in {DidsFile}"));
                }
            }
        }

        return routes;
    }

    /// <summary>
    /// A DID's answer to a call refused for overload: <c>whenOverloaded: reject</c> (the default: 503 with Retry-After) or
    /// <c>announce</c> (answer, play <c>busyPrompt</c>, hang up). Null for reject.
    /// </summary>
    private static BusyAnnouncement? LoadOverloadAction(YamlFile file, YamlMappingNode map, string prefix, PromptCatalog prompts, out bool valid)
    {
        valid = true;
        var action = file.String(map, "whenOverloaded", prefix, required: false);
        var prompt = file.String(map, "busyPrompt", prefix, required: false);
        if (action is not (null or "reject" or "announce"))
        {
            file.Error(YamlFile.Get(map, "whenOverloaded"), $"{prefix}.whenOverloaded", $"'{action}' is not an overload action (use reject or announce)");
            valid = false;
            return null;
        }

        if (action == "announce")
        {
            if (prompt is null)
            {
                file.Error(map, $"{prefix}.busyPrompt", "whenOverloaded: announce needs busyPrompt (the prompt played before the hang-up)");
                valid = false;
                return null;
            }

            if (!prompts.Contains(prompt))
            {
                file.Error(YamlFile.Get(map, "busyPrompt"), $"{prefix}.busyPrompt", $"unknown prompt '{prompt}' (no prompts/{prompt}.wav)");
                valid = false;
                return null;
            }

            return new BusyAnnouncement(prompt, prompts.PathOf(prompt));
        }

        if (prompt is not null)
        {
            file.Error(YamlFile.Get(map, "busyPrompt"), $"{prefix}.busyPrompt", "busyPrompt is only played with whenOverloaded: announce (reject answers 503)");
            valid = false;
        }

        return null;
    }

    /// <summary>The message for a queue name missing from queues.yaml.</summary>
    public static string UnknownQueue(string queue, IReadOnlySet<string> queues) =>
        $"unknown queue '{queue}' (queues in {QueuesFile}: {string.Join(", ", queues.Order(StringComparer.Ordinal))})";

    private static bool IsDid(string text)
    {
        var digits = text.StartsWith('+') ? text.AsSpan(1) : text.AsSpan();
        if (digits.IsEmpty || digits.Length > 20)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }
}
