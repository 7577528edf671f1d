using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Sip;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway.Legs;

/// <summary>
/// The adapters over the real SIP stack (<see cref="SipEndpointDialler"/>), on loopback against SIPp as the phone: the
/// contract the sessions' fakes keep — a 2xx that crosses our CANCEL is acknowledged and hung up by the stack and reads as
/// 487 — holds for the real thing.
/// </summary>
public sealed class SipAdapterTests : IAsyncLifetime
{
    private readonly string workDir = Directory.CreateTempSubdirectory("cc-sipp-").FullName;
    private SipEndpoint sip = null!;

    public Task InitializeAsync()
    {
        sip = new SipEndpoint(new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 0, UdpReceiveLoops = 1 }, NullLoggerFactory.Instance, null, null);
        sip.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await sip.DisposeAsync();
        Directory.Delete(workDir, recursive: true);
    }

    [Fact]
    public async Task A_200_that_crosses_our_cancel_is_acked_and_hung_up_by_the_stack_and_reads_as_487()
    {
        var scenario = Path.Combine(workDir, "answer-after-cancel.xml");
        await File.WriteAllTextAsync(scenario, AnswerAfterCancel);
        var port = FreeUdpPort();
        using var phone = StartSipp($"-sf {scenario} -i 127.0.0.1 -p {port} -m 1 -timeout 20s");
        var dialler = new SipEndpointDialler(sip);

        var rang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = await DialWhenListeningAsync(dialler, port, _ => rang.TrySetResult());
        await rang.Task.WaitAsync(TimeSpan.FromSeconds(10));
        call.Cancel(); // the ring timeout; the phone answers anyway

        var result = await call.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((487, false), (result.StatusCode, result.IsAnswered));
        var (exit, output) = await FinishAsync(phone); // SIPp saw our ACK and our BYE for its 200
        Assert.True(exit == 0, $"sipp exit {exit}\n{output}");
    }

    [Fact]
    public async Task An_answered_call_gives_a_dialog_leg_whose_bye_reaches_the_phone()
    {
        var port = FreeUdpPort();
        using var phone = StartSipp($"-sn uas -i 127.0.0.1 -p {port} -m 1 -timeout 20s");
        var dialler = new SipEndpointDialler(sip);
        var rang = 0;

        var call = await DialWhenListeningAsync(dialler, port, r => Interlocked.Increment(ref rang));
        var result = await call.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, result.StatusCode);
        var dialog = Assert.IsType<DialogLeg>(result.Dialog);
        Assert.NotNull(SdpOfferAnswer.ReadAnswer(result.Answer!));
        Assert.Equal(1, rang);

        var bye = await dialog.SendByeAsync(CancellationToken.None);
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(SipDialogEndReason.LocalBye, await dialog.Ended);
        var (exit, output) = await FinishAsync(phone);
        Assert.True(exit == 0, $"sipp exit {exit}\n{output}");
    }

    private async Task<IDialledLeg> DialWhenListeningAsync(SipEndpointDialler dialler, int port, Action<SipResponse> provisional)
    {
        // SIPp needs a moment to bind its socket: wait until the kernel lists it (read-only, so SIPp's own bind is not disturbed).
        var local = $"0100007F:{port:X4}";
        var deadline = TimeProvider.System.GetTimestamp() + 10 * TimeProvider.System.TimestampFrequency;
        while (!File.ReadLines("/proc/net/udp").Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var address, ..] && address == local))
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"sipp did not listen on UDP {port}");
            await Task.Delay(10);
        }

        var target = SipUri.Parse($"sip:service@127.0.0.1:{port}");
        return dialler.Dial(new SipCallOptions
        {
            Target = target,
            From = SipNameAddress.Create(SipUri.Create("+442071838750", dialler.Host), displayName: null),
            To = SipNameAddress.Create(target),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 40_000)),
        }, provisional);
    }

    private Process StartSipp(string args)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "sipp")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("sipp is not installed (apt-get install sip-tester); this test needs it");
        return Process.Start(new ProcessStartInfo(path, args + " -nostdin")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        }) ?? throw new InvalidOperationException("could not start sipp");
    }

    private static async Task<(int Exit, string Output)> FinishAsync(Process sipp)
    {
        var stdout = sipp.StandardOutput.ReadToEndAsync();
        var stderr = sipp.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await sipp.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            sipp.Kill(entireProcessTree: true);
            throw new TimeoutException("sipp did not finish within 30 s");
        }

        return (sipp.ExitCode, await stdout + await stderr);
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A phone that rings, takes our CANCEL (200), and answers the INVITE all the same; it then expects our ACK and BYE.</summary>
    private const string AnswerAfterCancel = """
        <?xml version="1.0" encoding="ISO-8859-1" ?>
        <scenario name="200 crossing the CANCEL">
          <recv request="INVITE">
            <action>
              <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="cseq" />
            </action>
          </recv>
          <send>
            <![CDATA[

              SIP/2.0 180 Ringing
              [last_Via:]
              [last_From:]
              [last_To:];tag=[pid]SIPpTag01[call_number]
              [last_Call-ID:]
              [last_CSeq:]
              Contact: <sip:[local_ip]:[local_port];transport=[transport]>
              Content-Length: 0

            ]]>
          </send>
          <recv request="CANCEL" />
          <send>
            <![CDATA[

              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:];tag=[pid]SIPpTag01[call_number]
              [last_Call-ID:]
              [last_CSeq:]
              Content-Length: 0

            ]]>
          </send>
          <send>
            <![CDATA[

              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:];tag=[pid]SIPpTag01[call_number]
              [last_Call-ID:]
              CSeq: [$cseq] INVITE
              Contact: <sip:[local_ip]:[local_port];transport=[transport]>
              Content-Type: application/sdp
              Content-Length: [len]

              v=0
              o=phone 1 1 IN IP[local_ip_type] [local_ip]
              s=-
              c=IN IP[media_ip_type] [media_ip]
              t=0 0
              m=audio [media_port] RTP/AVP 0
              a=rtpmap:0 PCMU/8000

            ]]>
          </send>
          <recv request="ACK" />
          <recv request="BYE" />
          <send>
            <![CDATA[

              SIP/2.0 200 OK
              [last_Via:]
              [last_From:]
              [last_To:]
              [last_Call-ID:]
              [last_CSeq:]
              Content-Length: 0

            ]]>
          </send>
        </scenario>
        """;
}
