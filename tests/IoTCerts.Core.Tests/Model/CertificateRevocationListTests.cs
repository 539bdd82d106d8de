using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace IoTCerts.Core.Tests.Model;

public sealed class CertificateRevocationListTests
{
    [Fact]
    public void OpenSslCaCrlWithReasonsNumberAndAki()
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Write("index.txt", string.Empty);
        workspace.Write("crlnumber", "1000\n");
        workspace.Write("ca.cnf", """
            [ca]
            default_ca = local

            [local]
            database = index.txt
            crlnumber = crlnumber
            default_md = sha256
            default_crl_days = 7
            crl_extensions = crl_ext

            [crl_ext]
            authorityKeyIdentifier = keyid:always

            [v3_ca]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            """);
        workspace.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "ca.key", "-out", "ca.pem",
            "-subj", "/O=IoTCerts/CN=CRL Test CA", "-days", "30", "-config", "ca.cnf", "-extensions", "v3_ca");
        var reasons = new[] { "keyCompromise", "superseded", "cessationOfOperation", "unspecified" };
        for (var i = 0; i < reasons.Length; i++)
        {
            workspace.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", $"l{i}.key", "-out", $"l{i}.pem",
                "-subj", $"/CN=leaf{i}", "-days", "30", "-set_serial", (0x1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
            workspace.Run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-revoke", $"l{i}.pem", "-crl_reason", reasons[i]);
        }

        workspace.Run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "ca.crl");
        var crl = CertificateRevocationList.Parse(workspace.ReadDer("ca.crl", "X509 CRL"));
        var ca = Certificate.Parse(workspace.ReadDer("ca.pem"));

        Assert.Equal(2, crl.Version);
        Assert.Equal("CN=CRL Test CA,O=IoTCerts", crl.Issuer.Rfc4514Name);
        Assert.Equal(ca.Subject, crl.Issuer);
        Assert.Equal(new BigInteger(0x1000), crl.CrlNumber);
        Assert.False(crl.IsDeltaCrl);
        Assert.Null(crl.IssuingDistributionPoint);
        Assert.True(crl.AuthorityKeyIdentifier!.KeyIdentifier!.Value.Span.SequenceEqual(ca.SubjectKeyIdentifier!.Value.Span));
        Assert.Equal(7, (crl.NextUpdate!.Value - crl.ThisUpdate).TotalDays, 3);
        Assert.Equal(4, crl.RevokedCount);
        Assert.True(crl.SignatureAlgorithmsMatch);
        Assert.True(crl.IsSignatureValid(ca.PublicKey));
        Assert.False(crl.IsSignatureValid(Certificate.Parse(workspace.ReadDer("l0.pem")).PublicKey));

        // openssl 3 writes reasonCode even for "unspecified".
        Assert.Equal([CrlReason.KeyCompromise, CrlReason.Superseded, CrlReason.CessationOfOperation, CrlReason.Unspecified], crl.RevokedCertificates.Select(e => e.Reason));
        var leaf = Certificate.Parse(workspace.ReadDer("l1.pem"));
        Assert.True(crl.TryGetRevoked(leaf, out var entry));
        Assert.Equal("1001", entry.SerialNumberHex);
        Assert.Equal(CrlReason.Superseded, entry.Reason);
        Assert.Equal("reasonCode", Assert.Single(entry.Extensions).FriendlyName);
        Assert.False(crl.TryGetRevoked(ca, out _));
    }

    [Fact]
    public void TenThousandEntriesAreLookedUpBySerial()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Big CRL CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var issuer = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var builder = new CertificateRevocationListBuilder();
        var revokedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= 10_000; i++)
        {
            builder.AddEntry(new AsnWriterSerial(i * 7919).Bytes.ToArray(), revokedAt, i % 2 == 0 ? X509RevocationReason.KeyCompromise : null);
        }

        var der = builder.Build(issuer, 42, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        var crl = CertificateRevocationList.Parse(der);

        Assert.Equal(10_000, crl.RevokedCount);
        Assert.Equal(new BigInteger(42), crl.CrlNumber);
        Assert.True(crl.IsSignatureValid(Certificate.FromX509Certificate2(issuer).PublicKey));
        var serial = new AsnWriterSerial(5000 * 7919).Bytes;
        Assert.True(crl.TryGetRevoked(serial, out var entry));
        Assert.Equal(CrlReason.KeyCompromise, entry.Reason);
        Assert.Equal(revokedAt, entry.RevocationDate);
        Assert.False(crl.TryGetRevoked(new AsnWriterSerial(5000 * 7919 + 1).Bytes, out _));
    }

    [Fact]
    public void LimboCrlsParseAndVerifyAgainstTheirIssuer()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestEnvironment.LimboPath));
        var parsed = 0;
        foreach (var testcase in document.RootElement.GetProperty("testcases").EnumerateArray())
        {
            foreach (var pem in testcase.GetProperty("crls").EnumerateArray())
            {
                var text = pem.GetString()!;
                var der = Convert.FromBase64String(text[PemEncoding.Find(text).Base64Data]);
                var crl = CertificateRevocationList.Parse(der);
                var roots = testcase.GetProperty("trusted_certs").EnumerateArray()
                    .Select(p => p.GetString()!).Select(p => Certificate.Parse(Convert.FromBase64String(p[PemEncoding.Find(p).Base64Data])));
                var issuer = roots.FirstOrDefault(r => r.Subject.Equals(crl.Issuer));
                if (issuer is not null && testcase.GetProperty("id").GetString() != "crl::crl-signature-invalid")
                {
                    Assert.True(crl.IsSignatureValid(issuer.PublicKey), testcase.GetProperty("id").GetString());
                }

                parsed++;
            }
        }

        Assert.True(parsed >= 5, $"only {parsed} CRLs in limbo");
    }

    [Fact]
    public void IssuingDistributionPointAndDeltaIndicatorAreDecoded()
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Write("index.txt", string.Empty);
        workspace.Write("crlnumber", "07\n");
        workspace.Write("ca.cnf", """
            [ca]
            default_ca = local

            [local]
            database = index.txt
            crlnumber = crlnumber
            default_md = sha256
            default_crl_days = 1
            crl_extensions = crl_ext

            [crl_ext]
            issuingDistributionPoint = critical, @idp

            [idp]
            fullname = URI:http://crl.example.com/ca.crl
            onlyuser = TRUE
            onlysomereasons = keyCompromise, superseded
            """);
        workspace.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=IDP CA", "-days", "3");
        workspace.Run("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "ca.crl");
        var crl = CertificateRevocationList.Parse(workspace.ReadDer("ca.crl", "X509 CRL"));

        var idp = crl.IssuingDistributionPoint!;
        Assert.Equal("http://crl.example.com/ca.crl", Assert.Single(idp.FullName).Value);
        Assert.True(idp.OnlyContainsUserCerts);
        Assert.False(idp.OnlyContainsCACerts);
        Assert.False(idp.IndirectCrl);
        Assert.Equal(RevocationReasons.KeyCompromise | RevocationReasons.Superseded, idp.OnlySomeReasons);
        Assert.Equal(0, crl.RevokedCount);
        Assert.Empty(crl.RevokedCertificates);
        Assert.True(crl.Extensions.First(e => e.Oid == "2.5.29.28").Critical);
        Assert.Equal(new BigInteger(7), crl.CrlNumber);
        Assert.False(crl.IsDeltaCrl);
    }

    [Fact]
    public void DeltaCrlIndicatorIsDecoded()
    {
        // openssl ca cannot write deltaCRLIndicator, so the TBSCertList is assembled here (unsigned: parsing does not verify).
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.10045.4.3.2");
                }

                writer.WriteEncodedValue(new X500DistinguishedName("CN=Delta CA").RawData);
                writer.WriteUtcTime(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                writer.WriteGeneralizedTime(new DateTimeOffset(2050, 1, 2, 0, 0, 0, TimeSpan.Zero));
                using (writer.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
                using (writer.PushSequence())
                {
                    foreach (var (oid, value) in new[] { ("2.5.29.20", 7), ("2.5.29.27", 5) })
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            writer.WriteBoolean(oid == "2.5.29.27");
                            var inner = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
                            inner.WriteInteger(value);
                            writer.WriteOctetString(inner.Encode());
                        }
                    }
                }
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }

            writer.WriteBitString(new byte[8]);
        }

        var crl = CertificateRevocationList.Parse(writer.Encode());
        Assert.True(crl.IsDeltaCrl);
        Assert.Equal(new BigInteger(5), crl.DeltaCrlIndicator);
        Assert.Equal(new BigInteger(7), crl.CrlNumber);
        Assert.Equal(new DateTimeOffset(2050, 1, 2, 0, 0, 0, TimeSpan.Zero), crl.NextUpdate);
        Assert.Equal(0, crl.RevokedCount);
    }

    [Fact]
    public void EntryLimitStopsHugeCrls()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var issuer = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var builder = new CertificateRevocationListBuilder();
        for (var i = 1; i <= 11; i++)
        {
            builder.AddEntry([(byte)i], DateTimeOffset.UtcNow);
        }

        var der = builder.Build(issuer, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        var error = Assert.Throws<MaterialException>(() => CertificateRevocationList.Parse(der, new ParseLimits { MaxCrlEntries = 10 }));
        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("10 entries", error.Message, StringComparison.Ordinal);
        Assert.Equal(11, CertificateRevocationList.Parse(der).RevokedCount);
        error = Assert.Throws<MaterialException>(() => CertificateRevocationList.Parse(der, new ParseLimits { MaxCrlEncodedSize = 100 }));
        Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);
    }

    /// <summary>The DER INTEGER content bytes of a positive number, as a certificate would carry its serial.</summary>
    private readonly struct AsnWriterSerial(long value)
    {
        public ReadOnlyMemory<byte> Bytes { get; } = new BigInteger(value).ToByteArray(isUnsigned: false, isBigEndian: true);
    }
}
