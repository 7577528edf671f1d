namespace ContactCenter.Host.Composition;

/// <summary>
/// <c>ContactCenter.Host healthcheck</c>: asks the running process on this machine for
/// <c>/health/ready</c> (the container image has no curl). Exit 0 when ready.
/// </summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        var urls = configuration["Urls"] ?? "http://localhost:5080";
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var local = first.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(new Uri(new Uri(local), "/health/ready"));
            Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.Error.WriteLine($"unhealthy: {error.Message}");
            return 1;
        }
    }
}
