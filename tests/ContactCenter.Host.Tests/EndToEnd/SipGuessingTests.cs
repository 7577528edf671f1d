using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Issue 17 through the product: SIPp guesses alice's SIP password from 127.0.0.2; after Sip:AuthFailureLimit wrong answers
/// that address is blocked, which the host counts in /metrics and shows a supervisor (not an agent) at
/// /api/telephony/sip-security; alice's real phone on 127.0.0.1 still registers; the supervisor lifts the block.
/// </summary>
public class SipGuessingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_guessing_address_is_blocked_counted_shown_to_supervisors_and_the_real_phone_still_registers()
    {
        await using var host = CallPathTests.StartHost(("Sip__AuthFailureLimit", "3"), ("Sip__AuthBlockResponse", "403"));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
            var folder = Directory.CreateTempSubdirectory("cc-e2e-guess-").FullName;
            await using var sam = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "sam");
            await using var bob = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");

            var register = Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture) });
            await using var guesser = Sipp.Start("guesser", folder,
                ["-sf", register, $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.2", "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture),
                 "-s", "alice", "-au", "alice", "-ap", "not-the-password", "-m", "8", "-r", "4"]);

            // The supervisor sees the address blocked, with the wrong answers that blocked it and the user it tried.
            JsonElement blocked = default;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < Patience)
            {
                var view = await sam.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/telephony/sip-security", UriKind.Relative));
                var list = view.GetProperty("blockedSources");
                if (list.GetArrayLength() > 0)
                {
                    blocked = list[0];
                    break;
                }
                await Task.Delay(100);
            }
            Assert.True(blocked.ValueKind == JsonValueKind.Object, $"no block within {Patience}:\n{guesser.Output}");
            Assert.Equal("127.0.0.2", blocked.GetProperty("address").GetString());
            Assert.Equal(3, blocked.GetProperty("failures").GetInt32());
            Assert.Equal("alice", blocked.GetProperty("lastUser").GetString());

            // An agent may not see it.
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.Api.GetAsync(new Uri("/api/telephony/sip-security", UriKind.Relative))).StatusCode);

            // Counted in /metrics, logged once.
            var metrics = await sam.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Matches(new Regex(@"(?m)^contactcenter_sip_auth_blocks_total(\{[^}]*\})? 1(\s|$)"), metrics);
            Assert.Matches(new Regex(@"(?m)^contactcenter_sip_auth_blocked_sources(\{[^}]*\})? 1(\s|$)"), metrics);
            Assert.Matches(new Regex(@"(?m)^contactcenter_sip_auth_failures_total(\{[^}]*\})? 3(\s|$)"), metrics);
            Assert.Single(Regex.Matches(host.StandardOutput, @"SIP source 127\.0\.0\.2 blocked until"));

            // alice's real phone, from another address, registers.
            // (RegisterPhoneAsync asserts SIPp's REGISTER got its 200; the gauge follows at the next scrape.)
            await using var phone = await CallPathTests.RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", null);
            var registered = new Regex(@"(?m)^contactcenter_telephony_phones_registered(\{[^}]*\})? 1(\s|$)");
            clock.Restart();
            while (!registered.IsMatch(await sam.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative))) && clock.Elapsed < Patience)
            {
                await Task.Delay(200);
            }
            Assert.Matches(registered, await sam.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

            // The supervisor lifts the block.
            Assert.Equal(HttpStatusCode.NoContent, (await sam.Api.DeleteAsync(new Uri("/api/telephony/sip-security/blocked/127.0.0.2", UriKind.Relative))).StatusCode);
            var after = await sam.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/telephony/sip-security", UriKind.Relative));
            Assert.Equal(0, after.GetProperty("blockedSources").GetArrayLength());
        });
    }
}
