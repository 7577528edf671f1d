using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using PhoneNumbers;

namespace ContactCenter.Crm;

/// <summary>CRM settings (section <c>Crm</c>).</summary>
internal sealed class CrmOptions
{
    /// <summary>Region for numbers dialled without a country code, ISO 3166 (e.g. GB).</summary>
    public string DefaultRegion { get; set; } = "GB";

    /// <summary>How many recent interactions the customer-360 and the screen pop carry.</summary>
    public int RecentInteractions { get; set; } = 10;

    /// <summary>How long a warmed screen pop is kept for the call's reservation.</summary>
    public TimeSpan ScreenPopCacheTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>SIP digest realm of the HA1 values (<c>Sip:Realm</c>).</summary>
    public string SipRealm { get; set; } = "contactcenter";

    /// <summary>Seed demo people, customers and cases on an empty database (<c>Demo:Seed</c>).</summary>
    public bool DemoSeed { get; set; }

    /// <summary>
    /// Under load (20 or more call events in the last second), how long the interaction writer waits for more events before
    /// it commits, so that a call's events close together become one row write (0 = never wait). The events' messages are
    /// acknowledged only after the commit either way.
    /// </summary>
    public TimeSpan InteractionLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The folder of the voicemail messages the gateway records (<c>Crm:VoicemailPath</c>); the same folder as the
    /// gateway's <c>Telephony:VoicemailPath</c> (in the embedded host, both default to <c>data/voicemail</c>).
    /// </summary>
    public string VoicemailPath { get; set; } = "data/voicemail";
}

internal sealed class CrmOptionsValidator : IValidateOptions<CrmOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DefaultRegion)
            || !PhoneNumberUtil.GetInstance().GetSupportedRegions().Contains(options.DefaultRegion.ToUpperInvariant()))
        {
            failures.Add($"Crm:DefaultRegion '{options.DefaultRegion}' is not a known ISO 3166 region code (e.g. GB, US, DE).");
        }
        if (options.RecentInteractions is < 1 or > 100)
        {
            failures.Add($"Crm:RecentInteractions must be between 1 and 100 (was {options.RecentInteractions}).");
        }
        if (options.ScreenPopCacheTime <= TimeSpan.Zero)
        {
            failures.Add("Crm:ScreenPopCacheTime must be positive.");
        }
        if (options.InteractionLinger < TimeSpan.Zero || options.InteractionLinger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"Crm:InteractionLinger must be between 00:00:00 and 00:00:01 (was {options.InteractionLinger}).");
        }
        if (string.IsNullOrWhiteSpace(options.VoicemailPath))
        {
            failures.Add("Crm:VoicemailPath must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(options.SipRealm))
        {
            failures.Add("Sip:Realm must not be empty.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Which database, from <c>Database:Provider</c> and <c>ConnectionStrings:ContactCenter</c>.</summary>
internal sealed class CrmDatabaseOptions
{
    public const string DefaultConnectionString = "Data Source=data/contactcenter.db";

    public string Provider { get; set; } = "Sqlite";

    public string ConnectionString { get; set; } = DefaultConnectionString;

    public bool IsSqlServer => string.Equals(Provider, "SqlServer", StringComparison.OrdinalIgnoreCase);

    public bool IsSqlite => string.Equals(Provider, "Sqlite", StringComparison.OrdinalIgnoreCase);

    public bool IsPostgreSql => string.Equals(Provider, "PostgreSql", StringComparison.OrdinalIgnoreCase);
}

internal sealed class CrmDatabaseOptionsValidator : IValidateOptions<CrmDatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmDatabaseOptions options)
    {
        if (!options.IsSqlite && !options.IsSqlServer && !options.IsPostgreSql)
        {
            return ValidateOptionsResult.Fail(
                $"Database:Provider '{options.Provider}' is not supported; use Sqlite, SqlServer or PostgreSql.");
        }
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("ConnectionStrings:ContactCenter must not be empty.");
        }
        try
        {
            if (options.IsSqlite)
            {
                var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.DataSource))
                {
                    return ValidateOptionsResult.Fail(
                        "ConnectionStrings:ContactCenter has no Data Source (the SQLite file), e.g. 'Data Source=data/contactcenter.db'.");
                }
            }
            else if (options.IsPostgreSql)
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    return ValidateOptionsResult.Fail(
                        "ConnectionStrings:ContactCenter has no Host for PostgreSQL, e.g. 'Host=db;Database=contactcenter;Username=...;Password=...'.");
                }
            }
            else
            {
                var builder = new SqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.DataSource))
                {
                    return ValidateOptionsResult.Fail(
                        "ConnectionStrings:ContactCenter has no Server for SQL Server, e.g. 'Server=db;Database=ContactCenter;User Id=...'.");
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return ValidateOptionsResult.Fail(
                $"ConnectionStrings:ContactCenter is not a valid {options.Provider} connection string: {ex.Message}");
        }
        return ValidateOptionsResult.Success;
    }
}

/// <summary>Token signing (<c>Auth:SigningKey</c>), shared with every module that validates tokens.</summary>
internal sealed class CrmAuthOptions
{
    public const string Issuer = "ContactCenter";
    public const string Audience = "ContactCenter";

    public string? SigningKey { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The shortest password a person may be given (<c>Auth:MinimumPasswordLength</c>, 8..128; ASVS asks 12).</summary>
    public int MinimumPasswordLength { get; set; } = 12;

    /// <summary>Sign-in attempts (right or wrong) one source address may make per <see cref="SignInWindow"/>.</summary>
    public int SignInPermitsPerAddress { get; set; } = 20;

    /// <summary>The window of <see cref="SignInPermitsPerAddress"/>.</summary>
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed sign-ins for one login from one address within <see cref="LockoutWindow"/> that lock it from there.</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>Failed sign-ins for one login from any addresses within <see cref="LockoutWindow"/> that lock it everywhere (0 = off).</summary>
    public int LockoutFailuresPerLogin { get; set; } = 50;

    /// <summary>The window failures are counted in.</summary>
    public TimeSpan LockoutWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a lockout lasts.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

internal sealed class CrmAuthOptionsValidator : IValidateOptions<CrmAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmAuthOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey) || options.SigningKey.Length < 32)
        {
            return ValidateOptionsResult.Fail("Auth:SigningKey must be set and at least 32 characters long.");
        }
        var failures = new List<string>();
        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            failures.Add("Auth:TokenLifetime must be positive.");
        }
        if (options.MinimumPasswordLength is < 8 or > 128)
        {
            failures.Add($"Auth:MinimumPasswordLength must be between 8 and 128 (was {options.MinimumPasswordLength}).");
        }
        if (options.SignInPermitsPerAddress < 1)
        {
            failures.Add($"Auth:SignInPermitsPerAddress must be 1 or more (was {options.SignInPermitsPerAddress}).");
        }
        if (options.SignInWindow <= TimeSpan.Zero)
        {
            failures.Add("Auth:SignInWindow must be positive.");
        }
        if (options.LockoutFailures < 1)
        {
            failures.Add($"Auth:LockoutFailures must be 1 or more (was {options.LockoutFailures}).");
        }
        if (options.LockoutFailuresPerLogin < 0)
        {
            failures.Add($"Auth:LockoutFailuresPerLogin must be 0 (off) or more (was {options.LockoutFailuresPerLogin}).");
        }
        if (options.LockoutWindow <= TimeSpan.Zero || options.LockoutDuration <= TimeSpan.Zero)
        {
            failures.Add("Auth:LockoutWindow and Auth:LockoutDuration must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
