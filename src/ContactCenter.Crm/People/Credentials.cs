using System.Security.Cryptography;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Identity;

namespace ContactCenter.Crm.People;

/// <summary>Password hashes (PBKDF2 via ASP.NET Core's PasswordHasher) and SIP digest HA1 values.</summary>
internal static class Credentials
{
    private static readonly PasswordHasher<Person> Hasher = new();

    /// <summary>Verified against when the login is unknown, so both paths cost the same.</summary>
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not-a-password-" + Guid.NewGuid());

    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    /// <summary>The answer of <see cref="Verify"/>.</summary>
    public enum Verdict
    {
        Failed,
        Succeeded,

        /// <summary>Right password, but the stored hash has older parameters (iterations, format): hash it again.</summary>
        SucceededRehashNeeded,
    }

    /// <summary>
    /// Checks a password. An unknown login is checked against a dummy hash, so both answers cost one PBKDF2 run; an
    /// inactive person always fails.
    /// </summary>
    public static Verdict Verify(Person? person, string password)
    {
        var result = Hasher.VerifyHashedPassword(null!, person?.PasswordHash ?? DummyHash, password);
        if (person is not { Active: true } || result == PasswordVerificationResult.Failed)
        {
            return Verdict.Failed;
        }
        return result == PasswordVerificationResult.SuccessRehashNeeded ? Verdict.SucceededRehashNeeded : Verdict.Succeeded;
    }

    /// <summary>Sets the password hash and both SIP HA1 values for <paramref name="realm"/>.</summary>
    public static void SetPasswords(Person person, string password, string sipPassword, string realm)
    {
        person.PasswordHash = HashPassword(password);
        SetSipPassword(person, sipPassword, realm);
    }

    /// <summary>Sets both SIP HA1 values for <paramref name="realm"/>; the SIP password itself is never stored.</summary>
    public static void SetSipPassword(Person person, string sipPassword, string realm)
    {
        person.SipRealm = realm;
        person.SipHa1Md5 = Ha1Md5(person.Login, realm, sipPassword);
        person.SipHa1Sha256 = Ha1Sha256(person.Login, realm, sipPassword);
    }

    /// <summary>
    /// Whether the phone's digest response is the one <paramref name="ha1"/> gives (RFC 2617 §3.2.2.1, RFC 8760), compared in
    /// constant time. The algorithm is MD5 or SHA-256 (the HA1 given is that algorithm's).
    /// </summary>
    public static bool DigestMatches(VerifySipDigest m, string ha1)
    {
        Func<string, string> hex = m.Algorithm == "MD5" ? Md5Hex : Sha256Hex;
        var ha2 = hex($"{m.Method}:{m.Uri}");
        var expected = m.Qop is null
            ? hex($"{ha1.ToLowerInvariant()}:{m.Nonce}:{ha2}")
            : hex($"{ha1.ToLowerInvariant()}:{m.Nonce}:{m.NonceCount}:{m.ClientNonce}:{m.Qop}:{ha2}");
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(m.Response.ToLowerInvariant()));
    }

    private static string Md5Hex(string text)
    {
#pragma warning disable CA5351 // SIP digest (RFC 2617) defines its hashes with MD5 for the phones that only know it.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Lower-case hex MD5(login:realm:password), RFC 2617.</summary>
    public static string Ha1Md5(string login, string realm, string password)
    {
#pragma warning disable CA5351 // SIP digest (RFC 2617) defines HA1 with MD5; phones still require it.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{login}:{realm}:{password}")));
#pragma warning restore CA5351
    }

    /// <summary>Lower-case hex SHA-256(login:realm:password), RFC 8760.</summary>
    public static string Ha1Sha256(string login, string realm, string password) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{login}:{realm}:{password}")));
}
