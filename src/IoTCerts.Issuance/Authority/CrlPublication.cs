using System.Security.Cryptography;

namespace IoTCerts.Issuance;

/// <summary>A published certificate revocation list .</summary>
public sealed class CrlPublication
{
    internal CrlPublication(byte[] der, System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, int revokedCount)
    {
        Der = der;
        CrlNumber = crlNumber;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedCount = revokedCount;
    }

    /// <summary>The CRL's DER encoding.</summary>
    public byte[] Der { get; }

    /// <summary>The CRL as PEM (<c>-----BEGIN X509 CRL-----</c>).</summary>
    public string Pem => PemEncoding.WriteString("X509 CRL", Der) + "\n";

    /// <summary>The cRLNumber extension value.</summary>
    public System.Numerics.BigInteger CrlNumber { get; }

    /// <summary>thisUpdate.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>nextUpdate.</summary>
    public DateTimeOffset NextUpdate { get; }

    /// <summary>How many revoked certificates the CRL lists.</summary>
    public int RevokedCount { get; }
}
