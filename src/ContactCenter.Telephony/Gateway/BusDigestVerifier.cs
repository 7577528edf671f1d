using ContactCenter.Contracts;
using ContactCenter.Sip.Auth;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway;

/// <summary>
/// The registrar's digest verdicts come from the directory (the CRM) over the bus — VerifySipDigest → SipDigestVerdict:
/// the phone's answer goes there, a yes or no comes back, and the HA1 values never leave the CRM (ADR 0014). A verdict
/// is good for one nonce and one Request-URI, so there is nothing to cache. An unreachable directory is
/// <see cref="DigestAnswerCheck.Unavailable"/> (the phone gets 503 and retries; brute-force protection does not count
/// it), never a crash.
/// </summary>
internal sealed class BusDigestVerifier(IBus bus, TimeProvider time, ILogger<BusDigestVerifier> logger) : ISipDigestVerifier
{
    public async ValueTask<DigestAnswerCheck> CheckAsync(DigestAnswer answer, CancellationToken cancellationToken)
    {
        try
        {
            var response = await bus.CreateRequestClient<VerifySipDigest>().GetResponse<SipDigestVerdict>(
                new VerifySipDigest
                {
                    Login = answer.User,
                    Realm = answer.Realm,
                    Algorithm = DigestHash.Name(answer.Algorithm),
                    Nonce = answer.Nonce,
                    Method = answer.Method,
                    Uri = answer.Uri,
                    Qop = answer.Qop,
                    NonceCount = answer.NonceCount,
                    ClientNonce = answer.ClientNonce,
                    Response = answer.Response,
                    OccurredAt = time.GetUtcNow(),
                },
                cancellationToken,
                RequestTimeout.After(s: 5));
            var verdict = response.Message;
            return !verdict.Found ? DigestAnswerCheck.UnknownUser : verdict.Valid ? DigestAnswerCheck.Valid : DigestAnswerCheck.Wrong;
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("The directory did not answer for SIP user {User} in time", answer.User);
            return DigestAnswerCheck.Unavailable;
        }
    }
}
