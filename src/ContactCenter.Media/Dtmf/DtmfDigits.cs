namespace ContactCenter.Media.Dtmf;

/// <summary>Maps DTMF characters to RFC 4733 event codes (0-9, * = 10, # = 11, A-D = 12-15) and back.</summary>
public static class DtmfDigits
{
    private const string Characters = "0123456789*#ABCD";

    /// <summary>The digit of an event code, or null for codes that are not DTMF digits.</summary>
    public static char? FromEventCode(int code) => code is >= 0 and < 16 ? Characters[code] : null;

    /// <summary>The event code of a digit (case-insensitive A-D), or -1 when it is not a DTMF digit.</summary>
    public static int ToEventCode(char digit) => Characters.IndexOf(char.ToUpperInvariant(digit), StringComparison.Ordinal);

    /// <summary>True for 0-9, *, #, A-D (case-insensitive).</summary>
    public static bool IsDigit(char digit) => ToEventCode(digit) >= 0;
}
