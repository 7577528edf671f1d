using System.Net;
using System.Net.Sockets;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests;

/// <summary>Answers every INVITE: 180, then 200 with an SDP answer on a real RTP socket bound per call.</summary>
public sealed class AnsweringUas
{
    private int answered;
    private int ended;

    public AnsweringUas(SipEndpoint endpoint, TimeSpan? ringFor = null)
    {
        endpoint.IncomingCallHandler = async call =>
        {
            call.SendProvisional(180);
            if (ringFor is { } delay)
            {
                try
                {
                    await Task.Delay(delay, call.Cancelled);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref Cancelled);
                    return;
                }
            }
            var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var local = (IPEndPoint)rtp.LocalEndPoint!;
            if (call.Offer is null)
            {
                rtp.Dispose();
                call.Reject(488);
                return;
            }
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer, local);
            if (!answer.IsSuccess)
            {
                rtp.Dispose();
                call.Reject(488);
                return;
            }
            var dialog = call.Accept(answer.Answer!);
            if (dialog is null)
            {
                rtp.Dispose();
                return;
            }
            Interlocked.Increment(ref answered);
            _ = dialog.Ended.ContinueWith(_ =>
            {
                rtp.Dispose();
                Interlocked.Increment(ref ended);
            }, TaskScheduler.Default);
        };
    }

    public int Cancelled;

    public int Answered => Volatile.Read(ref answered);

    public int Ended => Volatile.Read(ref ended);
}
