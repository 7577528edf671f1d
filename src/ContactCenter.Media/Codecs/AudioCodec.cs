namespace ContactCenter.Media.Codecs;

/// <summary>The narrow-band codecs the engine speaks (8 kHz, one byte per sample).</summary>
public enum AudioCodec
{
    /// <summary>G.711 µ-law, static RTP payload type 0.</summary>
    Pcmu = 0,

    /// <summary>G.711 A-law, static RTP payload type 8.</summary>
    Pcma = 8,
}
