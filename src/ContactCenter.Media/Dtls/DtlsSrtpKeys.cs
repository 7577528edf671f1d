using System.Security.Cryptography;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Dtls;

/// <summary>
/// The SRTP master keys a DTLS-SRTP handshake yields (RFC 5764 §4.2): the exporter
/// "EXTRACTOR-dtls_srtp" gives client key, server key, client salt, server salt; the client protects
/// with the client's and the server with the server's.
/// </summary>
internal sealed class DtlsSrtpKeys
{
    /// <summary>The label of the keying material exporter (RFC 5705) for DTLS-SRTP.</summary>
    public const string ExporterLabel = "EXTRACTOR-dtls_srtp";

    private readonly byte[] localKey;
    private readonly byte[] localSalt;
    private readonly byte[] remoteKey;
    private readonly byte[] remoteSalt;

    private DtlsSrtpKeys(SrtpProfile profile, byte[] localKey, byte[] localSalt, byte[] remoteKey, byte[] remoteSalt)
    {
        Profile = profile;
        this.localKey = localKey;
        this.localSalt = localSalt;
        this.remoteKey = remoteKey;
        this.remoteSalt = remoteSalt;
    }

    /// <summary>The negotiated profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Bytes of keying material to export for <paramref name="profile"/>.</summary>
    public static int MaterialLength(SrtpProfile profile) => 2 * (profile.KeyLength() + profile.SaltLength());

    /// <summary>Splits exported keying material; <paramref name="weAreClient"/> says which halves are ours.</summary>
    public static DtlsSrtpKeys FromKeyingMaterial(SrtpProfile profile, ReadOnlySpan<byte> material, bool weAreClient)
    {
        int keyLength = profile.KeyLength();
        int saltLength = profile.SaltLength();
        if (material.Length != MaterialLength(profile))
        {
            throw new ArgumentException($"{profile.SdesName()} needs {MaterialLength(profile)} bytes of keying material.", nameof(material));
        }

        byte[] clientKey = material[..keyLength].ToArray();
        byte[] serverKey = material.Slice(keyLength, keyLength).ToArray();
        byte[] clientSalt = material.Slice(2 * keyLength, saltLength).ToArray();
        byte[] serverSalt = material.Slice((2 * keyLength) + saltLength, saltLength).ToArray();
        return weAreClient
            ? new DtlsSrtpKeys(profile, clientKey, clientSalt, serverKey, serverSalt)
            : new DtlsSrtpKeys(profile, serverKey, serverSalt, clientKey, clientSalt);
    }

    /// <summary>The context that protects what we send.</summary>
    public SrtpContext CreateOutbound() => SrtpContext.Create(Profile, localKey, localSalt);

    /// <summary>The context that unprotects what the peer sends.</summary>
    public SrtpContext CreateInbound() => SrtpContext.Create(Profile, remoteKey, remoteSalt);

    /// <summary>Overwrites the master keys once the contexts are made.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(localKey);
        CryptographicOperations.ZeroMemory(localSalt);
        CryptographicOperations.ZeroMemory(remoteKey);
        CryptographicOperations.ZeroMemory(remoteSalt);
    }

    /// <summary>For tests: whether <paramref name="other"/> (the peer's keys) mirror these.</summary>
    internal bool Mirrors(DtlsSrtpKeys other) =>
        Profile == other.Profile && localKey.AsSpan().SequenceEqual(other.remoteKey) && localSalt.AsSpan().SequenceEqual(other.remoteSalt)
        && remoteKey.AsSpan().SequenceEqual(other.localKey) && remoteSalt.AsSpan().SequenceEqual(other.localSalt);

    /// <summary>For the OpenSSL interop test: the material as the exporter laid it out, given our role.</summary>
    internal byte[] ToKeyingMaterial(bool weAreClient)
    {
        byte[][] parts = weAreClient ? [localKey, remoteKey, localSalt, remoteSalt] : [remoteKey, localKey, remoteSalt, localSalt];
        return [.. parts[0], .. parts[1], .. parts[2], .. parts[3]];
    }
}
