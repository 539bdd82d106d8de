using System.Security.Cryptography.X509Certificates;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>Property: a device is reported revoked exactly when its serial is on a valid CRL of its issuer.</summary>
public sealed class CrlCheckerPropertyTests
{
    [Property(MaxTest = 25)]
    public Property Revoked_exactly_when_listed()
    {
        var pki = new CrlTestPki("Property Root"); // not disposed here: FsCheck runs the property after this method returns
        var devices = Enumerable.Range(0, 6).Select(i => pki.Device($"prop-{i}")).ToArray();
        var at = DateTimeOffset.UtcNow;

        return Prop.ForAll(Gen.ListOf(Gen.Elements(Enumerable.Range(0, devices.Length).ToArray())).ToArbitrary(), revokedIndexes =>
        {
            var revoked = revokedIndexes.Distinct().ToHashSet();
            var crl = CertificateRevocationList.Parse(pki.Crl(null, [.. revoked.Select(i => devices[i].Serial)]));
            var checker = new CrlRevocationChecker(RevocationPolicy.Offline, [crl]);
            return devices.Select((d, i) => checker.Check(d.Certificate, pki.RootCertificate, at).Status == (revoked.Contains(i) ? RevocationStatus.Revoked : RevocationStatus.Good)).All(x => x);
        });
    }

    [Fact]
    public void Ten_thousand_entries_answer_by_serial()
    {
        using var pki = new CrlTestPki("Big Root");
        var listed = pki.Device("listed");
        var free = pki.Device("free");
        var builder = new CertificateRevocationListBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            builder.AddEntry([0x02, (byte)(i >> 8), (byte)i], DateTimeOffset.UtcNow.AddDays(-1));
        }

        builder.AddEntry(listed.Serial, DateTimeOffset.UtcNow.AddDays(-1), X509RevocationReason.Superseded);
        var crl = CertificateRevocationList.Parse(builder.Build(pki.Root, 9, DateTimeOffset.UtcNow.AddDays(1), System.Security.Cryptography.HashAlgorithmName.SHA256));
        var checker = new CrlRevocationChecker(RevocationPolicy.Offline, [crl]);

        Assert.Equal(10_001, crl.RevokedCount);
        Assert.Equal(RevocationStatus.Revoked, checker.Check(listed.Certificate, pki.RootCertificate, DateTimeOffset.UtcNow).Status);
        Assert.Equal(RevocationStatus.Good, checker.Check(free.Certificate, pki.RootCertificate, DateTimeOffset.UtcNow).Status);
    }
}
