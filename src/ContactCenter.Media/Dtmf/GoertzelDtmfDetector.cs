namespace ContactCenter.Media.Dtmf;

/// <summary>
/// In-band DTMF detection for 8 kHz linear audio: Goertzel filters at the eight DTMF
/// frequencies over blocks of 205 samples (~25.6 ms). A block holds a digit when its strongest
/// row and column tones are loud enough, each dominate their group, the twist is within limits
/// and the two tones carry most of the block's energy (which rejects speech and noise). A digit
/// is reported once, after two consecutive blocks agree, and re-armed after a block without it.
/// </summary>
public sealed class GoertzelDtmfDetector
{
    private const int BlockSize = 205;
    private const double SampleRate = 8000;
    private static readonly double[] RowFrequencies = [697, 770, 852, 941];
    private static readonly double[] ColumnFrequencies = [1209, 1336, 1477, 1633];
    private static readonly char[,] Keys =
    {
        { '1', '2', '3', 'A' },
        { '4', '5', '6', 'B' },
        { '7', '8', '9', 'C' },
        { '*', '0', '#', 'D' },
    };

    private static readonly double[] Coefficients = BuildCoefficients();

    private readonly short[] block = new short[BlockSize];
    private readonly double[] powers = new double[8];
    private readonly Action<DtmfReceivedEventArgs> report;
    private int filled;
    private char candidate;
    private int candidateBlocks;
    private bool reportedCandidate;

    /// <summary>Creates a detector that calls <paramref name="report"/> once per detected key press.</summary>
    public GoertzelDtmfDetector(Action<DtmfReceivedEventArgs> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        this.report = report;
    }

    /// <summary>Feeds 8 kHz linear samples (any chunk size).</summary>
    public void Process(ReadOnlySpan<short> samples)
    {
        while (!samples.IsEmpty)
        {
            int take = Math.Min(BlockSize - filled, samples.Length);
            samples[..take].CopyTo(block.AsSpan(filled));
            filled += take;
            samples = samples[take..];
            if (filled == BlockSize)
            {
                filled = 0;
                OnBlock(Analyse());
            }
        }
    }

    private void OnBlock(char digit)
    {
        if (digit == '\0')
        {
            if (reportedCandidate)
            {
                reportedCandidate = false;
            }

            candidate = '\0';
            candidateBlocks = 0;
            return;
        }

        if (digit == candidate)
        {
            candidateBlocks++;
        }
        else
        {
            candidate = digit;
            candidateBlocks = 1;
            reportedCandidate = false;
        }

        if (candidateBlocks == 2 && !reportedCandidate)
        {
            reportedCandidate = true;
            report(new DtmfReceivedEventArgs
            {
                Digit = digit,
                Duration = TimeSpan.FromMilliseconds(2 * BlockSize / 8.0),
                Source = DtmfSource.InBand,
            });
        }
    }

    private char Analyse()
    {
        double energy = 0;
        foreach (short s in block)
        {
            energy += (double)s * s;
        }

        // Quieter than about -40 dBm0 per tone: not a digit.
        if (energy / BlockSize < 2.0e4)
        {
            return '\0';
        }

        for (int f = 0; f < 8; f++)
        {
            double coeff = Coefficients[f];
            double s1 = 0, s2 = 0;
            foreach (short x in block)
            {
                double s0 = x + (coeff * s1) - s2;
                s2 = s1;
                s1 = s0;
            }

            powers[f] = (s1 * s1) + (s2 * s2) - (coeff * s1 * s2);
        }

        int row = StrongestOf(0);
        int column = StrongestOf(4);
        double rowPower = powers[row];
        double columnPower = powers[4 + column];

        // Each tone dominates its group by at least 6 dB.
        for (int i = 0; i < 4; i++)
        {
            if ((i != row && powers[i] * 4 > rowPower) || (i != column && powers[4 + i] * 4 > columnPower))
            {
                return '\0';
            }
        }

        // Twist: the two tones within 8 dB of each other.
        if (columnPower > rowPower * 6.3 || rowPower > columnPower * 6.3)
        {
            return '\0';
        }

        // A pure tone of amplitude A over N samples gives power (A N / 2)^2 and energy N A^2 / 2:
        // the two tones must carry most of the energy.
        double toneShare = (rowPower + columnPower) / (energy * BlockSize / 2.0);
        return toneShare < 0.6 ? '\0' : Keys[row, column];
    }

    private int StrongestOf(int start)
    {
        int best = 0;
        for (int i = 1; i < 4; i++)
        {
            if (powers[start + i] > powers[start + best])
            {
                best = i;
            }
        }

        return best;
    }

    private static double[] BuildCoefficients()
    {
        var result = new double[8];
        for (int i = 0; i < 4; i++)
        {
            result[i] = 2 * Math.Cos(2 * Math.PI * RowFrequencies[i] / SampleRate);
            result[4 + i] = 2 * Math.Cos(2 * Math.PI * ColumnFrequencies[i] / SampleRate);
        }

        return result;
    }

    /// <summary>Writes a DTMF tone pair for <paramref name="digit"/> (used for in-band sending and tests).</summary>
    public static void GenerateTone(char digit, Span<short> destination, long firstSampleIndex, double amplitude = 6000)
    {
        int code = DtmfDigits.ToEventCode(digit);
        if (code < 0)
        {
            throw new ArgumentException($"'{digit}' is not a DTMF digit.", nameof(digit));
        }

        int row = -1, column = -1;
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                if (Keys[r, c] == char.ToUpperInvariant(digit))
                {
                    row = r;
                    column = c;
                }
            }
        }

        double wRow = 2 * Math.PI * RowFrequencies[row] / SampleRate;
        double wColumn = 2 * Math.PI * ColumnFrequencies[column] / SampleRate;
        for (int i = 0; i < destination.Length; i++)
        {
            long n = firstSampleIndex + i;
            destination[i] = (short)Math.Round(amplitude * (Math.Sin(wRow * n) + Math.Sin(wColumn * n)));
        }
    }
}
