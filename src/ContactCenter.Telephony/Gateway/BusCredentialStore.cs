using System.Collections.Concurrent;
using ContactCenter.Contracts;
using ContactCenter.Sip.Auth;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Gateway;

/// <summary>
/// The registrar's credentials come from the directory (the CRM) over the bus — GetSipCredentials →
/// SipCredentials, HA1 values only — cached briefly so that a phone's re-REGISTER does not cost a
/// round trip each time. An unreachable directory means "unknown user" (403/401), never a crash.
/// </summary>
internal sealed class BusCredentialStore(
    IBus bus,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<BusCredentialStore> logger) : ISipCredentialStore
{
    private readonly ConcurrentDictionary<(string User, string Realm), (SipDigestCredentials? Credentials, DateTimeOffset Until)> cache = new();

    public async ValueTask<SipDigestCredentials?> GetCredentialsAsync(string user, string realm, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue((user, realm), out var cached) && cached.Until > now)
        {
            return cached.Credentials;
        }

        try
        {
            var response = await bus.CreateRequestClient<GetSipCredentials>().GetResponse<SipCredentials>(
                new GetSipCredentials { Login = user, Realm = realm, OccurredAt = now },
                cancellationToken,
                RequestTimeout.After(s: 5));
            var message = response.Message;
            var credentials = message.Found ? new SipDigestCredentials(user, message.Ha1Md5, message.Ha1Sha256) : null;
            cache[(user, realm)] = (credentials, now + options.Value.CredentialCacheTime);
            if (cache.Count > 10_000)
            {
                foreach (var entry in cache)
                {
                    if (entry.Value.Until <= now)
                    {
                        cache.TryRemove(entry.Key, out _);
                    }
                }
            }

            return credentials;
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("The directory did not answer for SIP user {User} in time", user);
            return null;
        }
    }
}
