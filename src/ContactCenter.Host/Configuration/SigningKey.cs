using System.Security.Cryptography;

namespace ContactCenter.Host.Configuration;

/// <summary>
/// Resolves <c>Auth:SigningKey</c>, the key every module uses to sign and validate bearer
/// tokens. The embedded default generates one on first start and keeps it beside the SQLite
/// database; with SQL Server (production) it must be configured.
/// </summary>
internal static class SigningKey
{
    public const string Key = "Auth:SigningKey";
    public const int MinimumLength = 32;

    public static string Resolve(IConfiguration configuration, HostSettings settings, string workingDirectory)
    {
        var configured = configuration[Key];
        if (!string.IsNullOrEmpty(configured))
        {
            if (configured.Length < MinimumLength)
            {
                throw new ConfigurationError(Key, $"must be at least {MinimumLength} characters (was {configured.Length})");
            }

            return configured;
        }

        var folder = settings.EmbeddedDataFolder(workingDirectory)
            ?? throw new ConfigurationError(Key, "is required (it is generated only for the embedded SQLite file database)");
        var path = Path.Combine(folder, "signing.key");
        try
        {
            Directory.CreateDirectory(folder);
            if (File.Exists(path))
            {
                var existing = File.ReadAllText(path).Trim();
                if (existing.Length >= MinimumLength)
                {
                    return existing;
                }
            }

            var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options))
            {
                writer.Write(generated);
            }

            return generated;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError(Key, $"is not set and could not be kept in {path}: {ex.Message}");
        }
    }
}
