using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace ContactCenter.Crm.Phones;

/// <summary>Normalises phone numbers in any common format to E.164 with libphonenumber.</summary>
internal sealed class PhoneNumberNormalizer(IOptions<CrmOptions> options)
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private readonly string region = options.Value.DefaultRegion.ToUpperInvariant();

    /// <summary>E.164 form of <paramref name="input"/>, or false when it is not a possible phone number.</summary>
    public bool TryNormalize(string? input, [NotNullWhen(true)] out string? e164)
    {
        e164 = null;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 64)
        {
            return false;
        }
        var text = input.Trim();
        if (text.StartsWith("00", StringComparison.Ordinal) && text.Length > 4 && char.IsAsciiDigit(text[2]))
        {
            text = "+" + text[2..];
        }
        try
        {
            var number = Util.Parse(text, region);
            if (!Util.IsPossibleNumber(number))
            {
                return false;
            }
            e164 = Util.Format(number, PhoneNumberFormat.E164);
            return true;
        }
        catch (NumberParseException)
        {
            return false;
        }
    }
}
