using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The IVR's transfer node, carried out: the caller is bridged with a number outside through the outbound trunk
/// (SIPp plays the far end behind it), and the call's history names the transfer.
/// </summary>
public sealed class IvrTransferTests
{
    private const string AdaPhone = "+442079460018";
    private const string Operator = "+442079460999";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Pressing_9_transfers_the_caller_to_the_operator_through_the_trunk()
    {
        var carrierPort = Sipp.FreeUdpPort();
        var config = CallbackTests.CallbackConfig(carrierPort, attempts: 1);
        var flow = Path.Combine(config, "ivr", "main.yaml");
        var text = File.ReadAllText(flow);
        Assert.Contains("      \"3\": billing\n", text, StringComparison.Ordinal);
        text = text.Replace("      \"3\": billing\n", "      \"3\": billing\n      \"9\": operator\n", StringComparison.Ordinal)
            + $"\n  operator:\n    type: transfer\n    prompts: [transfer/transferring]\n    target: \"{Operator}\"\n";
        File.WriteAllText(flow, text);

        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", config));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            // The operator, behind the trunk: answers a call from the trunk's caller id, talks 2 s and hangs up.
            var scenario = Sipp.Render(folder, "agent.xml", new Dictionary<string, string>
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "operator",
                ["ring_ms"] = "500",
                ["talk_ms"] = "2000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\+442079460000",
                ["after"] = "agent-send-bye.part",
            });
            await using var carrier = Sipp.Start("operator", folder,
                ["-sf", scenario, "-i", "127.0.0.1", "-p", carrierPort.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);

            // The caller presses 9 and stays until the operator's end of the call reaches them as the gateway's BYE.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '9', ending: "caller-waits-bye.part", stayMs: 30_000);
            await carrier.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            Assert.Contains($"{Operator} answered the transfer; bridged with the caller", host.StandardOutput, StringComparison.Ordinal);

            // The history: the IVR path names the transfer, and how it ended.
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            var customers = await alice.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers?phone={Uri.EscapeDataString(AdaPhone)}", UriKind.Relative));
            var customerId = customers.GetProperty("items")[0].GetProperty("id").GetString();
            JsonElement? found = null;
            for (var attempt = 0; attempt < 60 && found is null; attempt++)
            {
                var page = await alice.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customerId}/interactions?page=1&pageSize=20", UriKind.Relative));
                found = page.GetProperty("items").EnumerateArray()
                    .Cast<JsonElement?>()
                    .FirstOrDefault(i => i!.Value.GetProperty("ivrPath").GetString() == $"main>9>transfer>{Operator}" && i.Value.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
                if (found is null)
                {
                    await Task.Delay(250);
                }
            }

            Assert.True(found is not null, "the transferred call is in Ada's history");
            Assert.Equal("overflowed", found.Value.GetProperty("outcome").GetString());
            Assert.Contains($"transferred to {Operator}, who hung up", host.StandardOutput, StringComparison.Ordinal);
        });
    }
}
