using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>
/// A certificate authority (the <c>openssl ca</c> workflow as a library, R-60..R-62): issues certificates from CSRs or
/// keys, records them in an <see cref="ICaDatabase"/>, revokes them and publishes CRLs. Thread-safe as far as the
/// database is (the directory database serialises every change across threads and processes).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);
    private readonly TimeProvider time;

    private CertificateAuthority(ICaDatabase database, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> issuerChain, SigningKey key, CaSettings settings, TimeProvider time)
    {
        Database = database;
        Certificate = certificate;
        IssuerChain = issuerChain;
        Key = key;
        Settings = settings;
        this.time = time;
    }

    /// <summary>Where the CA keeps its material and index.</summary>
    public ICaDatabase Database { get; }

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificates above this CA, nearest issuer first, ending with the root; empty for a root.</summary>
    public IReadOnlyList<X509Certificate2> IssuerChain { get; }

    /// <summary>The CA signing key.</summary>
    public SigningKey Key { get; }

    /// <summary>Serial mode and URLs put into issued certificates.</summary>
    public CaSettings Settings { get; }

    /// <summary>Creates a self-signed root CA (or a quickstart Edge CA with <see cref="CertificateProfile.EdgeCa"/>, R-42) in <paramref name="database"/>.</summary>
    /// <exception cref="IssuanceException">The options are invalid or the database already holds a CA.</exception>
    public static CertificateAuthority CreateRoot(ICaDatabase database, CaOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        var subject = DistinguishedNames.Parse(options.Subject);
        RequireCommonName(subject);
        var profile = options.Profile ?? CertificateProfile.RootCa(options.PathLength);
        RequireCaProfile(profile);
        if (!options.Overwrite && database.Exists)
        {
            throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"'{database.Name}' already holds a CA (use --force to replace it)");
        }

        var key = options.Key ?? SigningKey.Generate(options.KeyAlgorithm);
        var now = time.GetUtcNow();
        var notBefore = now - Backdate;
        var notAfter = now + (options.Validity ?? profile.DefaultValidity);
        var serial = RandomSerial();
        var certificate = X509CertificateLoader.LoadCertificate(Sign(subject, key.PublicKey, profile, [], subject, key, issuer: null, serial, notBefore, notAfter, settings: null));
        return Store(database, options, key, certificate, [], time);
    }

    /// <summary>Opens the CA kept in <paramref name="database"/>; <paramref name="passphrase"/> decrypts its key (or is the token PIN).</summary>
    /// <exception cref="IssuanceException">The database is incomplete, or the key does not belong to the CA certificate.</exception>
    /// <exception cref="IoTCerts.Core.MaterialException">The key cannot be read (for example the passphrase is wrong).</exception>
    public static CertificateAuthority Open(ICaDatabase database, string? passphrase, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var material = database.ReadMaterial();
        var certificate = X509CertificateLoader.LoadCertificate(material.Certificate);
        var chain = material.IssuerChain.Select(X509CertificateLoader.LoadCertificate).ToList();
        SigningKey key;
        if (material.Settings.KeyUri is { } uri)
        {
            key = SigningKey.OpenPkcs11(uri, passphrase);
        }
        else if (material.KeyPem is { } pem)
        {
            key = PrivateKeyText.Read(pem, passphrase, database.Name);
        }
        else
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"'{database.Name}' has neither a CA key file nor a token key URI");
        }

        if (!key.Matches(certificate.PublicKey))
        {
            key.Dispose();
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the CA key in '{database.Name}' does not belong to its CA certificate (certificate and key do not match)");
        }

        return new CertificateAuthority(database, certificate, chain, key, material.Settings, time ?? TimeProvider.System);
    }

    /// <summary>Creates an intermediate CA signed by this CA (recorded in this CA's index) and stores it in <paramref name="database"/>.</summary>
    public CertificateAuthority CreateIntermediate(ICaDatabase database, CaOptions options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        var profile = options.Profile ?? CertificateProfile.IntermediateCa(options.PathLength);
        RequireCaProfile(profile);
        if (!options.Overwrite && database.Exists)
        {
            throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"'{database.Name}' already holds a CA (use --force to replace it)");
        }

        var key = options.Key ?? SigningKey.Generate(options.KeyAlgorithm);
        var issued = Issue(new IssuanceRequest
        {
            Subject = DistinguishedNames.Parse(options.Subject),
            PublicKey = key.PublicKey,
            Profile = profile,
            Validity = options.Validity,
        });
        return Store(database, options, key, issued.Certificate, [Certificate, .. IssuerChain], time);
    }

    /// <summary>
    /// Issues a certificate: checks the signing policy (commonName required and unique among this CA's valid
    /// certificates except the renewal lineage named by <see cref="IssuanceRequest.Renews"/>, R-61), the key strength and the profile's needs, takes a serial, signs and records it.
    /// </summary>
    /// <exception cref="IssuanceException">The request breaks the policy or the options are invalid.</exception>
    public IssuedCertificate Issue(IssuanceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IssueBatch([request])[0];
    }

    /// <summary>
    /// Issues several certificates in one database transaction (one lock, one journal line, one flush for the whole
    /// batch): all are issued, or none when any request breaks the policy. Much faster than one <see cref="Issue"/>
    /// call per certificate when enrolling a fleet: serials are taken in order under the lock, and the certificates
    /// are then signed on up to <paramref name="maxDegreeOfParallelism"/> cores (a key in a PKCS#11 token signs one
    /// certificate at a time).
    /// </summary>
    /// <param name="requests">The certificates to issue, in the order of the result.</param>
    /// <param name="maxDegreeOfParallelism">How many cores may sign at once: -1 (the default) for all of them, 1 for the calling thread only.</param>
    /// <exception cref="IssuanceException">A request breaks the policy (nothing is issued) or the options are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is 0 or below -1.</exception>
    public IReadOnlyList<IssuedCertificate> IssueBatch(IReadOnlyList<IssuanceRequest> requests, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(requests);
        BatchWork.CheckParallelism(maxDegreeOfParallelism);
        var now = time.GetUtcNow();
        var prepared = requests.Select(r => Prepare(r, now)).ToList();
        var candidates = prepared.Select(p => new CommonNamePolicy.Candidate(p.CommonName, p.Renews)).ToList();
        var signers = Key.TokenUri is null ? maxDegreeOfParallelism : 1;
        return Database.Update(tx =>
        {
            CommonNamePolicy.Check(CommonNamePolicy.RecordsToCheck(tx, candidates), candidates, now);
            var serials = TakeSerials(tx, prepared.Count);
            var certificates = new byte[prepared.Count][];
            BatchWork.Run(prepared.Count, signers, i =>
            {
                var p = prepared[i];
                certificates[i] = Sign(p.Request.Subject, p.Request.PublicKey, p.Request.Profile, p.Extra, Certificate.SubjectName, Key, Certificate, serials[i], p.NotBefore, p.NotAfter, Settings);
            });

            var issued = new List<IssuedCertificate>(prepared.Count);
            for (var i = 0; i < prepared.Count; i++)
            {
                var p = prepared[i];
                var entry = new CertificateRecord(OpenSslIndex.NormalizeSerial(Convert.ToHexString(serials[i]))!, CertificateStatus.Valid, CertificateEncoder.Truncate(p.NotAfter), null, null, p.OneLine) { Renews = p.Renews };
                tx.AddIssued(entry, certificates[i]);
                issued.Add(new IssuedCertificate(certificates[i], entry, [Certificate, .. IssuerChain]));
            }

            return issued;
        });
    }

    // Under the lock, before any signature: sequential serials in order, or random ones unused by this CA and unique
    // within the batch.
    private byte[][] TakeSerials(ICaDatabaseTransaction tx, int count)
    {
        var serials = new byte[count][];
        var taken = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            if (Settings.SerialNumbers == SerialNumberMode.Sequential)
            {
                serials[i] = tx.TakeSequentialSerial().ToByteArray(isUnsigned: false, isBigEndian: true);
                continue;
            }

            byte[] serial;
            string hex;
            do
            {
                serial = RandomSerial();
                hex = Convert.ToHexString(serial);
            }
            while (tx.IsSerialUsed(hex) || !taken.Add(hex));
            serials[i] = serial;
        }

        return serials;
    }

    private PreparedRequest Prepare(IssuanceRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var commonName = RequireCommonName(request.Subject);
        KeyPolicy.EnsureStrongEnough(request.PublicKey);
        List<X509Extension> extra = [];
        if (request.SubjectAlternativeNames.Count > 0)
        {
            extra.Add(SubjectAlternativeNames.Build(request.SubjectAlternativeNames));
        }
        else if (request.RequestedSubjectAlternativeName is { } requested)
        {
            extra.Add(requested);
        }
        else if (request.Profile.RequiresSubjectAlternativeName)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidSubjectAlternativeName, $"the {request.Profile.Name} profile needs at least one subject alternative name (DNS:host or IP:address)");
        }

        if (request.Profile.IsCertificateAuthority && Certificate.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { HasPathLengthConstraint: true, PathLengthConstraint: 0 })
        {
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, "this CA has pathlen 0 and cannot sign another CA (R-11)");
        }

        var notBefore = Max(now - Backdate, Certificate.NotBefore.ToUniversalTime());
        var notAfter = Min(now + (request.Validity ?? request.Profile.DefaultValidity), Certificate.NotAfter.ToUniversalTime());
        if (notAfter <= now)
        {
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, "the CA certificate has expired: it cannot issue certificates");
        }

        return new PreparedRequest(request, commonName, CommonNamePolicy.NormalizeRenews(request), extra, notBefore, notAfter, DistinguishedNames.ToOpenSslOneLine(request.Subject));
    }

    /// <summary>Issues a certificate for a key generated on the spot; the caller owns the returned key.</summary>
    public (IssuedCertificate Certificate, SigningKey Key) IssueWithNewKey(string subject, CertificateProfile profile, KeyAlgorithm algorithm = KeyAlgorithm.EcP256, IReadOnlyList<string>? subjectAlternativeNames = null, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(profile);
        var key = SigningKey.Generate(algorithm);
        try
        {
            var issued = Issue(new IssuanceRequest
            {
                Subject = DistinguishedNames.Parse(subject),
                PublicKey = key.PublicKey,
                Profile = profile,
                SubjectAlternativeNames = subjectAlternativeNames ?? [],
                Validity = validity,
            });
            return (issued, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Revokes the certificate with <paramref name="serialNumber"/> (hex, any case, colons allowed).</summary>
    /// <exception cref="IssuanceException">The serial is unknown or already revoked.</exception>
    public CertificateRecord Revoke(string serialNumber, X509RevocationReason reason = X509RevocationReason.Unspecified)
    {
        var serial = OpenSslIndex.NormalizeSerial(serialNumber ?? string.Empty)
            ?? throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"'{serialNumber}' is not a hex serial number");
        var now = time.GetUtcNow();
        return Database.Update(tx =>
        {
            tx.MarkRevoked(serial, now, reason);
            return tx.FindRecord(serial)!;
        });
    }

    /// <summary>Publishes a CRL: the next cRLNumber, authorityKeyIdentifier, thisUpdate now, nextUpdate after <paramref name="validity"/> (30 days by default).</summary>
    public CrlPublication PublishCrl(TimeSpan? validity = null)
    {
        var lifetime = validity ?? TimeSpan.FromDays(30);
        if (lifetime <= TimeSpan.Zero)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "the CRL validity must be positive");
        }

        var thisUpdate = time.GetUtcNow();
        var nextUpdate = thisUpdate + lifetime;
        return Database.Update(tx =>
        {
            var crlNumber = tx.TakeCrlNumber();
            var builder = new CertificateRevocationListBuilder();
            var count = 0;
            foreach (var record in tx.RevokedRecords())
            {
                // As OpenSSL does: no reasonCode entry extension when the reason is unspecified (RFC 5280 5.3.1).
                builder.AddEntry(Convert.FromHexString(record.SerialNumber), record.RevokedAt ?? thisUpdate, record.Reason is X509RevocationReason.Unspecified ? null : record.Reason);
                count++;
            }

            var der = builder.Build(Certificate.SubjectName, Key.CreateSignatureGenerator(), crlNumber, nextUpdate, Key.HashAlgorithm, AuthorityKeyIdentifierOf(Certificate, withIssuerAndSerial: false), thisUpdate);
            return new CrlPublication(der, crlNumber, thisUpdate, nextUpdate, count);
        });
    }

    /// <summary>
    /// Releases the key and certificates. A <see cref="DirectoryCaDatabase"/> is compacted first (when its lock is
    /// free), so the OpenSSL files of the directory list everything this CA did.
    /// </summary>
    public void Dispose()
    {
        (Database as DirectoryCaDatabase)?.CompactOnClose();
        Key.Dispose();
        Certificate.Dispose();
        foreach (var issuer in IssuerChain)
        {
            issuer.Dispose();
        }
    }

    internal static byte[] Sign(X500DistinguishedName subject, PublicKey subjectKey, CertificateProfile profile, IReadOnlyList<X509Extension> extra, X500DistinguishedName issuerName, SigningKey issuerKey, X509Certificate2? issuer, byte[] serial, DateTimeOffset notBefore, DateTimeOffset notAfter, CaSettings? settings)
    {
        var extensions = new List<X509Extension>(8);
        var ski = new X509SubjectKeyIdentifierExtension(subjectKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, critical: false);

        // Extension order of the documented openssl sections: SKI, AKI, basicConstraints, keyUsage, then the rest.
        extensions.Add(ski);
        extensions.Add(issuer is null
            ? SelfAuthorityKeyIdentifier(ski, profile.AuthorityIssuerAndSerial, issuerName, serial)
            : AuthorityKeyIdentifierOf(issuer, profile.AuthorityIssuerAndSerial));
        extensions.AddRange(profile.CreateUsageExtensions());

        foreach (var extension in extra)
        {
            extensions.Add(extension);
        }

        if (settings?.CrlDistributionPoint is { } crl)
        {
            extensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crl.AbsoluteUri], critical: false));
        }

        if (settings is { CaIssuersUrl: not null } or { OcspUrl: not null })
        {
            extensions.Add(new X509AuthorityInformationAccessExtension(
                settings.OcspUrl is { } ocsp ? [ocsp.AbsoluteUri] : null,
                settings.CaIssuersUrl is { } aia ? [aia.AbsoluteUri] : null,
                critical: false));
        }

        return CertificateEncoder.EncodeAndSign(subject, subjectKey, extensions, issuerName, issuerKey.CreateSignatureGenerator(), issuerKey.HashAlgorithm, serial, notBefore, notAfter);
    }

    internal static byte[] RandomSerial()
    {
        // 16 random bytes: 127 bits after clearing the sign bit, positive and minimally encoded (first byte 0x01..0x7F).
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private static X509AuthorityKeyIdentifierExtension SelfAuthorityKeyIdentifier(X509SubjectKeyIdentifierExtension ski, bool withIssuerAndSerial, X500DistinguishedName name, byte[] serial)
    {
        var keyId = Convert.FromHexString(ski.SubjectKeyIdentifier!);
        return withIssuerAndSerial
            ? X509AuthorityKeyIdentifierExtension.Create(keyId, name, serial)
            : X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyId);
    }

    private static X509AuthorityKeyIdentifierExtension AuthorityKeyIdentifierOf(X509Certificate2 issuer, bool withIssuerAndSerial)
    {
        var keyId = issuer.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension { SubjectKeyIdentifier: { } id }
            ? Convert.FromHexString(id)
            : Convert.FromHexString(new X509SubjectKeyIdentifierExtension(issuer.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, false).SubjectKeyIdentifier!);
        return withIssuerAndSerial
            ? X509AuthorityKeyIdentifierExtension.Create(keyId, issuer.IssuerName, issuer.SerialNumberBytes.Span)
            : X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyId);
    }

    private static CertificateAuthority Store(ICaDatabase database, CaOptions options, SigningKey key, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, TimeProvider time)
    {
        var settings = options.Settings with { KeyUri = key.TokenUri };
        database.Initialize(new CaMaterial
        {
            Certificate = certificate.RawData,
            IssuerChain = chain.Select(c => c.RawData).ToList(),
            KeyPem = key.IsExportable ? key.ExportPkcs8Pem(options.KeyPassphrase) : null,
            Settings = settings,
        }, options.Overwrite);
        return new CertificateAuthority(database, certificate, chain.Select(c => X509CertificateLoader.LoadCertificate(c.RawData)).ToList(), key, settings, time);
    }

    private static string RequireCommonName(X500DistinguishedName subject) =>
        DistinguishedNames.CommonName(subject) is { Length: > 0 } cn
            ? cn
            : throw new IssuanceException(IssuanceErrorCode.PolicyViolation, "the subject has no commonName (CN): the signing policy requires one");

    private static void RequireCaProfile(CertificateProfile profile)
    {
        if (!profile.IsCertificateAuthority)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"the {profile.Name} profile is not a CA profile");
        }
    }

    private sealed record PreparedRequest(IssuanceRequest Request, string CommonName, string? Renews, List<X509Extension> Extra, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string OneLine);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
