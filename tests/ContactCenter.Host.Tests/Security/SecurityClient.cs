using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace ContactCenter.Host.Tests.Security;

/// <summary>HTTP clients for the security tests: from a chosen loopback source address, signed in as someone.</summary>
internal static class SecurityClient
{
    /// <summary>A client whose connections leave from <paramref name="source"/> (any 127.x.y.z works on Linux loopback).</summary>
    public static HttpClient From(IPAddress source, Uri baseAddress, string? token = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A token for <paramref name="login"/> from POST /api/auth/token (from 127.0.0.1).</summary>
    public static async Task<string> TokenAsync(Uri baseAddress, string login, string password = "demo")
    {
        using var client = From(IPAddress.Loopback, baseAddress);
        using var response = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password });
        Assert.True(response.IsSuccessStatusCode, $"{login} could not sign in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>A client signed in as <paramref name="login"/> (bearer token).</summary>
    public static async Task<HttpClient> SignedInAsync(Uri baseAddress, string login, string password = "demo") =>
        From(IPAddress.Loopback, baseAddress, await TokenAsync(baseAddress, login, password));

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="within"/> passes; the time it took.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return TimeProvider.System.GetElapsedTime(started);
            }

            if (TimeProvider.System.GetElapsedTime(started) > within)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not happen within {within.TotalSeconds} s");
            }

            await Task.Delay(50);
        }
    }
}
