namespace IoTCerts.Issuance;

/// <summary>How serial numbers are chosen.</summary>
public enum SerialNumberMode
{
    /// <summary>128 random bits, positive (at least the 64 random bits CA/B Forum rules ask for): the default.</summary>
    Random = 1,

    /// <summary>1, 2, 3, … from the <c>serial</c> counter, as <c>openssl ca</c> does.</summary>
    Sequential,
}

/// <summary>Settings a CA keeps with its database.</summary>
public sealed record CaSettings
{
    /// <summary>How serial numbers are chosen.</summary>
    public SerialNumberMode SerialNumbers { get; init; } = SerialNumberMode.Random;

    /// <summary>The CRL distribution point URL put into every certificate this CA issues, or null.</summary>
    public Uri? CrlDistributionPoint { get; init; }

    /// <summary>The authorityInfoAccess caIssuers URL put into every certificate this CA issues, or null.</summary>
    public Uri? CaIssuersUrl { get; init; }

    /// <summary>The authorityInfoAccess OCSP URL put into every certificate this CA issues, or null.</summary>
    public Uri? OcspUrl { get; init; }

    /// <summary>The PKCS#11 URI (without PIN) of the CA key when it lives in a token; null when the key is in the store.</summary>
    public string? KeyUri { get; init; }
}

/// <summary>What a CA database holds besides its index: the CA certificate, its issuers and its key.</summary>
public sealed record CaMaterial
{
    /// <summary>The CA certificate (DER).</summary>
    public required byte[] Certificate { get; init; }

    /// <summary>The certificates above the CA, nearest issuer first, ending with the root (DER); empty for a root.</summary>
    public IReadOnlyList<byte[]> IssuerChain { get; init; } = [];

    /// <summary>The CA private key as PKCS#8 PEM (encrypted when the CA has a passphrase); null when it lives in a token.</summary>
    public string? KeyPem { get; init; }

    /// <summary>The CA settings.</summary>
    public CaSettings Settings { get; init; } = new();
}

/// <summary>
/// Where a CA keeps its material and the record of what it issued. Implementations make
/// <see cref="Update{T}"/> exclusive across processes and atomic: after a crash the database holds either all of a
/// transaction's changes or none, and a serial number that was handed out is never handed out again.
/// </summary>
public interface ICaDatabase
{
    /// <summary>A name for messages (a directory path).</summary>
    string Name { get; }

    /// <summary>True when the database holds a CA.</summary>
    bool Exists { get; }

    /// <summary>Creates the CA; fails with <see cref="IssuanceErrorCode.AlreadyExists"/> when one exists and <paramref name="overwrite"/> is false.</summary>
    void Initialize(CaMaterial material, bool overwrite);

    /// <summary>Reads the CA certificate, issuers, key and settings.</summary>
    CaMaterial ReadMaterial();

    /// <summary>Reads the index without taking the lock (a consistent snapshot).</summary>
    IReadOnlyList<CertificateRecord> ReadRecords();

    /// <summary>Runs <paramref name="work"/> with exclusive access and commits its changes atomically when it returns.</summary>
    T Update<T>(Func<ICaDatabaseTransaction, T> work);
}

/// <summary>The changes one <see cref="ICaDatabase.Update{T}"/> call makes.</summary>
public interface ICaDatabaseTransaction
{
    /// <summary>The index as it is now (including this transaction's changes).</summary>
    IReadOnlyList<CertificateRecord> Records { get; }

    /// <summary>True when <paramref name="serialNumber"/> (upper-case hex) was ever used by this CA.</summary>
    bool IsSerialUsed(string serialNumber);

    /// <summary>Takes the next value of the sequential serial counter.</summary>
    System.Numerics.BigInteger TakeSequentialSerial();

    /// <summary>Takes the next CRL number.</summary>
    System.Numerics.BigInteger TakeCrlNumber();

    /// <summary>Records an issued certificate and stores its DER encoding.</summary>
    void AddIssued(CertificateRecord record, ReadOnlyMemory<byte> certificate);

    /// <summary>Marks a certificate revoked.</summary>
    void MarkRevoked(string serialNumber, DateTimeOffset revokedAt, System.Security.Cryptography.X509Certificates.X509RevocationReason reason);

    /// <summary>
    /// The record with <paramref name="serialNumber"/> (upper-case hex), or null. The default scans
    /// <see cref="Records"/>; a database with an index on serials answers it directly.
    /// </summary>
    CertificateRecord? FindRecord(string serialNumber)
    {
        foreach (var record in Records)
        {
            if (string.Equals(record.SerialNumber, serialNumber, StringComparison.Ordinal))
            {
                return record;
            }
        }

        return null;
    }

    /// <summary>
    /// Every record (any status) whose commonName is one of <paramref name="commonNames"/>: what the commonName rule of
    /// the signing policy needs to see. The default scans <see cref="Records"/>; a database with an index on names
    /// answers it directly (and may serialise concurrent issuers of the same names until the transaction ends).
    /// </summary>
    IReadOnlyList<CertificateRecord> RecordsNamed(IReadOnlyCollection<string> commonNames)
    {
        ArgumentNullException.ThrowIfNull(commonNames);
        var names = new HashSet<string>(commonNames, StringComparer.Ordinal);
        return Records.Where(r => r.CommonName is { } cn && names.Contains(cn)).ToList();
    }

    /// <summary>The revoked records, for a CRL. The default filters <see cref="Records"/>.</summary>
    IReadOnlyList<CertificateRecord> RevokedRecords() => Records.Where(r => r.Status == CertificateStatus.Revoked).ToList();
}
