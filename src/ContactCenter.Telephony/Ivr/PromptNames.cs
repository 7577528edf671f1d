using System.Globalization;

namespace ContactCenter.Telephony.Ivr;

/// <summary>
/// Names (relative to telephony-config/prompts, without <c>.wav</c>) of the standard prompts the
/// engine itself builds sentences from, and the sentence builders (digits, numbers, statuses).
/// </summary>
internal static class PromptNames
{
    public const string CallerNamePlaceholder = "$caller_name";
    public const string HoldMusic = "music/hold";
    public const string CallbackOffer = "callback/offer";
    public const string CallbackConfirmed = "callback/confirmed";
    public const string VoicemailGreeting = "voicemail/greeting";
    public const string VoicemailBeep = "voicemail/beep";
    public const string VoicemailSaved = "voicemail/saved";
    public const string VoicemailNotSaved = "voicemail/not-saved";
    public const string YourCase = "case/your-case";
    public const string StatusIs = "case/status-is";
    public const string PositionIs = "queue/position-is";
    public const string WaitIs = "queue/wait-is";
    public const string Minute = "queue/minute";
    public const string Minutes = "queue/minutes";
    public const string LessThanAMinute = "queue/less-than-a-minute";

    /// <summary>Case statuses that have their own word prompt; others read as <c>status/unknown</c>.</summary>
    public static readonly string[] CaseStatuses = ["open", "pending", "resolved", "closed"];

    /// <summary>Prompts a case-status read-back may use.</summary>
    public static IEnumerable<string> CaseReadbackPrompts()
    {
        yield return YourCase;
        yield return StatusIs;
        foreach (var status in CaseStatuses)
        {
            yield return $"status/{status}";
        }

        yield return "status/unknown";
        for (var d = 0; d <= 9; d++)
        {
            yield return Digit(d);
        }
    }

    /// <summary>Prompts a queue position/wait announcement may use.</summary>
    public static IEnumerable<string> AnnouncementPrompts()
    {
        yield return PositionIs;
        yield return WaitIs;
        yield return Minute;
        yield return Minutes;
        yield return LessThanAMinute;
        foreach (var n in NumberPromptNames())
        {
            yield return n;
        }
    }

    /// <summary>Every number word prompt: 0–19, the tens, and "hundred".</summary>
    public static IEnumerable<string> NumberPromptNames()
    {
        for (var n = 0; n <= 19; n++)
        {
            yield return Number(n);
        }

        for (var n = 20; n <= 90; n += 10)
        {
            yield return Number(n);
        }

        yield return "numbers/hundred";
    }

    /// <summary>The prompt for one digit 0–9.</summary>
    public static string Digit(int digit) => "digits/" + digit.ToString(CultureInfo.InvariantCulture);

    private static string Number(int n) => "numbers/" + n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Appends each digit of <paramref name="digits"/> (non-digits skipped).</summary>
    public static void AddDigits(List<string> into, ReadOnlySpan<char> digits)
    {
        foreach (var c in digits)
        {
            if (char.IsAsciiDigit(c))
            {
                into.Add(Digit(c - '0'));
            }
        }
    }

    /// <summary>Appends a number 0–999 as words ("three hundred forty two"); larger numbers are read digit by digit.</summary>
    public static void AddNumber(List<string> into, int value)
    {
        if (value < 0 || value > 999)
        {
            AddDigits(into, Math.Max(value, 0).ToString(CultureInfo.InvariantCulture));
            return;
        }

        if (value >= 100)
        {
            into.Add(Number(value / 100));
            into.Add("numbers/hundred");
            value %= 100;
            if (value == 0)
            {
                return;
            }
        }

        if (value < 20)
        {
            into.Add(Number(value));
            return;
        }

        into.Add(Number(value / 10 * 10));
        if (value % 10 != 0)
        {
            into.Add(Number(value % 10));
        }
    }

    /// <summary>The word prompt for a case status.</summary>
    public static string Status(string status)
    {
        var normalized = status.Trim().ToLowerInvariant();
        return Array.IndexOf(CaseStatuses, normalized) >= 0 ? $"status/{normalized}" : "status/unknown";
    }

    /// <summary>The prompt for a caller's first name, e.g. <c>names/ada</c> for "Ada Lovelace".</summary>
    public static string? FirstName(string? fullName)
    {
        if (string.IsNullOrWhiteSpace(fullName))
        {
            return null;
        }

        var first = fullName.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var clean = new string(first.Where(char.IsAsciiLetter).ToArray()).ToLowerInvariant();
        return clean.Length == 0 ? null : "names/" + clean;
    }
}
