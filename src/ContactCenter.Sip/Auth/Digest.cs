using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Auth;

/// <summary>HA1 values of a SIP user (never the password). Either may be null when not stored.</summary>
public sealed record SipDigestCredentials(string User, string? Ha1Md5, string? Ha1Sha256);

/// <summary>
/// HA1 values at hand (tests, a single-process directory); wrapped by <see cref="CredentialStoreDigestVerifier"/>. The
/// product's registrar uses an <see cref="ISipDigestVerifier"/> instead, so HA1 values never travel. Return null for an
/// unknown user.
/// </summary>
public interface ISipCredentialStore
{
    /// <summary>The HA1 values of <paramref name="user"/> in <paramref name="realm"/>, or null when unknown.</summary>
    ValueTask<SipDigestCredentials?> GetCredentialsAsync(string user, string realm, CancellationToken cancellationToken);
}

/// <summary>A client's digest answer, as the verifier needs it (everything but the secret).</summary>
public sealed record DigestAnswer(
    string User, string Realm, DigestAlgorithm Algorithm, string Nonce, string Method, string Uri, string? Qop, string? NonceCount, string? ClientNonce, string Response);

/// <summary>The verdict on a <see cref="DigestAnswer"/>.</summary>
public enum DigestAnswerCheck
{
    /// <summary>The response is right.</summary>
    Valid,
    /// <summary>The user exists and the response is wrong.</summary>
    Wrong,
    /// <summary>No such user, or no HA1 for this algorithm.</summary>
    UnknownUser,
    /// <summary>The verifier could not answer (the directory is down): not the client's fault, not counted as a guess.</summary>
    Unavailable,
}

/// <summary>
/// Checks a digest answer where the HA1 values are kept, so that they never have to travel (in the product the CRM
/// answers ContactCenter.Contracts.VerifySipDigest with a verdict only; ADR 0014).
/// </summary>
public interface ISipDigestVerifier
{
    /// <summary>Whether <paramref name="answer"/> is the response the user's stored HA1 gives.</summary>
    ValueTask<DigestAnswerCheck> CheckAsync(DigestAnswer answer, CancellationToken cancellationToken);
}

/// <summary>A verifier over HA1 values at hand (an <see cref="ISipCredentialStore"/> in this process).</summary>
public sealed class CredentialStoreDigestVerifier(ISipCredentialStore store) : ISipDigestVerifier
{
    /// <inheritdoc />
    public async ValueTask<DigestAnswerCheck> CheckAsync(DigestAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var creds = await store.GetCredentialsAsync(answer.User, answer.Realm, cancellationToken).ConfigureAwait(false);
        var ha1 = answer.Algorithm == DigestAlgorithm.Md5 ? creds?.Ha1Md5 : creds?.Ha1Sha256;
        if (ha1 is null)
        {
            return DigestAnswerCheck.UnknownUser;
        }
        return DigestHash.Matches(answer, ha1) ? DigestAnswerCheck.Valid : DigestAnswerCheck.Wrong;
    }
}

/// <summary>Digest algorithms (RFC 8760).</summary>
public enum DigestAlgorithm
{
    /// <summary>MD5 (RFC 2617).</summary>
    Md5,
    /// <summary>SHA-256 (RFC 8760).</summary>
    Sha256,
}

/// <summary>Digest hashing helpers.</summary>
public static class DigestHash
{
    /// <summary>The algorithm token in headers.</summary>
    public static string Name(DigestAlgorithm a) => a switch
    {
        DigestAlgorithm.Md5 => "MD5",
        DigestAlgorithm.Sha256 => "SHA-256",
    };

    /// <summary>Lower-case hex hash of UTF-8 text.</summary>
    public static string Hex(DigestAlgorithm a, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var hash = a switch
        {
            DigestAlgorithm.Md5 => MD5.HashData(bytes),
            DigestAlgorithm.Sha256 => SHA256.HashData(bytes),
        };
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Whether <paramref name="answer"/>'s response is the one <paramref name="ha1"/> gives (constant time).</summary>
    public static bool Matches(DigestAnswer answer, string ha1)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(ha1);
        var expected = Response(answer.Algorithm, ha1.ToLowerInvariant(), answer.Nonce, answer.Method, answer.Uri,
            answer.Qop is null ? null : "auth", answer.NonceCount, answer.ClientNonce);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(answer.Response.ToLowerInvariant()));
    }

    /// <summary>HA1 = H(user:realm:password).</summary>
    public static string Ha1(DigestAlgorithm a, string user, string realm, string password) => Hex(a, $"{user}:{realm}:{password}");

    /// <summary>The request-digest (RFC 2617 §3.2.2.1, RFC 8760), with or without qop=auth.</summary>
    public static string Response(DigestAlgorithm a, string ha1, string nonce, string method, string uri, string? qop, string? nc, string? cnonce)
    {
        var ha2 = Hex(a, $"{method}:{uri}");
        return qop is null ? Hex(a, $"{ha1}:{nonce}:{ha2}") : Hex(a, $"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }
}

/// <summary>Parsed Digest parameters of an Authorization or WWW-Authenticate value.</summary>
public sealed class DigestParameters
{
    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A parameter value (unquoted) or null.</summary>
    public string? this[string name] => values.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses "Digest a=b, c="d"..."; null when the scheme is not Digest or the syntax is broken.</summary>
    public static DigestParameters? Parse(string header)
    {
        var s = header.AsSpan().Trim();
        if (!s.StartsWith("Digest", StringComparison.OrdinalIgnoreCase) || (s.Length > 6 && !SipSyntax.IsWs(s[6])))
        {
            return null;
        }
        var p = new DigestParameters();
        var i = 6;
        while (i < s.Length)
        {
            i = SipSyntax.SkipWs(s, i);
            var ns = i;
            while (i < s.Length && SipSyntax.IsTokenChar(s[i]))
            {
                i++;
            }
            if (i == ns)
            {
                return null;
            }
            var name = s[ns..i].ToString();
            i = SipSyntax.SkipWs(s, i);
            if (i >= s.Length || s[i] != '=')
            {
                return null;
            }
            i = SipSyntax.SkipWs(s, i + 1);
            string value;
            if (i < s.Length && s[i] == '"')
            {
                var end = SipSyntax.ScanQuoted(s, i);
                if (end < 0)
                {
                    return null;
                }
                value = SipSyntax.Unquote(s[i..end]);
                i = end;
            }
            else
            {
                var vs = i;
                while (i < s.Length && s[i] != ',' && !SipSyntax.IsWs(s[i]))
                {
                    i++;
                }
                value = s[vs..i].ToString();
            }
            p.values[name] = value;
            i = SipSyntax.SkipWs(s, i);
            if (i < s.Length)
            {
                if (s[i] != ',')
                {
                    return null;
                }
                i++;
            }
        }
        return p;
    }
}

/// <summary>Outcome of checking an Authorization header.</summary>
public sealed record DigestVerification(bool Success, string? User, bool Stale, string? Failure)
{
    /// <summary>
    /// True when the client answered the challenge and the answer was wrong (a wrong password, an unknown user, a
    /// user other than the address of record's, a digest for another Request-URI, a replayed nonce count): what
    /// brute-force protection counts. A missing answer or an expired nonce is not a guess.
    /// </summary>
    public bool WrongAnswer { get; init; }
    /// <summary>The user name the client answered with, or null.</summary>
    public string? AnsweredUser { get; init; }
    /// <summary>A success for <paramref name="user"/>.</summary>
    public static DigestVerification Ok(string user) => new(true, user, false, null);
    /// <summary>A failure; <paramref name="stale"/> asks the client to retry with a fresh nonce.</summary>
    public static DigestVerification Fail(string why, bool stale = false) => new(false, null, stale, why);
    /// <summary>A wrong answer by <paramref name="user"/> (counted by brute-force protection).</summary>
    public static DigestVerification Wrong(string why, string? user) => new(false, null, false, why) { WrongAnswer = true, AnsweredUser = user };
}

/// <summary>Options of the digest server.</summary>
public sealed record DigestOptions
{
    /// <summary>Realm in challenges.</summary>
    public string Realm { get; init; } = "contactcenter";
    /// <summary>How long a nonce is accepted.</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Algorithms offered, in order (SHA-256 first per RFC 8760 §2.4).</summary>
    public IReadOnlyList<DigestAlgorithm> Algorithms { get; init; } = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];
    /// <summary>Most nonces tracked for nonce-count replay protection.</summary>
    public int MaxTrackedNonces { get; init; } = 100_000;
}

/// <summary>
/// Server side of SIP digest authentication (RFC 3261 §22, RFC 8760): stateless HMAC nonces that carry
/// their issue time (expiry answered with stale=true), qop=auth, and nonce-count replay protection.
/// </summary>
public sealed class DigestAuthenticator
{
    private readonly DigestOptions options;
    private readonly TimeProvider time;
    private readonly ISipDigestVerifier verifier;
    private readonly byte[] secret = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, NonceState> nonces = new(StringComparer.Ordinal);
    private readonly string opaque = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private sealed class NonceState
    {
        public uint LastCount;
        public long IssuedTicks;
    }

    /// <summary>Creates an authenticator over HA1 values at hand.</summary>
    public DigestAuthenticator(DigestOptions options, ISipCredentialStore store, TimeProvider time)
        : this(options, new CredentialStoreDigestVerifier(store), time)
    {
    }

    /// <summary>Creates an authenticator that asks <paramref name="verifier"/> for a verdict (the secret stays there).</summary>
    public DigestAuthenticator(DigestOptions options, ISipDigestVerifier verifier, TimeProvider time)
    {
        this.options = options;
        this.verifier = verifier;
        this.time = time;
    }

    /// <summary>The realm.</summary>
    public string Realm => options.Realm;

    /// <summary>WWW-Authenticate values for a 401 (one per algorithm).</summary>
    public IReadOnlyList<string> CreateChallenges(bool stale = false)
    {
        var nonce = NewNonce();
        var list = new List<string>(options.Algorithms.Count);
        foreach (var a in options.Algorithms)
        {
            list.Add($"Digest realm=\"{options.Realm}\", nonce=\"{nonce}\", opaque=\"{opaque}\", algorithm={DigestHash.Name(a)}, qop=\"auth\"{(stale ? ", stale=true" : "")}");
        }
        return list;
    }

    private string NewNonce()
    {
        Span<byte> buf = stackalloc byte[8 + 8 + 16];
        BitConverter.TryWriteBytes(buf[..8], time.GetUtcNow().UtcTicks);
        RandomNumberGenerator.Fill(buf.Slice(8, 8));
        var mac = HMACSHA256.HashData(secret, buf[..16]);
        mac.AsSpan(0, 16).CopyTo(buf[16..]);
        return Convert.ToHexStringLower(buf);
    }

    private bool TryReadNonce(string nonce, out long issued)
    {
        issued = 0;
        if (nonce.Length != 64)
        {
            return false;
        }
        Span<byte> buf = stackalloc byte[32];
        try
        {
            if (Convert.FromHexString(nonce, buf, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
        var mac = HMACSHA256.HashData(secret, buf[..16]);
        if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, 16), buf[16..]))
        {
            return false;
        }
        issued = BitConverter.ToInt64(buf[..8]);
        return true;
    }

    /// <summary>
    /// Verifies the request's Authorization header for <paramref name="expectedUser"/> (null = any user).
    /// </summary>
    public async ValueTask<DigestVerification> VerifyAsync(SipRequest request, string? expectedUser, CancellationToken cancellationToken)
    {
        DigestParameters? p = null;
        foreach (var value in request.Headers.GetAll("Authorization"))
        {
            var candidate = DigestParameters.Parse(value);
            if (candidate is not null && string.Equals(candidate["realm"], options.Realm, StringComparison.Ordinal))
            {
                p = candidate;
                break;
            }
        }
        if (p is null)
        {
            return DigestVerification.Fail("no Digest credentials for this realm");
        }
        var user = p["username"];
        var nonce = p["nonce"];
        var uri = p["uri"];
        var response = p["response"];
        if (user is null || nonce is null || uri is null || response is null)
        {
            return DigestVerification.Fail("Digest credentials lack username, nonce, uri or response");
        }
        var answeredUser = SipUri.Unescape(user);
        if (expectedUser is not null && !string.Equals(answeredUser, expectedUser, StringComparison.Ordinal))
        {
            return DigestVerification.Wrong(UserMismatch, answeredUser);
        }
        if (!UriMatches(uri, request.RequestUri))
        {
            // RFC 2617 §3.2.2.5 / RFC 7616 §3.4.6: the digest-uri must name the Request-URI, or a digest captured for one
            // request could be replayed against another.
            return DigestVerification.Wrong("the digest uri does not match the Request-URI", answeredUser);
        }
        var algName = p["algorithm"] ?? "MD5";
        DigestAlgorithm alg;
        if (algName.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
            alg = DigestAlgorithm.Md5;
        }
        else if (algName.Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
        {
            alg = DigestAlgorithm.Sha256;
        }
        else
        {
            return DigestVerification.Fail($"unsupported algorithm {algName}");
        }
        if (!options.Algorithms.Contains(alg))
        {
            return DigestVerification.Fail($"algorithm {algName} is not offered");
        }
        if (!TryReadNonce(nonce, out var issued))
        {
            return DigestVerification.Fail("nonce was not issued by this server", stale: true);
        }
        var now = time.GetUtcNow().UtcTicks;
        if (now - issued > options.NonceLifetime.Ticks || now < issued)
        {
            nonces.TryRemove(nonce, out _);
            return DigestVerification.Fail("nonce expired", stale: true);
        }
        var qop = p["qop"];
        var nc = p["nc"];
        var cnonce = p["cnonce"];
        uint count = 0;
        if (qop is not null)
        {
            if (!string.Equals(qop, "auth", StringComparison.OrdinalIgnoreCase))
            {
                return DigestVerification.Fail($"qop {qop} is not supported");
            }
            if (nc is null || cnonce is null || !uint.TryParse(nc, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out count) || count == 0)
            {
                return DigestVerification.Fail("qop=auth needs a valid nc and cnonce");
            }
        }
        var verdict = await verifier.CheckAsync(
            new DigestAnswer(answeredUser, options.Realm, alg, nonce, request.Method, uri, qop is null ? null : "auth", nc, cnonce, response),
            cancellationToken).ConfigureAwait(false);
        if (verdict == DigestAnswerCheck.Unavailable)
        {
            return DigestVerification.Fail(VerifierUnavailable);
        }
        if (verdict == DigestAnswerCheck.UnknownUser)
        {
            return DigestVerification.Wrong("unknown user or no credentials for this algorithm", answeredUser);
        }
        if (verdict != DigestAnswerCheck.Valid)
        {
            return DigestVerification.Wrong("wrong credentials", answeredUser);
        }
        if (!CheckCount(nonce, issued, qop is null ? 0 : count))
        {
            return DigestVerification.Wrong("nonce count replayed", answeredUser);
        }
        return DigestVerification.Ok(answeredUser);
    }

    /// <summary>The failure text when the verifier could not answer (answered 503).</summary>
    public const string VerifierUnavailable = "the credential directory did not answer";

    /// <summary>The failure text when the answering user is not the address of record's (answered 403).</summary>
    public const string UserMismatch = "authenticated user does not match the address of record";

    /// <summary>
    /// Whether the digest-uri names the Request-URI: the same text, or the same scheme, user, host and port
    /// (RFC 3261 §19.1.4, URI parameters aside, which some phones drop or reorder).
    /// </summary>
    internal static bool UriMatches(string digestUri, SipUri requestUri)
    {
        if (string.Equals(digestUri, requestUri.ToString(), StringComparison.Ordinal))
        {
            return true;
        }
        if (!SipUri.TryParse(digestUri, out var d, out _))
        {
            return false;
        }
        return string.Equals(d.Scheme, requestUri.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(d.User is null ? null : SipUri.Unescape(d.User), requestUri.User is null ? null : SipUri.Unescape(requestUri.User), StringComparison.Ordinal)
            && string.Equals(d.HostWithoutBrackets, requestUri.HostWithoutBrackets, StringComparison.OrdinalIgnoreCase)
            && d.Port == requestUri.Port;
    }

    private bool CheckCount(string nonce, long issued, uint count)
    {
        if (nonces.Count >= options.MaxTrackedNonces)
        {
            var cutoff = time.GetUtcNow().UtcTicks - options.NonceLifetime.Ticks;
            foreach (var kv in nonces)
            {
                if (kv.Value.IssuedTicks < cutoff)
                {
                    nonces.TryRemove(kv.Key, out _);
                }
            }
            if (nonces.Count >= options.MaxTrackedNonces)
            {
                return false;
            }
        }
        var state = nonces.GetOrAdd(nonce, _ => new NonceState { IssuedTicks = issued });
        lock (state)
        {
            if (count == 0)
            {
                // Without qop there is no count: a nonce is good for one request only.
                if (state.LastCount != 0)
                {
                    return false;
                }
                state.LastCount = uint.MaxValue;
                return true;
            }
            if (count <= state.LastCount)
            {
                return false;
            }
            state.LastCount = count;
            return true;
        }
    }
}

/// <summary>Client side: answers a challenge (for our UAC registering or calling through an authenticating peer).</summary>
public static class DigestClient
{
    /// <summary>Builds an Authorization value answering <paramref name="challenge"/>, or null when it cannot.</summary>
    public static string? CreateAuthorization(string challenge, string method, string uri, string user, string password, uint nonceCount, string cnonce)
    {
        var p = DigestParameters.Parse(challenge);
        if (p?["realm"] is not { } realm || p["nonce"] is not { } nonce)
        {
            return null;
        }
        var algName = p["algorithm"] ?? "MD5";
        DigestAlgorithm alg;
        if (algName.Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
        {
            alg = DigestAlgorithm.Sha256;
        }
        else if (algName.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
            alg = DigestAlgorithm.Md5;
        }
        else
        {
            return null;
        }
        var ha1 = DigestHash.Ha1(alg, user, realm, password);
        var qop = p["qop"] is { } q && q.Split(',').Any(x => x.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase)) ? "auth" : null;
        var nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        var response = DigestHash.Response(alg, ha1, nonce, method, uri, qop, nc, cnonce);
        var sb = new StringBuilder();
        sb.Append("Digest username=\"").Append(user).Append("\", realm=\"").Append(realm).Append("\", nonce=\"").Append(nonce)
          .Append("\", uri=\"").Append(uri).Append("\", response=\"").Append(response).Append("\", algorithm=").Append(DigestHash.Name(alg));
        if (p["opaque"] is { } opaque)
        {
            sb.Append(", opaque=\"").Append(opaque).Append('"');
        }
        if (qop is not null)
        {
            sb.Append(", qop=auth, nc=").Append(nc).Append(", cnonce=\"").Append(cnonce).Append('"');
        }
        return sb.ToString();
    }
}
