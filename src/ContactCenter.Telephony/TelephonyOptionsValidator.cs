using ContactCenter.Telephony.Configuration;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony;

/// <summary>Validates <see cref="TelephonyOptions"/> by loading telephony-config; failures name the key, file, line and field.</summary>
internal sealed class TelephonyOptionsValidator : IValidateOptions<TelephonyOptions>
{
    private readonly TelephonyConfigSource source;

    public TelephonyOptionsValidator(TelephonyConfigSource source)
    {
        this.source = source;
    }

    public ValidateOptionsResult Validate(string? name, TelephonyOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConfigPath))
        {
            return ValidateOptionsResult.Fail("Telephony:ConfigPath must name the telephony-config folder (default 'telephony-config').");
        }

        var (config, errors) = source.TryGet(options.ConfigPath);
        return config is not null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => $"Telephony:ConfigPath ({source.Resolve(options.ConfigPath)}): {e}"));
    }
}
