using ContactCenter.Media.Dtmf;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Dtmf;

public class TelephoneEventReceiverTests
{
    private readonly FakeTimeProvider time = new();
    private readonly List<DtmfReceivedEventArgs> digits = [];

    private TelephoneEventReceiver Create() => new(time, digits.Add);

    [Fact]
    public void One_event_with_updates_and_three_end_packets_is_one_digit()
    {
        var receiver = Create();
        for (ushort d = 160; d <= 800; d += 160)
        {
            receiver.Process(1000, new TelephoneEvent(5, false, 10, d));
            time.Advance(TimeSpan.FromMilliseconds(20));
        }

        for (int i = 0; i < 3; i++)
        {
            receiver.Process(1000, new TelephoneEvent(5, true, 10, 960));
        }

        var digit = Assert.Single(digits);
        Assert.Equal('5', digit.Digit);
        Assert.Equal(TimeSpan.FromMilliseconds(120), digit.Duration);
        Assert.Equal((byte)10, digit.Volume);
        Assert.Equal(DtmfSource.Rfc4733, digit.Source);
    }

    [Fact]
    public void Same_key_pressed_twice_is_two_digits()
    {
        var receiver = Create();
        receiver.Process(1000, new TelephoneEvent(1, false, 7, 160));
        receiver.Process(1000, new TelephoneEvent(1, true, 7, 800));
        receiver.Process(1000, new TelephoneEvent(1, true, 7, 800));
        receiver.Process(3000, new TelephoneEvent(1, false, 7, 160));
        receiver.Process(3000, new TelephoneEvent(1, true, 7, 640));
        receiver.Process(1000, new TelephoneEvent(1, true, 7, 800)); // late retransmission of the first

        Assert.Equal(['1', '1'], digits.Select(d => d.Digit));
        Assert.Equal(TimeSpan.FromMilliseconds(80), digits[1].Duration);
    }

    [Fact]
    public void Event_whose_end_packets_were_lost_is_reported_after_the_timeout()
    {
        var receiver = Create();
        receiver.Process(500, new TelephoneEvent(11, false, 10, 160));
        receiver.Process(500, new TelephoneEvent(11, false, 10, 320));
        receiver.Poll();
        Assert.Empty(digits);

        time.Advance(TelephoneEventReceiver.LostEndTimeout);
        receiver.Poll();
        receiver.Poll();
        Assert.Equal('#', Assert.Single(digits).Digit);
    }

    [Fact]
    public void Event_whose_end_was_lost_is_reported_when_the_next_starts()
    {
        var receiver = Create();
        receiver.Process(500, new TelephoneEvent(2, false, 10, 160));
        receiver.Process(900, new TelephoneEvent(3, false, 10, 160));
        receiver.Process(900, new TelephoneEvent(3, true, 10, 320));
        Assert.Equal(['2', '3'], digits.Select(d => d.Digit));
    }

    [Fact]
    public void Non_dtmf_events_are_ignored()
    {
        var receiver = Create();
        receiver.Process(500, new TelephoneEvent(16, true, 10, 160)); // flash
        receiver.Process(600, new TelephoneEvent(32, true, 10, 160)); // fax tone
        Assert.Empty(digits);
    }

    [Fact]
    public void Payload_round_trips()
    {
        byte[] payload = new byte[4];
        new TelephoneEvent(10, true, 63, 65535).WriteTo(payload);
        Assert.True(TelephoneEvent.TryParse(payload, out TelephoneEvent parsed));
        Assert.Equal(new TelephoneEvent(10, true, 63, 65535), parsed);
        Assert.False(TelephoneEvent.TryParse(payload.AsSpan(0, 3), out _));
    }
}
