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
    /// <summary>
    /// The connection this contact can only be reached over (a WebSocket client's, RFC 7118 §5, or a contact in
    /// <c>.invalid</c> or with <c>ob</c>, RFC 5626), or null. The binding ends when the connection closes.
    /// </summary>
    public SipConnection? BoundTo { get; init; }
    /// <summary>RFC 5626 §4.1: the Contact's <c>+sip.instance</c>, or null.</summary>
    public string? InstanceId { get; init; }
    /// <summary>RFC 5626 §4.2: the Contact's <c>reg-id</c>, or null.</summary>
    public string? RegId { get; init; }

    internal bool IsLive(DateTimeOffset now) => ExpiresAt > now && BoundTo?.IsOpen != false;
}

/// <summary>Why a registration ended.</summary>
public enum RegistrarBindingEndReason
{
    /// <summary>The phone un-registered (Expires 0, or Contact *).</summary>
    Unregistered,
    /// <summary>It lapsed without a refresh (removed by <see cref="SipRegistrar.PurgeExpired"/>).</summary>
    Expired,
    /// <summary>The connection it was bound to closed (a browser's WebSocket): the phone is gone.</summary>
    ConnectionClosed,
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

    /// <summary>
    /// Creates a registrar; without <paramref name="authenticator"/> it accepts any REGISTER. With <paramref name="guard"/>,
    /// wrong digest answers are counted there and guessing sources get blocked (the endpoint refuses their requests).
    /// </summary>
    public SipRegistrar(RegistrarOptions options, TimeProvider time, DigestAuthenticator? authenticator, ILogger<SipRegistrar> logger,
        DigestFailureGuard? guard = null)
    {
        this.options = options;
        this.time = time;
        this.authenticator = authenticator;
        this.logger = logger;
        Guard = guard;
    }

    /// <summary>Brute-force protection of the digest (null: none).</summary>
    public DigestFailureGuard? Guard { get; }

    /// <summary>
    /// The registrar an endpoint builds from its settings (Sip:Registrar*, Sip:Realm, Sip:NonceLifetime,
    /// Sip:DigestAlgorithms); digest authentication when <paramref name="credentials"/> is given.
    /// </summary>
    public static SipRegistrar ForEndpoint(SipEndpointOptions options, ISipCredentialStore? credentials, TimeProvider time, ILoggerFactory loggerFactory) =>
        ForEndpoint(options, credentials is null ? null : new CredentialStoreDigestVerifier(credentials), time, loggerFactory);

    /// <summary>
    /// The registrar an endpoint builds from its settings, asking <paramref name="verifier"/> for digest verdicts (the
    /// HA1 values stay with it), with brute-force protection (Sip:AuthFailure*, Sip:AuthBlock*).
    /// </summary>
    public static SipRegistrar ForEndpoint(SipEndpointOptions options, ISipDigestVerifier? verifier, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var authenticator = verifier is null ? null : new DigestAuthenticator(
            new DigestOptions { Realm = options.Realm, NonceLifetime = options.NonceLifetime, Algorithms = options.ParsedDigestAlgorithms() }, verifier, time);
        var guard = authenticator is null ? null : new DigestFailureGuard(options.AuthGuardOptions(), time, loggerFactory.CreateLogger<DigestFailureGuard>());
        return new SipRegistrar(
            new RegistrarOptions { DefaultExpires = options.RegistrarDefaultExpires, MinExpires = options.RegistrarMinExpires, MaxExpires = options.RegistrarMaxExpires },
            time, authenticator, loggerFactory.CreateLogger<SipRegistrar>(), guard);
    }

    /// <summary>The digest authenticator, or null when REGISTER is not authenticated.</summary>
    public DigestAuthenticator? Authenticator => authenticator;

    /// <summary>Raised after the bindings of an AOR changed (argument: the AOR).</summary>
    public event Action<string>? BindingsChanged;

    /// <summary>
    /// Raised for each binding that ends: un-registered, purged after it lapsed, or whose connection closed (at once,
    /// with the closing: a browser phone that went away). Raised outside the registrar's locks, after
    /// <see cref="BindingsChanged"/> for the same change.
    /// </summary>
    public event Action<RegistrarBinding, RegistrarBindingEndReason>? BindingEnded;

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
            return list.Where(b => b.IsLive(now)).OrderByDescending(b => b.Q).ToList();
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
                result.AddRange(kv.Value.Where(b => b.IsLive(now) && string.Equals(b.User, user, StringComparison.Ordinal)));
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
                        if (binding.IsLive(now))
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
        List<RegistrarBinding>? ended = null;
        foreach (var kv in bindings)
        {
            lock (kv.Value)
            {
                if (BindingEnded is not null)
                {
                    foreach (var b in kv.Value)
                    {
                        if (b.ExpiresAt <= now)
                        {
                            (ended ??= []).Add(b);
                        }
                    }
                }
                removed += kv.Value.RemoveAll(b => b.ExpiresAt <= now);
            }
        }
        RaiseEnded(ended, RegistrarBindingEndReason.Expired);
        return removed;
    }

    /// <summary>
    /// A connection closed: every binding bound to it goes now (RFC 5626 §5.5 flow failure; a WebSocket client has no
    /// other way in), and <see cref="BindingEnded"/> says so.
    /// </summary>
    public void OnConnectionClosed(SipConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        List<RegistrarBinding>? ended = null;
        foreach (var kv in bindings)
        {
            lock (kv.Value)
            {
                for (var i = kv.Value.Count - 1; i >= 0; i--)
                {
                    if (kv.Value[i].BoundTo == connection)
                    {
                        (ended ??= []).Add(kv.Value[i]);
                        kv.Value.RemoveAt(i);
                    }
                }
            }
        }
        if (ended is null)
        {
            return;
        }
        logger.LogInformation("Connection {Connection} closed: {Count} registration(s) removed ({Aors})", connection, ended.Count,
            string.Join(", ", ended.Select(b => b.AddressOfRecord).Distinct(StringComparer.OrdinalIgnoreCase)));
        foreach (var aor in ended.Select(b => b.AddressOfRecord).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            BindingsChanged?.Invoke(aor);
        }
        RaiseEnded(ended, RegistrarBindingEndReason.ConnectionClosed);
    }

    private void RaiseEnded(List<RegistrarBinding>? ended, RegistrarBindingEndReason reason)
    {
        if (ended is null || BindingEnded is not { } handler)
        {
            return;
        }
        foreach (var b in ended)
        {
            try
            {
                handler(b, reason);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "BindingEnded handler failed for {Aor}", b.AddressOfRecord);
            }
        }
    }

    /// <summary>
    /// Whether a contact registered over <paramref name="source"/> can only be reached over that connection: everything
    /// a WebSocket client registers (it cannot accept connections, RFC 7118 §5), and over any connection a contact whose
    /// host is in <c>.invalid</c> or that carries <c>ob</c> (RFC 5626 §5.4).
    /// </summary>
    internal static SipConnection? ConnectionFor(SipUri contact, SipSource? source)
    {
        if (source?.Connection is not { } connection)
        {
            return null;
        }
        var bound = connection.Protocol.IsWebSocket()
            || contact.HostWithoutBrackets.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase)
            || contact.Parameters.Contains("ob");
        return bound ? connection : null;
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
        if (request.Source?.Connection?.AuthenticatedUser is { } signedIn)
        {
            // The web host signed this connection in (the desktop's bearer token): that user may register their own
            // address of record without a digest, and no other.
            if (!string.Equals(signedIn, user, StringComparison.Ordinal))
            {
                logger.LogWarning("REGISTER for {Aor} refused: the connection is signed in as {User}", aor, signedIn);
                return Error(request, 403, "the connection is signed in as another user");
            }
        }
        else if (authenticator is not null)
        {
            var v = await authenticator.VerifyAsync(request, user, cancellationToken).ConfigureAwait(false);
            if (!v.Success)
            {
                if (v.WrongAnswer && Guard is not null && request.Source is { } from)
                {
                    Guard.RecordFailure(from.RemoteEndPoint.Address, v.AnsweredUser);
                }
                if (v.Failure == DigestAuthenticator.VerifierUnavailable)
                {
                    var unavailable = Error(request, 503, v.Failure);
                    unavailable.Headers.Add("Retry-After", "5");
                    return unavailable;
                }
                if (v.Failure == DigestAuthenticator.UserMismatch)
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
            List<RegistrarBinding> cleared;
            lock (list)
            {
                if (list.Any(b => b.CallId == request.CallId && b.CSeq >= request.CSeq.Number))
                {
                    return Error(request, 500, "out-of-order REGISTER");
                }
                cleared = [.. list];
                list.Clear();
            }
            BindingsChanged?.Invoke(aor);
            RaiseEnded(cleared, RegistrarBindingEndReason.Unregistered);
            return Ok(request, aor);
        }
        var contacts = request.Contacts;
        if (contacts.Count == 0)
        {
            return Ok(request, aor);
        }
        List<RegistrarBinding>? unregistered = null;
        var added = new List<RegistrarBinding>();
        lock (list)
        {
            list.RemoveAll(b => !b.IsLive(now));
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
                var instance = c.Parameters.Get("+sip.instance")?.Trim('"');
                var regId = c.Parameters.Get("reg-id");
                // RFC 5626 §6: with an instance and reg-id, a REGISTER over a new flow replaces the binding of the old one.
                var existing = list.FindIndex(b => string.Equals(b.Contact.ToString(), key, StringComparison.OrdinalIgnoreCase)
                    || (instance is not null && regId is not null && b.InstanceId == instance && b.RegId == regId));
                if (existing >= 0)
                {
                    var old = list[existing];
                    if (old.CallId == request.CallId && old.CSeq >= request.CSeq.Number)
                    {
                        return Error(request, 500, "out-of-order REGISTER");
                    }
                    list.RemoveAt(existing);
                    if (expires == 0)
                    {
                        (unregistered ??= []).Add(old);
                    }
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
                var binding = new RegistrarBinding
                {
                    AddressOfRecord = aor,
                    User = user,
                    Contact = c.Uri,
                    ExpiresAt = now.AddSeconds(expires),
                    CallId = request.CallId,
                    CSeq = request.CSeq.Number,
                    Q = q,
                    Source = request.Source,
                    BoundTo = ConnectionFor(c.Uri, request.Source),
                    InstanceId = instance,
                    RegId = regId,
                };
                list.Add(binding);
                added.Add(binding);
            }
        }
        // The connection may have closed while the credentials were looked up: its closing found nothing to remove then.
        foreach (var b in added)
        {
            if (b.BoundTo is { IsOpen: false } gone)
            {
                OnConnectionClosed(gone);
                break;
            }
        }
        logger.LogDebug("REGISTER for {Aor}: {Count} binding(s)", aor, GetBindings(aor).Count);
        BindingsChanged?.Invoke(aor);
        RaiseEnded(unregistered, RegistrarBindingEndReason.Unregistered);
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
            // RFC 5626 §6: the instance and reg-id are echoed, so the client finds its own binding.
            var outbound = b.InstanceId is { } instance && b.RegId is { } regId ? $";reg-id={regId};+sip.instance=\"{instance}\"" : "";
            r.Headers.Add("Contact", $"<{b.Contact}>;expires={left.ToString(CultureInfo.InvariantCulture)}{outbound}");
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
