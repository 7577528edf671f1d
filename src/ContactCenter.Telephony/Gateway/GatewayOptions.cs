using ContactCenter.Telephony.Gateway.Voicemail;

namespace ContactCenter.Telephony.Gateway;

/// <summary>Settings of this gateway instance (section <c>Telephony</c>, beside ConfigPath).</summary>
internal sealed class GatewayOptions
{
    /// <summary>
    /// This instance's id (<c>Telephony:GatewayId</c>). Commands for its calls go to the bus endpoint
    /// <c>telephony-{GatewayId}</c>, so several gateways can run side by side. Default: the host name.
    /// </summary>
    public string GatewayId { get; set; } = DefaultGatewayId();

    /// <summary>How often the gateway reports its live calls to routing (<c>Telephony:HeartbeatInterval</c>).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where bridged calls are recorded when their queue asks for it (<c>Telephony:RecordingsPath</c>).</summary>
    public string RecordingsPath { get; set; } = "data/recordings";

    /// <summary>Where the gateway keeps its own state (<c>Telephony:DataPath</c>): the callback ledger, callbacks-{GatewayId}.jsonl.</summary>
    public string DataPath { get; set; } = "data";

    /// <summary>Where voicemail messages are kept (<c>Telephony:VoicemailPath</c>); the CRM serves them from the same folder.</summary>
    public string VoicemailPath { get; set; } = "data/voicemail";

    /// <summary>Voicemail limits (<c>Telephony:Voicemail:*</c>).</summary>
    public VoicemailOptions Voicemail { get; set; } = new();

    /// <summary>Overload control of new inbound calls (<c>Telephony:Admission:*</c>).</summary>
    public Admission.AdmissionOptions Admission { get; set; } = new();

    /// <summary>How long a bus request (caller lookup, case status) may take before the IVR goes on without it.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long an agent's outbound call rings at the customer before it ends as no answer (<c>Telephony:OutboundNoAnswer</c>).</summary>
    public TimeSpan OutboundNoAnswer { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The codecs a browser leg offers and takes, in order of preference (<c>Telephony:BrowserCodecs</c>, comma-separated
    /// PCMU, PCMA, opus). PCMU and PCMA pass through to G.711 legs untouched; Opus is transcoded at the leg's edge.
    /// </summary>
    public string BrowserCodecs { get; set; } = "PCMU,PCMA,opus";

    /// <summary><see cref="BrowserCodecs"/> read (valid after <see cref="Validate"/>).</summary>
    internal IReadOnlyList<Sip.Sdp.WebRtcCodec> BrowserCodecList => ParseBrowserCodecs(BrowserCodecs, out _);

    /// <summary>
    /// SRTP with SDES (RFC 4568) for agents' SIP phones (<c>Telephony:PhoneSrtp</c>): <c>off</c>, <c>offered</c> (a=crypto
    /// offered to phones registered over TLS; plain RTP if they ignore it) or <c>required</c> (a phone not registered over
    /// TLS, or answering without a=crypto, is not used).
    /// </summary>
    public string PhoneSrtp { get; set; } = "offered";

    /// <summary>Per agent login, a <see cref="PhoneSrtp"/> value for that agent's phone (<c>Telephony:PhoneSrtpOverrides:{login}</c>).</summary>
    public Dictionary<string, string> PhoneSrtpOverrides { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The SRTP policy for <paramref name="agentId"/>'s phone.</summary>
    internal Legs.SrtpPolicy PhoneSrtpFor(string agentId) =>
        Legs.SdesSdp.Parse(PhoneSrtpOverrides.TryGetValue(agentId, out var own) ? own : PhoneSrtp) ?? Legs.SrtpPolicy.Off;

    /// <summary>The bus endpoint this instance consumes its commands and events on.</summary>
    public string EndpointName => "telephony-" + GatewayId;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(GatewayId) || GatewayId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            yield return $"Telephony:GatewayId must be letters, digits, '-', '_' or '.' (was '{GatewayId}')";
        }

        if (HeartbeatInterval < TimeSpan.FromMilliseconds(100) || HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            yield return $"Telephony:HeartbeatInterval must be between 00:00:00.1 and 00:05:00 (was {HeartbeatInterval})";
        }

        if (LookupTimeout <= TimeSpan.Zero)
        {
            yield return "Telephony:LookupTimeout must be positive";
        }

        if (OutboundNoAnswer < TimeSpan.FromSeconds(1) || OutboundNoAnswer > TimeSpan.FromMinutes(5))
        {
            yield return $"Telephony:OutboundNoAnswer must be between 00:00:01 and 00:05:00 (was {OutboundNoAnswer})";
        }

        if (string.IsNullOrWhiteSpace(RecordingsPath))
        {
            yield return "Telephony:RecordingsPath is empty";
        }

        if (Legs.SdesSdp.Parse(PhoneSrtp) is null)
        {
            yield return $"Telephony:PhoneSrtp must be off, offered or required (was '{PhoneSrtp}')";
        }
        foreach (var (login, value) in PhoneSrtpOverrides)
        {
            if (Legs.SdesSdp.Parse(value) is null)
            {
                yield return $"Telephony:PhoneSrtpOverrides:{login} must be off, offered or required (was '{value}')";
            }
        }
        if (string.IsNullOrWhiteSpace(DataPath))
        {
            yield return "Telephony:DataPath is empty";
        }

        if (string.IsNullOrWhiteSpace(VoicemailPath))
        {
            yield return "Telephony:VoicemailPath is empty";
        }

        ParseBrowserCodecs(BrowserCodecs, out var codecError);
        if (codecError is not null)
        {
            yield return "Telephony:BrowserCodecs " + codecError;
        }

        foreach (var failure in Admission.Validate())
        {
            yield return failure;
        }

        foreach (var failure in Voicemail.Validate())
        {
            yield return failure;
        }
    }

    private static List<Sip.Sdp.WebRtcCodec> ParseBrowserCodecs(string? text, out string? error)
    {
        List<Sip.Sdp.WebRtcCodec> codecs = [];
        error = null;
        foreach (var name in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Sip.Sdp.WebRtcCodec? codec = name.ToUpperInvariant() switch
            {
                "PCMU" => Sip.Sdp.WebRtcCodec.Pcmu,
                "PCMA" => Sip.Sdp.WebRtcCodec.Pcma,
                "OPUS" => Sip.Sdp.WebRtcCodec.Opus,
                _ => null,
            };
            if (codec is not { } c)
            {
                error = $"names '{name}': only PCMU, PCMA and opus are supported (was '{text}')";
                return [];
            }

            if (!codecs.Contains(c))
            {
                codecs.Add(c);
            }
        }

        if (codecs.Count == 0 && error is null)
        {
            error = "is empty: name at least one of PCMU, PCMA, opus";
        }

        return codecs;
    }

    private static string DefaultGatewayId()
    {
        var name = Environment.MachineName.ToLowerInvariant();
        var clean = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray());
        return clean.Length == 0 ? "gateway" : clean;
    }
}
