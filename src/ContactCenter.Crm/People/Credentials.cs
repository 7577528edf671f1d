using System.Security.Cryptography;
using System.Text;
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
