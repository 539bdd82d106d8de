namespace IoTCerts.Core;

/// <summary>The outer encoding in which material was found, detected from the content, never from a file name .</summary>
public enum MaterialFormat
{
    /// <summary>One or more PEM blocks (RFC 7468), possibly with text between them.</summary>
    Pem = 1,

    /// <summary>A single binary DER structure (certificate, CSR, CRL or key).</summary>
    Der,

    /// <summary>A PKCS#7 / CMS certs-only bundle (RFC 5652 SignedData), in DER.</summary>
    Pkcs7,

    /// <summary>A PKCS#12 / PFX file (RFC 7292).</summary>
    Pkcs12,

    /// <summary>Base64 without PEM armor, as EST servers send (RFC 8951).</summary>
    Base64,

    /// <summary>A keystore read by a registered <see cref="IMaterialContainerReader"/> (a Java JKS keystore with IoTCerts.BouncyCastle).</summary>
    Keystore,
}

/// <summary>Where one loaded item came from and how it was protected. Never holds secrets.</summary>
public sealed class MaterialOrigin
{
    internal MaterialOrigin(MaterialFormat format, string? pemLabel, string? protection, string? friendlyName, ReadOnlyMemory<byte>? localKeyId)
    {
        Format = format;
        PemLabel = pemLabel;
        Protection = protection;
        FriendlyName = friendlyName;
        LocalKeyId = localKeyId;
    }

    /// <summary>The encoding the item itself was found in (a PKCS#7 block inside PEM reports <see cref="MaterialFormat.Pkcs7"/>).</summary>
    public MaterialFormat Format { get; }

    /// <summary>The PEM label (for example <c>RSA PRIVATE KEY</c>) when the item came from a PEM block.</summary>
    public string? PemLabel { get; }

    /// <summary>
    /// How the item was encrypted, for example <c>PKCS#8 PBES2 AES-256-CBC</c>, <c>legacy OpenSSL PEM AES-256-CBC</c>
    /// or <c>PKCS#12 PBES1 SHA-1 RC2-40-CBC</c>; <see langword="null"/> when it was stored in the clear.
    /// </summary>
    public string? Protection { get; }

    /// <summary>The PKCS#12 friendlyName attribute (the keystore alias), when present.</summary>
    public string? FriendlyName { get; }

    /// <summary>The PKCS#12 localKeyId attribute that ties a key to its certificate, when present.</summary>
    public ReadOnlyMemory<byte>? LocalKeyId { get; }

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(", ", new[] { Format.ToString(), PemLabel, Protection, FriendlyName is null ? null : $"alias '{FriendlyName}'" }.Where(s => s is not null));
}

/// <summary>A part of the input that was recognised but not loaded (for example an unknown PEM label).</summary>
/// <param name="Description">What was skipped, for example the PEM label <c>DH PARAMETERS</c>.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedItem(string Description, string Reason);

/// <summary>
/// Everything <see cref="MaterialLoader"/> found in one input. Immutable; items appear in input order.
/// </summary>
public sealed class LoadedMaterial
{
    internal LoadedMaterial(
        MaterialFormat format,
        IReadOnlyList<Certificate> certificates,
        IReadOnlyList<MaterialOrigin> certificateOrigins,
        IReadOnlyList<PrivateKey> privateKeys,
        IReadOnlyList<CertificationRequest> requests,
        IReadOnlyList<CertificateRevocationList> crls,
        IReadOnlyList<SkippedItem> skipped)
    {
        Format = format;
        Certificates = certificates;
        CertificateOrigins = certificateOrigins;
        PrivateKeys = privateKeys;
        CertificationRequests = requests;
        Crls = crls;
        Skipped = skipped;
    }

    /// <summary>The outer container format of the input.</summary>
    public MaterialFormat Format { get; }

    /// <summary>The certificates, in input order.</summary>
    public IReadOnlyList<Certificate> Certificates { get; }

    /// <summary>Where each entry of <see cref="Certificates"/> came from (same index).</summary>
    public IReadOnlyList<MaterialOrigin> CertificateOrigins { get; }

    /// <summary>The private keys (decrypted), in input order; each carries its own <see cref="PrivateKey.Origin"/>.</summary>
    public IReadOnlyList<PrivateKey> PrivateKeys { get; }

    /// <summary>The PKCS#10 certification requests.</summary>
    public IReadOnlyList<CertificationRequest> CertificationRequests { get; }

    /// <summary>The certificate revocation lists.</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get; }

    /// <summary>Recognised parts that were not loaded (unknown PEM labels, EC parameters, unsupported PKCS#12 bags).</summary>
    public IReadOnlyList<SkippedItem> Skipped { get; }

    /// <summary>The first certificate whose public key belongs to <paramref name="key"/> (see <see cref="KeyMatch"/>), if any.</summary>
    public Certificate? CertificateFor(PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Certificates.FirstOrDefault(c => KeyMatch.Matches(key, c));
    }

    /// <summary>Whether nothing usable was found.</summary>
    public bool IsEmpty => Certificates.Count == 0 && PrivateKeys.Count == 0 && CertificationRequests.Count == 0 && Crls.Count == 0;
}
