using System.Collections.Concurrent;
using System.Globalization;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Registrar;

/// <summary>One registered contact of an address of record.</summary>
public sealed record RegistrarBinding
{
    /// <summary>Address of record, normalised "sip:user@domain".</summary>
    public required string AddressOfRecord { get; init; }
    /// <summary>User part of the AOR (unescaped), e.g. the agent login.</summary>
    public required string User { get; init; }
    /// <summary>The contact URI exactly as registered (URI parameters kept).</summary>
    public required SipUri Contact { get; init; }
    /// <summary>When the binding lapses.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>Call-ID of the REGISTER that made it.</summary>
    public required string CallId { get; init; }
    /// <summary>CSeq of that REGISTER.</summary>
    public required uint CSeq { get; init; }
    /// <summary>q value (0..1), 1 when not given.</summary>
    public double Q { get; init; } = 1;
    /// <summary>Transport and address the REGISTER came from (send requests there to cross NAT).</summary>
    public SipSource? Source { get; init; }
}

/// <summary>Registrar settings.</summary>
public sealed record RegistrarOptions
{
    /// <summary>Expiry when the client gives none (seconds).</summary>
    public int DefaultExpires { get; init; } = 3600;
    /// <summary>Longest expiry granted (seconds).</summary>
    public int MaxExpires { get; init; } = 7200;
    /// <summary>Shortest non-zero expiry accepted; below it the answer is 423 (seconds).</summary>
    public int MinExpires { get; init; } = 60;
    /// <summary>Most contacts per address of record.</summary>
    public int MaxContactsPerAor { get; init; } = 10;
}

/// <summary>
/// A registrar (RFC 3261 §10.3): bindings with expiry, several contacts per AOR, un-register with
/// Expires 0 or Contact "*", digest authentication when a credential store is given.
/// </summary>
public sealed class SipRegistrar
{
    private readonly ConcurrentDictionary<string, List<RegistrarBinding>> bindings = new(StringComparer.OrdinalIgnoreCase);
    private readonly RegistrarOptions options;
    private readonly TimeProvider time;
    private readonly DigestAuthenticator? authenticator;
    private readonly ILogger logger;

    /// <summary>Creates a registrar; without <paramref name="authenticator"/> it accepts any REGISTER.</summary>
    public SipRegistrar(RegistrarOptions options, TimeProvider time, DigestAuthenticator? authenticator, ILogger<SipRegistrar> logger)
    {
        this.options = options;
        this.time = time;
        this.authenticator = authenticator;
        this.logger = logger;
    }

    /// <summary>
    /// The registrar an endpoint builds from its settings (Sip:Registrar*, Sip:Realm, Sip:NonceLifetime,
    /// Sip:DigestAlgorithms); digest authentication when <paramref name="credentials"/> is given.
    /// </summary>
    public static SipRegistrar ForEndpoint(SipEndpointOptions options, ISipCredentialStore? credentials, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var authenticator = credentials is null ? null : new DigestAuthenticator(
            new DigestOptions { Realm = options.Realm, NonceLifetime = options.NonceLifetime, Algorithms = options.ParsedDigestAlgorithms() }, credentials, time);
        return new SipRegistrar(
            new RegistrarOptions { DefaultExpires = options.RegistrarDefaultExpires, MinExpires = options.RegistrarMinExpires, MaxExpires = options.RegistrarMaxExpires },
            time, authenticator, loggerFactory.CreateLogger<SipRegistrar>());
    }

    /// <summary>The digest authenticator, or null when REGISTER is not authenticated.</summary>
    public DigestAuthenticator? Authenticator => authenticator;

    /// <summary>Raised after the bindings of an AOR changed (argument: the AOR).</summary>
    public event Action<string>? BindingsChanged;

    /// <summary>The live bindings of an address of record ("sip:user@domain"), best q first.</summary>
    public IReadOnlyList<RegistrarBinding> GetBindings(string addressOfRecord)
    {
        if (!bindings.TryGetValue(addressOfRecord, out var list))
        {
            return [];
        }
        var now = time.GetUtcNow();
        lock (list)
        {
            return list.Where(b => b.ExpiresAt > now).OrderByDescending(b => b.Q).ToList();
        }
    }

    /// <summary>The live bindings of a user in any domain (the contact centre serves one domain).</summary>
    public IReadOnlyList<RegistrarBinding> GetBindingsForUser(string user)
    {
        var now = time.GetUtcNow();
        var result = new List<RegistrarBinding>();
        foreach (var kv in bindings)
        {
            lock (kv.Value)
            {
                result.AddRange(kv.Value.Where(b => b.ExpiresAt > now && string.Equals(b.User, user, StringComparison.Ordinal)));
            }
        }
        return result.OrderByDescending(b => b.Q).ToList();
    }

    /// <summary>Live (unexpired) bindings over all addresses of record, e.g. for a registered-phones gauge.</summary>
    public int LiveBindingCount
    {
        get
        {
            var now = time.GetUtcNow();
            var count = 0;
            foreach (var kv in bindings)
            {
                lock (kv.Value)
                {
                    foreach (var binding in kv.Value)
                    {
                        if (binding.ExpiresAt > now)
                        {
                            count++;
                        }
                    }
                }
            }

            return count;
        }
    }

    /// <summary>Removes lapsed bindings; returns how many went.</summary>
    public int PurgeExpired()
    {
        var now = time.GetUtcNow();
        var removed = 0;
        foreach (var kv in bindings)
        {
            lock (kv.Value)
            {
                removed += kv.Value.RemoveAll(b => b.ExpiresAt <= now);
            }
        }
        return removed;
    }

    /// <summary>Handles a REGISTER and returns the final response to send.</summary>
    public async ValueTask<SipResponse> HandleRegisterAsync(SipRequest request, CancellationToken cancellationToken)
    {
        var to = request.To;
        if (!to.Uri.IsSip)
        {
            return Error(request, 400, "To is not a SIP or SIPS address of record");
        }
        var aor = to.Uri.ToAddressOfRecord();
        var user = to.Uri.User is null ? "" : SipUri.Unescape(to.Uri.User);
        if (authenticator is not null)
        {
            var v = await authenticator.VerifyAsync(request, user, cancellationToken).ConfigureAwait(false);
            if (!v.Success)
            {
                if (v.Failure == "authenticated user does not match the address of record")
                {
                    return Error(request, 403, v.Failure);
                }
                var challenge = SipMessageFactory.CreateResponse(request, 401);
                foreach (var c in authenticator.CreateChallenges(v.Stale))
                {
                    challenge.Headers.Add("WWW-Authenticate", c);
                }
                logger.LogDebug("REGISTER for {Aor} challenged: {Reason}", aor, v.Failure);
                return challenge;
            }
        }
        var now = time.GetUtcNow();
        var headerExpires = request.Headers.Get(SipHeaderId.Expires);
        int? requestExpires = null;
        if (headerExpires is not null)
        {
            requestExpires = ParseExpires(headerExpires);
        }
        var list = bindings.GetOrAdd(aor, _ => []);
        if (request.IsContactWildcard)
        {
            if (request.Headers.CountOf(SipHeaderId.Contact) != 1 || requestExpires != 0)
            {
                return Error(request, 400, "Contact * needs Expires: 0 and no other Contact");
            }
            lock (list)
            {
                if (list.Any(b => b.CallId == request.CallId && b.CSeq >= request.CSeq.Number))
                {
                    return Error(request, 500, "out-of-order REGISTER");
                }
                list.Clear();
            }
            BindingsChanged?.Invoke(aor);
            return Ok(request, aor);
        }
        var contacts = request.Contacts;
        if (contacts.Count == 0)
        {
            return Ok(request, aor);
        }
        lock (list)
        {
            list.RemoveAll(b => b.ExpiresAt <= now);
            foreach (var c in contacts)
            {
                var expires = c.Parameters.Get("expires") is { } pe ? ParseExpires(pe) : requestExpires ?? options.DefaultExpires;
                if (expires > 0 && expires < options.MinExpires)
                {
                    var r = Error(request, 423, null);
                    r.Headers.Add("Min-Expires", options.MinExpires.ToString(CultureInfo.InvariantCulture));
                    return r;
                }
            }
            foreach (var c in contacts)
            {
                var expires = c.Parameters.Get("expires") is { } pe ? ParseExpires(pe) : requestExpires ?? options.DefaultExpires;
                expires = Math.Min(expires, options.MaxExpires);
                var key = c.Uri.ToString();
                var existing = list.FindIndex(b => string.Equals(b.Contact.ToString(), key, StringComparison.OrdinalIgnoreCase));
                if (existing >= 0)
                {
                    var old = list[existing];
                    if (old.CallId == request.CallId && old.CSeq >= request.CSeq.Number)
                    {
                        return Error(request, 500, "out-of-order REGISTER");
                    }
                    list.RemoveAt(existing);
                }
                if (expires == 0)
                {
                    continue;
                }
                if (list.Count >= options.MaxContactsPerAor)
                {
                    return Error(request, 403, "too many contacts for this address of record");
                }
                var q = double.TryParse(c.Parameters.Get("q"), NumberStyles.Float, CultureInfo.InvariantCulture, out var qv) ? Math.Clamp(qv, 0, 1) : 1;
                list.Add(new RegistrarBinding
                {
                    AddressOfRecord = aor,
                    User = user,
                    Contact = c.Uri,
                    ExpiresAt = now.AddSeconds(expires),
                    CallId = request.CallId,
                    CSeq = request.CSeq.Number,
                    Q = q,
                    Source = request.Source,
                });
            }
        }
        logger.LogDebug("REGISTER for {Aor}: {Count} binding(s)", aor, GetBindings(aor).Count);
        BindingsChanged?.Invoke(aor);
        return Ok(request, aor);
    }

    private static int ParseExpires(string text) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e
        : text.Trim().All(char.IsAsciiDigit) && text.Trim().Length > 0 ? int.MaxValue : 3600;

    private SipResponse Ok(SipRequest request, string aor)
    {
        var r = SipMessageFactory.CreateResponse(request, 200);
        var now = time.GetUtcNow();
        foreach (var b in GetBindings(aor))
        {
            var left = (int)Math.Max(0, Math.Ceiling((b.ExpiresAt - now).TotalSeconds));
            r.Headers.Add("Contact", $"<{b.Contact}>;expires={left.ToString(CultureInfo.InvariantCulture)}");
        }
        r.Headers.Add("Date", now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture));
        return r;
    }

    private static SipResponse Error(SipRequest request, int code, string? warning)
    {
        var r = SipMessageFactory.CreateResponse(request, code);
        if (warning is not null)
        {
            r.Headers.Add("Warning", $"399 - \"{warning}\"");
        }
        return r;
    }
}
