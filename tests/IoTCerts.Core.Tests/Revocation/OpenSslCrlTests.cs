namespace IoTCerts.Core.Tests.Revocation;

/// <summary>CRLs made by the real <c>openssl ca -gencrl</c> give the right codes .</summary>
public sealed class OpenSslCrlTests(OpenSslCrlFixture pki) : IClassFixture<OpenSslCrlFixture>
{
    private ChainValidationResult Validate(string leaf, string[] crls, RevocationPolicy? policy = null, DateTimeOffset? at = null)
    {
        var checker = new CrlRevocationChecker(policy ?? RevocationPolicy.Offline, crls.Select(pki.Crl));
        var validator = new ChainValidator([pki.Cert("root")], revocationChecker: checker);
        return validator.Validate(pki.Cert(leaf), [pki.Cert("int")], new ValidationContext { ValidationTime = at ?? DateTimeOffset.UtcNow });
    }

    [Fact]
    public void A_device_on_no_CRL_is_valid()
    {
        var result = Validate("leaf2", ["base", "root"]);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void A_revoked_device_is_Revoked_with_date_and_reason()
    {
        var result = Validate("leaf", ["base", "root"]);

        var error = result.Errors[0];
        Assert.Equal(ChainStatus.Revoked, error.Status);
        Assert.Equal(0, error.CertificateIndex);
        Assert.Contains("keyCompromise", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_revoked_intermediate_is_Revoked_at_index_1()
    {
        var result = Validate("leaf2", ["base", "root-revoked"]);

        Assert.Equal(ChainStatus.Revoked, result.Errors[0].Status);
        Assert.Equal(1, result.Errors[0].CertificateIndex);
        Assert.Contains("cACompromise", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_CRL_is_CrlNotTimeValid()
    {
        var result = Validate("leaf2", ["expired", "root"], at: DateTimeOffset.UtcNow.AddHours(3));

        Assert.Equal(ChainStatus.CrlNotTimeValid, result.Errors[0].Status);
        Assert.Contains("expired", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CRL_signed_by_an_impostor_key_is_CrlNotSignatureValid()
    {
        var result = Validate("leaf2", ["fake", "root"]);

        Assert.Equal(ChainStatus.CrlNotSignatureValid, result.Errors[0].Status);
        Assert.Equal(0, result.Errors[0].CertificateIndex);
    }

    [Fact]
    public void A_forged_CRL_does_not_hide_the_genuine_one()
    {
        // The impostor's empty CRL is ignored; the issuer's own CRL still revokes the device.
        var result = Validate("leaf", ["fake", "base", "root"]);

        Assert.Equal(ChainStatus.Revoked, result.Errors[0].Status);
    }

    [Fact]
    public void A_delta_CRL_revokes_on_top_of_its_base()
    {
        Assert.True(pki.Crl("delta").IsDeltaCrl);
        Assert.True(Validate("leaf3", ["base", "root"]).IsValid);

        var result = Validate("leaf3", ["base", "delta", "root"]);

        Assert.Equal(ChainStatus.Revoked, result.Errors[0].Status);
        Assert.Contains("superseded", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delta_CRL_alone_is_not_enough()
    {
        var result = Validate("leaf2", ["delta", "root"]);

        Assert.Equal(ChainStatus.RevocationStatusUnknown, result.Errors[0].Status);
    }

    [Fact]
    public void A_missing_CRL_is_unknown_by_default_and_allowed_when_the_policy_says_so()
    {
        var denied = Validate("leaf2", ["base"]);
        Assert.Equal(ChainStatus.RevocationStatusUnknown, denied.Errors[0].Status);
        Assert.Equal(1, denied.Errors[0].CertificateIndex);

        Assert.True(Validate("leaf2", ["base"], new RevocationPolicy { UnknownStatus = UnknownRevocationStatus.Allow }).IsValid);
        Assert.True(Validate("leaf2", ["base"], new RevocationPolicy { Scope = RevocationScope.EndEntityOnly }).IsValid);
    }

    [Fact]
    public void Allow_still_fails_a_revoked_device()
    {
        var result = Validate("leaf", ["base"], new RevocationPolicy { UnknownStatus = UnknownRevocationStatus.Allow });

        Assert.Equal(ChainStatus.Revoked, result.Errors[0].Status);
    }

    [Fact]
    public void The_issuing_distribution_point_scope_is_respected()
    {
        Assert.True(pki.Crl("root-cas-only").IssuingDistributionPoint!.OnlyContainsCACerts);
        Assert.True(Validate("leaf2", ["base", "root-cas-only"]).IsValid);

        // A CRL of user certificates only says nothing about the intermediate CA.
        var usersOnly = Validate("leaf2", ["base", "root-users-only"]);
        Assert.Equal(ChainStatus.RevocationStatusUnknown, usersOnly.Errors[0].Status);
        Assert.Equal(1, usersOnly.Errors[0].CertificateIndex);
        Assert.Contains("issuingDistributionPoint", usersOnly.Errors[0].Message, StringComparison.Ordinal);

        // A partition CRL for another distribution point does not cover a device that names none.
        var partition = Validate("leaf2", ["partition", "root"]);
        Assert.Equal(ChainStatus.RevocationStatusUnknown, partition.Errors[0].Status);
        Assert.Equal(0, partition.Errors[0].CertificateIndex);
    }

    [Fact]
    public void Checker_answers_per_certificate_and_issuer()
    {
        var checker = new CrlRevocationChecker(RevocationPolicy.Offline, [pki.Crl("base"), pki.Crl("root")]);

        Assert.Equal(2, checker.Crls.Count);
        Assert.Equal(RevocationStatus.Revoked, checker.Check(pki.Cert("leaf"), pki.Cert("int"), DateTimeOffset.UtcNow).Status);
        Assert.Equal(RevocationStatus.Good, checker.Check(pki.Cert("leaf2"), pki.Cert("int"), DateTimeOffset.UtcNow).Status);
        Assert.Equal(RevocationStatus.CrlSignatureInvalid, checker.Check(pki.Cert("leaf2"), pki.Cert("fake"), DateTimeOffset.UtcNow).Status);
    }
}
