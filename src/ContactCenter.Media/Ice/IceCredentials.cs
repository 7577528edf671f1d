using System.Security.Cryptography;

namespace ContactCenter.Media.Ice;

/// <summary>
/// An ICE username fragment and password (RFC 8445 §5.3; SDP a=ice-ufrag / a=ice-pwd, RFC 8839 §5.4):
/// ice-chars only (ALPHA, DIGIT, '+', '/'), the fragment at least 4 characters (24 bits of randomness)
/// and the password at least 22 (128 bits).
/// </summary>
internal sealed record IceCredentials
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>Creates credentials after checking both against RFC 8839's grammar.</summary>
    public IceCredentials(string usernameFragment, string password)
    {
        Check(usernameFragment, 4, "username fragment", nameof(usernameFragment));
        Check(password, 22, "password", nameof(password));
        UsernameFragment = usernameFragment;
        Password = password;
    }

    /// <summary>a=ice-ufrag.</summary>
    public string UsernameFragment { get; }

    /// <summary>a=ice-pwd.</summary>
    public string Password { get; }

    /// <summary>Fresh random credentials: an 8-character fragment and a 24-character password (144 bits).</summary>
    public static IceCredentials Generate() => new(RandomNumberGenerator.GetString(IceChars, 8), RandomNumberGenerator.GetString(IceChars, 24));

    /// <summary>Whether <paramref name="value"/> is a valid ufrag (RFC 8839 §5.4: 4-256 ice-chars).</summary>
    public static bool IsValidUsernameFragment(string? value) => value is { Length: >= 4 and <= 256 } && AllIceChars(value);

    private static void Check(string value, int min, string what, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length < min || value.Length > 256 || !AllIceChars(value))
        {
            throw new ArgumentException($"An ICE {what} is {min}-256 characters of A-Z, a-z, 0-9, '+' and '/'.", name);
        }
    }

    private static bool AllIceChars(string value)
    {
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/')
            {
                return false;
            }
        }

        return true;
    }
}
