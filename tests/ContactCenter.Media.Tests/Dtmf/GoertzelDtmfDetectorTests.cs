using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;

namespace ContactCenter.Media.Tests.Dtmf;

public class GoertzelDtmfDetectorTests
{
    private static short[] Tone(char digit, int ms, double amplitude = 6000)
    {
        var samples = new short[ms * 8];
        GoertzelDtmfDetector.GenerateTone(digit, samples, 0, amplitude);
        return samples;
    }

    private static short[] Silence(int ms) => new short[ms * 8];

    private static short[] ThroughG711(short[] samples, AudioCodec codec)
    {
        byte[] coded = new byte[samples.Length];
        G711.Encode(codec, samples, coded);
        var back = new short[samples.Length];
        G711.Decode(codec, coded, back);
        return back;
    }

    [Theory]
    [InlineData("0123456789*#ABCD")]
    public void Every_key_is_detected_once_through_mu_law(string keys)
    {
        var found = new List<char>();
        var detector = new GoertzelDtmfDetector(d => found.Add(d.Digit));
        foreach (char key in keys)
        {
            // Fed in 20 ms RTP-sized chunks, as the session does.
            short[] audio = ThroughG711([.. Tone(key, 100), .. Silence(60)], AudioCodec.Pcmu);
            for (int i = 0; i < audio.Length; i += 160)
            {
                detector.Process(audio.AsSpan(i, Math.Min(160, audio.Length - i)));
            }
        }

        Assert.Equal(keys, new string([.. found]));
    }

    [Fact]
    public void A_long_press_is_one_digit_and_quiet_tones_are_ignored()
    {
        var found = new List<char>();
        var detector = new GoertzelDtmfDetector(d => found.Add(d.Digit));
        detector.Process(ThroughG711(Tone('9', 1000), AudioCodec.Pcma));
        detector.Process(Tone('1', 200, amplitude: 20));
        Assert.Equal(['9'], found);
    }

    [Fact]
    public void Speech_like_audio_and_single_tones_are_not_digits()
    {
        var found = new List<char>();
        var detector = new GoertzelDtmfDetector(d => found.Add(d.Digit));
        var random = new Random(7);
        var audio = new short[8000 * 3];
        for (int n = 0; n < audio.Length; n++)
        {
            // A vowel-like harmonic series at 140 Hz plus noise, then a lone 1 kHz tone.
            double t = n / 8000.0;
            double v = n < 16000
                ? (3000 * Math.Sin(2 * Math.PI * 140 * t)) + (2000 * Math.Sin(2 * Math.PI * 700 * t)) + (1500 * Math.Sin(2 * Math.PI * 1220 * t)) + (800 * Math.Sin(2 * Math.PI * 2400 * t)) + random.Next(-1500, 1500)
                : 8000 * Math.Sin(2 * Math.PI * 1000 * t);
            audio[n] = (short)v;
        }

        detector.Process(audio);
        Assert.Empty(found);
    }
}
