using ContactCenter.Sip.Auth;

namespace ContactCenter.Sip.Tests;

/// <summary>Test credential store: HA1 values computed from known passwords (as the directory would store them).</summary>
public sealed class InMemoryCredentials : ISipCredentialStore
{
    private readonly Dictionary<string, string> passwords;

    public InMemoryCredentials(params (string User, string Password)[] users) =>
        passwords = users.ToDictionary(u => u.User, u => u.Password);

    public int Lookups;

    public ValueTask<SipDigestCredentials?> GetCredentialsAsync(string user, string realm, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Lookups);
        if (!passwords.TryGetValue(user, out var pw))
        {
            return ValueTask.FromResult<SipDigestCredentials?>(null);
        }
        return ValueTask.FromResult<SipDigestCredentials?>(new SipDigestCredentials(
            user, DigestHash.Ha1(DigestAlgorithm.Md5, user, realm, pw), DigestHash.Ha1(DigestAlgorithm.Sha256, user, realm, pw)));
    }
}
