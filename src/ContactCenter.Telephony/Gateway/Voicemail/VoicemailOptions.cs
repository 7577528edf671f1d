using System.Globalization;

namespace ContactCenter.Telephony.Gateway.Voicemail;

/// <summary>
/// How voicemail messages are taken (section <c>Telephony:Voicemail</c>). The same limits apply to every queue whose
/// <c>maxWaitAction</c> is <c>voicemail</c>; an IVR <c>voicemail</c> node may set its own <c>max_length</c>.
/// </summary>
internal sealed class VoicemailOptions
{
    /// <summary>The longest message; recording stops there (<c>Telephony:Voicemail:MaxLength</c>).</summary>
    public TimeSpan MaxLength { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>A shorter message is discarded (<c>Telephony:Voicemail:MinLength</c>).</summary>
    public TimeSpan MinLength { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A 20 ms frame at or above this RMS level (dBFS) is speech (<c>Telephony:Voicemail:SilenceThresholdDbfs</c>).</summary>
    public double SilenceThresholdDbfs { get; set; } = -40;

    /// <summary>A message with less speech than this is silent and discarded (<c>Telephony:Voicemail:MinSpeech</c>).</summary>
    public TimeSpan MinSpeech { get; set; } = TimeSpan.FromMilliseconds(500);

    public IEnumerable<string> Validate()
    {
        if (MaxLength < VoicemailLimits.ShortestMaxLength || MaxLength > VoicemailLimits.LongestMaxLength)
        {
            yield return $"Telephony:Voicemail:MaxLength must be between {VoicemailLimits.ShortestMaxLength} and {VoicemailLimits.LongestMaxLength} (was {MaxLength})";
        }

        if (MinLength < TimeSpan.Zero || MinLength >= MaxLength)
        {
            yield return $"Telephony:Voicemail:MinLength must be at least 0 and below MaxLength {MaxLength} (was {MinLength})";
        }

        if (double.IsNaN(SilenceThresholdDbfs) || SilenceThresholdDbfs < -90 || SilenceThresholdDbfs > -6)
        {
            yield return $"Telephony:Voicemail:SilenceThresholdDbfs must be between -90 and -6 dBFS (was {SilenceThresholdDbfs.ToString(CultureInfo.InvariantCulture)})";
        }

        if (MinSpeech < TimeSpan.Zero || MinSpeech > MaxLength)
        {
            yield return $"Telephony:Voicemail:MinSpeech must be between 0 and MaxLength {MaxLength} (was {MinSpeech})";
        }
    }
}

/// <summary>Bounds of a message's maximum length, for the settings and the IVR node.</summary>
internal static class VoicemailLimits
{
    public static readonly TimeSpan ShortestMaxLength = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestMaxLength = TimeSpan.FromMinutes(10);
}
