using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Platforms;

/// <summary>
/// The Cumulocity connection rules run on every device connection after the chain validation: they must not
/// verify again what the validator verified, nor verify the same signature twice, and must never accept an issuer by
/// its name alone.
/// </summary>
public sealed class ConnectionRuleSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static ProfileSpec DeviceSpec(string subject) => new()
    {
        Subject = subject,
        Ca = false,
        PathLength = null,
        KeyUsage = X509KeyUsageFlags.DigitalSignature,
        Key = "ec",
    };

    // Fresh certificates per test: the memo is process-wide, so reused ones could already be in it.
    private static (ProfileCert Root, ProfileCert Issuing, ProfileCert Device) FreshChain(string tag)
    {
        var root = ProfileCert.Create(new ProfileSpec { Subject = $"CN=Sig Root {tag},O=IoTCerts", PathLength = null, Key = "ec" });
        var issuing = root.Issue(new ProfileSpec { Subject = $"CN=Sig Issuing {tag},O=IoTCerts", Key = "ec" });
        return (root, issuing, issuing.Issue(DeviceSpec($"CN=sig-device-{tag}")));
    }

    [Fact]
    public void Rules_verify_nothing_the_validator_already_verified()
    {
        var (root, issuing, device) = FreshChain(Guid.NewGuid().ToString("N"));
        var validated = new ChainValidator([root.Certificate]).Validate(device.Certificate, [issuing.Certificate]);
        Assert.True(validated.IsValid, string.Join("; ", validated.Errors));
        long before = IssuerSignatures.VerificationsOnThisThread;

        var report = PlatformProfile.Get("cumulocity").CheckDeviceChain([device.Certificate, issuing.Certificate],
            new ProfileCheckOptions { At = Now, UploadedCaCertificates = [root.Certificate], ValidatedChain = validated });

        Assert.True(report.IsCompliant, string.Join("; ", report.Violations));
        Assert.Contains(report.CheckedRules, r => r.Code == "c8y-chain-includes-ca");
        Assert.Contains(report.CheckedRules, r => r.Code == "c8y-chain-length");
        Assert.Equal(0, IssuerSignatures.VerificationsOnThisThread - before);
    }

    [Fact]
    public void Without_a_validation_result_each_signature_is_verified_once_then_remembered()
    {
        var (root, issuing, device) = FreshChain(Guid.NewGuid().ToString("N"));
        var options = new ProfileCheckOptions { At = Now, UploadedCaCertificates = [root.Certificate] };
        long start = IssuerSignatures.VerificationsOnThisThread;

        Assert.True(PlatformProfile.Get("cumulocity").CheckDeviceChain([device.Certificate, issuing.Certificate], options).IsCompliant);
        long first = IssuerSignatures.VerificationsOnThisThread - start;
        Assert.True(PlatformProfile.Get("cumulocity").CheckDeviceChain([device.Certificate, issuing.Certificate], options).IsCompliant);
        long second = IssuerSignatures.VerificationsOnThisThread - start - first;

        // Ordering verifies device→issuing, and both rules need issuing→root: two signatures, not three, then none.
        Assert.Equal(2, first);
        Assert.Equal(0, second);
    }

    [Fact]
    public void A_forged_issuer_with_the_uploaded_CA_name_is_not_accepted_even_after_the_genuine_one_was_verified()
    {
        string tag = Guid.NewGuid().ToString("N");
        var (root, issuing, device) = FreshChain(tag);
        // Same subject names as the genuine root and issuing CA, other keys.
        var forgedRoot = ProfileCert.Create(new ProfileSpec { Subject = $"CN=Sig Root {tag},O=IoTCerts", PathLength = null, Key = "ec" });
        var forgedIssuing = forgedRoot.Issue(new ProfileSpec { Subject = $"CN=Sig Issuing {tag},O=IoTCerts", Key = "ec" });
        var forgedDevice = forgedIssuing.Issue(DeviceSpec($"CN=sig-device-{tag}"));
        var cumulocity = PlatformProfile.Get("cumulocity");
        var uploaded = new ProfileCheckOptions { At = Now, UploadedCaCertificates = [root.Certificate] };

        // Warm every cache with the genuine chain first: a name-keyed shortcut would now let the forgery through.
        Assert.True(cumulocity.CheckDeviceChain([device.Certificate, issuing.Certificate], uploaded).IsCompliant);

        // The forgery validates against its own root, so a validation result is at hand; its edges do not end at the uploaded CA.
        var forgedValidation = new ChainValidator([forgedRoot.Certificate]).Validate(forgedDevice.Certificate, [forgedIssuing.Certificate]);
        Assert.True(forgedValidation.IsValid);
        foreach (var options in new[] { uploaded, new ProfileCheckOptions { At = Now, UploadedCaCertificates = [root.Certificate], ValidatedChain = forgedValidation } })
        {
            var report = cumulocity.CheckDeviceChain([forgedDevice.Certificate, forgedIssuing.Certificate], options);

            Assert.Contains(report.Violations, v => v.Code == "c8y-chain-includes-ca");
        }
    }

    [Fact]
    public void An_invalid_validation_result_is_no_evidence()
    {
        string tag = Guid.NewGuid().ToString("N");
        var (root, issuing, device) = FreshChain(tag);
        var expired = new ChainValidator([root.Certificate]).Validate(device.Certificate, [issuing.Certificate], new ValidationContext { ValidationTime = Now.AddYears(5) });
        Assert.False(expired.IsValid);
        long before = IssuerSignatures.VerificationsOnThisThread;

        var report = PlatformProfile.Get("cumulocity").CheckDeviceChain([device.Certificate, issuing.Certificate],
            new ProfileCheckOptions { At = Now, UploadedCaCertificates = [root.Certificate], ValidatedChain = expired });

        Assert.True(report.IsCompliant);
        Assert.Equal(2, IssuerSignatures.VerificationsOnThisThread - before);
    }
}
