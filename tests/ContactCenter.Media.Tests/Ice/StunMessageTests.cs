using System.Net;
using System.Security.Cryptography;
using System.Text;
using ContactCenter.Media.Ice;

namespace ContactCenter.Media.Tests.Ice;

/// <summary>The STUN codec against the RFC 5769 test vectors.</summary>
public class StunMessageTests
{
    internal const string Rfc5769Password = "VOkJxbRl1RmTxUk/WvJxBt";

    // RFC 5769 §2.1: Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME "evtj:h6vY",
    // MESSAGE-INTEGRITY and FINGERPRINT (padding bytes are 0x20 in the RFC).
    internal static readonly byte[] SampleRequest = Convert.FromHexString(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
        + "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020"
        + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf");

    // RFC 5769 §2.2: success response, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
    private static readonly byte[] SampleIPv4Response = Convert.FromHexString(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643"
        + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96");

    // RFC 5769 §2.3: success response, XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    private static readonly byte[] SampleIPv6Response = Convert.FromHexString(
        "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
        + "00080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c");

    [Fact]
    public void Crc32_gives_the_standard_check_value() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Rfc5769_sample_request_parses_and_its_integrity_and_fingerprint_check()
    {
        Assert.True(StunMessage.TryParse(SampleRequest, out StunMessage message));
        Assert.Equal(Stun.BindingRequest, message.Type);
        Assert.True(message.IsRequest);
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(message.Username));
        Assert.Equal(0x6e0001ffu, message.Priority);
        Assert.Equal(0x932ff9b151263b36ul, message.IceControlled);
        Assert.Null(message.IceControlling);
        Assert.False(message.UseCandidate);
        Assert.Equal(0, message.UnknownRequiredCount);
        Assert.Equal(Convert.FromHexString("b7e7a701bc34d686fa87dfae"), message.TransactionId.ToArray());
        using IncrementalHash hmac = Hmac(Rfc5769Password);
        Assert.True(message.VerifyMessageIntegrity(hmac));
        Assert.True(message.VerifyFingerprint());

        using IncrementalHash wrong = Hmac("VOkJxbRl1RmTxUk/WvJxBT");
        Assert.False(message.VerifyMessageIntegrity(wrong));
    }

    [Fact]
    public void A_changed_byte_anywhere_before_the_integrity_fails_the_check()
    {
        using IncrementalHash hmac = Hmac(Rfc5769Password);
        int parsed = 0;
        for (int i = 0; i < 0x64; i++)
        {
            byte[] copy = (byte[])SampleRequest.Clone();
            copy[i] ^= 0x01;
            if (!StunMessage.TryParse(copy, out StunMessage message))
            {
                continue; // a length, the cookie or an attribute type that no longer fits: refused outright
            }

            parsed++;
            Assert.False(message.VerifyMessageIntegrity(hmac), $"byte {i}");
            Assert.False(message.VerifyFingerprint(), $"byte {i}");
        }

        Assert.True(parsed > 80, $"only {parsed} of the changed messages parsed");
    }

    [Fact]
    public void Rfc5769_ipv4_response_gives_its_mapped_address()
    {
        Assert.True(StunMessage.TryParse(SampleIPv4Response, out StunMessage message));
        Assert.Equal(Stun.BindingSuccess, message.Type);
        Assert.True(message.IsResponse);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), message.GetXorMappedAddress());
        using IncrementalHash hmac = Hmac(Rfc5769Password);
        Assert.True(message.VerifyMessageIntegrity(hmac));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void Rfc5769_ipv6_response_gives_its_mapped_address()
    {
        Assert.True(StunMessage.TryParse(SampleIPv6Response, out StunMessage message));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), message.GetXorMappedAddress());
        using IncrementalHash hmac = Hmac(Rfc5769Password);
        Assert.True(message.VerifyMessageIntegrity(hmac));
        Assert.True(message.VerifyFingerprint());
    }

    [Theory]
    [InlineData("192.0.2.1", "002000080001a147e112a643")]
    [InlineData("2001:db8:1234:5678:11:2233:4455:6677", "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9")]
    public void Writer_encodes_xor_mapped_address_as_rfc5769_does(string address, string attributeHex)
    {
        byte[] buffer = new byte[64];
        var writer = new StunWriter(buffer, Stun.BindingSuccess, Convert.FromHexString("b7e7a701bc34d686fa87dfae"));
        writer.AddXorMappedAddress(IPAddress.Parse(address), 32853);
        Assert.Equal(attributeHex, Convert.ToHexStringLower(buffer.AsSpan(20, writer.Length - 20)));
    }

    [Fact]
    public void Written_message_with_integrity_and_fingerprint_reads_back()
    {
        byte[] buffer = new byte[128];
        byte[] id = RandomNumberGenerator.GetBytes(12);
        var writer = new StunWriter(buffer, Stun.BindingRequest, id);
        writer.AddString(Stun.Username, "abcd:efghi"); // 10 bytes: padded
        writer.AddUInt32(Stun.Priority, 0x7E0000FF);
        writer.AddUInt64(Stun.IceControlling, 0x0102030405060708);
        writer.AddFlag(Stun.UseCandidate);
        using IncrementalHash hmac = Hmac("0123456789012345678901");
        writer.AddMessageIntegrity(hmac);
        writer.AddFingerprint();

        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, writer.Length), out StunMessage message));
        Assert.Equal("abcd:efghi", Encoding.UTF8.GetString(message.Username));
        Assert.Equal(0x7E0000FFu, message.Priority);
        Assert.Equal(0x0102030405060708ul, message.IceControlling);
        Assert.True(message.UseCandidate);
        Assert.Equal(id, message.TransactionId.ToArray());
        Assert.True(message.VerifyMessageIntegrity(hmac));
        Assert.True(message.VerifyFingerprint());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0001")]
    [InlineData("000100002112a442b7e7a701bc34d686fa87df")] // short header
    [InlineData("c00100002112a442b7e7a701bc34d686fa87dfae")] // top bits set
    [InlineData("000100002112a443b7e7a701bc34d686fa87dfae")] // no magic cookie
    [InlineData("000100042112a442b7e7a701bc34d686fa87dfae")] // length beyond the datagram
    [InlineData("000100042112a442b7e7a701bc34d686fa87dfae00060008")] // attribute overruns
    [InlineData("000100022112a442b7e7a701bc34d686fa87dfae0000")] // length not a multiple of 4
    [InlineData("0001000c2112a442b7e7a701bc34d686fa87dfae80280004000000000006000000")] // attribute after FINGERPRINT
    public void Malformed_messages_are_refused(string hex) =>
        Assert.False(StunMessage.TryParse(Convert.FromHexString(hex), out _));

    [Fact]
    public void Mutated_messages_never_throw()
    {
        var random = new Random(5769);
        using IncrementalHash hmac = Hmac(Rfc5769Password);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] copy = (byte[])SampleRequest.Clone();
            int changes = random.Next(1, 4);
            for (int c = 0; c < changes; c++)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(3) == 0 ? random.Next(copy.Length) : copy.Length;
            if (StunMessage.TryParse(copy.AsSpan(0, length), out StunMessage message))
            {
                message.VerifyMessageIntegrity(hmac);
                message.VerifyFingerprint();
                message.GetXorMappedAddress();
            }
        }
    }

    internal static IncrementalHash Hmac(string password) =>
        IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, Encoding.UTF8.GetBytes(password));
}
