namespace IoTCerts.Issuance.Tests.Store;

public sealed class CertificateRecordTests
{
    [Fact]
    public void TheCommonNameFollowsTheSubjectThroughCopiesAndTakesNoPartInADifference()
    {
        var record = new CertificateRecord("0A", CertificateStatus.Valid, DateTimeOffset.UnixEpoch.AddYears(60), null, null, "/O=Acme/CN=device-1");
        Assert.Equal("device-1", record.CommonName);

        var renamed = record with { Subject = "/O=Acme/CN=device-2" };
        Assert.Equal("device-2", renamed.CommonName);
        Assert.Equal("device-1", record.CommonName);

        var revoked = record with { Status = CertificateStatus.Revoked };
        Assert.Equal("device-1", revoked.CommonName);

        Assert.Equal(record, new CertificateRecord("0A", CertificateStatus.Valid, DateTimeOffset.UnixEpoch.AddYears(60), null, null, "/O=Acme/CN=device-1"));
        Assert.NotEqual(record, renamed);
        Assert.Null((record with { Subject = "/O=Acme" }).CommonName);
    }
}
