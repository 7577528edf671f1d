using System.Net;
using ContactCenter.Sip.Message;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Telephony.Configuration;

/// <summary>
/// The outbound half of telephony-config: trunks.yaml <c>outbound:</c> (trunks the gateway dials out through) and each
/// queue's <c>callback:</c> settings in queues.yaml. Errors name file, line and field like the rest of the loader.
/// </summary>
internal static class OutboundConfigLoader
{
    /// <summary>Reads trunks.yaml's <c>outbound:</c> list (absent: no outbound trunk, so nothing can be dialled).</summary>
    public static List<OutboundTrunk>? LoadOutboundTrunks(string root, List<ConfigError> errors)
    {
        var path = Path.Combine(root, TelephonyConfigLoader.TrunksFile);
        if (!File.Exists(path))
        {
            return null; // reported by the inbound loader
        }

        var throwaway = new List<ConfigError>();
        var file = YamlFile.Load(path, TelephonyConfigLoader.TrunksFile, throwaway); // syntax errors are reported once, by the inbound loader
        if (file is null)
        {
            return null;
        }

        var trunks = new List<OutboundTrunk>();
        if (YamlFile.Get(file.Root, "outbound") is null)
        {
            return trunks;
        }

        var before = throwaway.Count;
        var list = file.List(file.Root, "outbound", string.Empty, required: false) ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var prefix = $"outbound[{i}]";
            if (list[i] is not YamlMappingNode map)
            {
                file.Error(list[i], prefix, "expected a mapping with name, address, callerId and dial");
                continue;
            }

            file.CheckKeys(map, prefix, "name", "address", "transport", "callerId", "dial", "username", "password", "srtp", "tlsServerName", "tlsCa", "tlsPin");
            var name = file.String(map, "name", prefix, required: true);
            if (name is not null && !names.Add(name))
            {
                file.Error(YamlFile.Get(map, "name"), $"{prefix}.name", $"outbound trunk '{name}' is defined twice");
            }

            IPEndPoint? address = null;
            var addressText = file.String(map, "address", prefix, required: true);
            if (addressText is not null && !IPEndPoint.TryParse(addressText, out address))
            {
                file.Error(YamlFile.Get(map, "address"), $"{prefix}.address", $"'{addressText}' is not an IP address with a port (e.g. 192.0.2.10:5060, [2001:db8::1]:5060)");
            }
            else if (address is { Port: 0 })
            {
                file.Error(YamlFile.Get(map, "address"), $"{prefix}.address", $"'{addressText}' has no port (e.g. 192.0.2.10:5060)");
                address = null;
            }

            var transportText = file.String(map, "transport", prefix, required: false) ?? "udp";
            SipProtocol? transport = transportText switch
            {
                "udp" => SipProtocol.Udp,
                "tcp" => SipProtocol.Tcp,
                "tls" => SipProtocol.Tls,
                _ => null,
            };
            if (transport is null)
            {
                file.Error(YamlFile.Get(map, "transport"), $"{prefix}.transport", $"'{transportText}' is not one of udp, tcp, tls");
            }

            // SDES keys travel in the SDP: only over TLS, or they protect nothing (RFC 4568 §8.3).
            var srtp = TelephonyConfigLoader.ReadSrtp(file, map, prefix) ?? Telephony.Gateway.Legs.SrtpPolicy.Off;
            if (srtp != Telephony.Gateway.Legs.SrtpPolicy.Off && transport is not null and not SipProtocol.Tls)
            {
                file.Error(YamlFile.Get(map, "srtp"), $"{prefix}.srtp",
                    $"srtp: {SrtpText(srtp)} needs transport: tls (the SDES keys are sent in the SDP, which would go in clear over {transportText})");
            }

            var trust = ReadTlsTrust(file, map, prefix, root, transport);

            var callerId = file.String(map, "callerId", prefix, required: true);
            if (callerId is not null && DialPlan.Normalise(callerId) != callerId)
            {
                file.Error(YamlFile.Get(map, "callerId"), $"{prefix}.callerId", $"'{callerId}' is not a number (digits, optionally with a leading +)");
            }

            var patterns = new List<DialPattern>();
            var dial = file.List(map, "dial", prefix, required: true) ?? [];
            for (var j = 0; j < dial.Count; j++)
            {
                var field = $"{prefix}.dial[{j}]";
                var text = file.Scalar(dial[j], field);
                if (text is null)
                {
                    continue;
                }

                if (DialPattern.Check(text) is { } why)
                {
                    file.Error(dial[j], field, $"'{text}' is not a dial pattern: {why}");
                }
                else
                {
                    patterns.Add(new DialPattern(text));
                }
            }

            var user = file.String(map, "username", prefix, required: false);
            var password = file.String(map, "password", prefix, required: false);
            if ((user is null) != (password is null))
            {
                file.Error(map, prefix, "username and password go together: give both or neither");
            }

            if (name is not null && address is not null && transport is not null && callerId is not null)
            {
                trunks.Add(new OutboundTrunk
                {
                    Name = name,
                    Address = address,
                    Transport = transport.Value,
                    CallerId = callerId,
                    Dial = patterns,
                    Credentials = user is not null && password is not null ? (user, password) : null,
                    Srtp = srtp,
                    TlsTrust = transport == SipProtocol.Tls ? trust : null,
                });
            }
        }

        errors.AddRange(throwaway.Skip(before));
        return trunks;
    }

    private static string SrtpText(Telephony.Gateway.Legs.SrtpPolicy policy) => policy.ToString().ToLowerInvariant();

    /// <summary>
    /// The certificate check of a TLS trunk: <c>tlsServerName</c> (the name its certificate must carry; default its IP
    /// address), <c>tlsCa</c> (a PEM file of the private CA that issued it, relative to telephony-config) or <c>tlsPin</c>
    /// (the SHA-256 of its certificate). Verification is never off. The keys on a trunk that is not TLS are refused.
    /// </summary>
    private static Sip.Transport.SipTlsTrust? ReadTlsTrust(YamlFile file, YamlMappingNode map, string prefix, string root, SipProtocol? transport)
    {
        var serverName = file.String(map, "tlsServerName", prefix, required: false);
        var ca = file.String(map, "tlsCa", prefix, required: false);
        var pinText = file.String(map, "tlsPin", prefix, required: false);
        if (transport is not null and not SipProtocol.Tls)
        {
            foreach (var key in (string[])["tlsServerName", "tlsCa", "tlsPin"])
            {
                if (YamlFile.Get(map, key) is { } node)
                {
                    file.Error(node, $"{prefix}.{key}", $"{key} applies to transport: tls only");
                }
            }

            return null;
        }

        if (serverName is not null && Uri.CheckHostName(serverName) is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            file.Error(YamlFile.Get(map, "tlsServerName"), $"{prefix}.tlsServerName", $"'{serverName}' is not a host name or IP address");
        }

        if (ca is not null && pinText is not null)
        {
            file.Error(YamlFile.Get(map, "tlsPin"), $"{prefix}.tlsPin", "give tlsCa or tlsPin, not both (a pin accepts exactly one certificate whoever issued it)");
        }

        byte[]? pin = null;
        if (pinText is not null && (pin = Sip.Transport.SipTlsTrust.ParsePin(pinText)) is null)
        {
            file.Error(YamlFile.Get(map, "tlsPin"), $"{prefix}.tlsPin",
                $"'{pinText}' is not a SHA-256 fingerprint (64 hex digits, colons allowed, e.g. from `openssl x509 -noout -fingerprint -sha256`)");
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2Collection? roots = null;
        if (ca is not null)
        {
            var path = Path.IsPathRooted(ca) ? ca : Path.Combine(root, ca);
            try
            {
                roots = [];
                roots.ImportFromPemFile(path);
                if (roots.Count == 0)
                {
                    file.Error(YamlFile.Get(map, "tlsCa"), $"{prefix}.tlsCa", $"'{path}' holds no PEM certificate");
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                file.Error(YamlFile.Get(map, "tlsCa"), $"{prefix}.tlsCa", $"'{path}' could not be read as PEM certificates: {error.Message}");
            }
        }

        return new Sip.Transport.SipTlsTrust { ServerName = serverName, TrustedRoots = roots, PinnedSha256 = pin };
    }

    /// <summary>Reads each queue's <c>callback:</c> settings from queues.yaml (queues without one get the defaults).</summary>
    public static Dictionary<string, QueueCallbackSettings>? LoadCallbackSettings(string root, List<ConfigError> errors)
    {
        var path = Path.Combine(root, TelephonyConfigLoader.QueuesFile);
        var throwaway = new List<ConfigError>();
        var file = File.Exists(path) ? YamlFile.Load(path, TelephonyConfigLoader.QueuesFile, throwaway) : null;
        if (file is null || YamlFile.Get(file.Root, "queues") is not YamlSequenceNode list)
        {
            return null; // reported by the queue-name loader
        }

        var before = throwaway.Count;
        var settings = new Dictionary<string, QueueCallbackSettings>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (list.Children[i] is not YamlMappingNode map || (YamlFile.Get(map, "name") as YamlScalarNode)?.Value is not { } name)
            {
                continue;
            }

            var prefix = $"queues[{i}].callback";
            var value = QueueCallbackSettings.Default;
            if (YamlFile.Get(map, "callback") is YamlMappingNode callback)
            {
                // mode and previewSeconds are routing's to carry out (the offer on the agent's desktop) and to check; the gateway
                // places a preview callback like a progressive one once the agent accepted it.
                file.CheckKeys(callback, prefix, "mode", "previewSeconds", "attempts", "retryAfterSeconds", "noAnswerSeconds");
                var mode = file.String(callback, "mode", prefix, required: false);
                if (mode is not null and not ("progressive" or "preview"))
                {
                    file.Error(YamlFile.Get(callback, "mode"), $"{prefix}.mode", $"'{mode}' is not one of progressive, preview");
                }

                value = value with
                {
                    Attempts = file.Int(callback, "attempts", prefix, 1, 10) ?? value.Attempts,
                    RetryAfter = file.Int(callback, "retryAfterSeconds", prefix, 1, 86_400) is { } retry ? TimeSpan.FromSeconds(retry) : value.RetryAfter,
                    NoAnswer = file.Int(callback, "noAnswerSeconds", prefix, 5, 300) is { } ring ? TimeSpan.FromSeconds(ring) : value.NoAnswer,
                };
            }

            settings[name] = value;
        }

        errors.AddRange(throwaway.Skip(before));
        return settings;
    }
}
