using IoTCerts.Core;
using IoTCerts.Revocation.Online;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTCerts.Extensions.DependencyInjection.Tests;

/// <summary><c>AddIoTCertsChainValidation</c> with OCSP first (issue #19): the fallback policy decides when no responder gives a verified answer.</summary>
public sealed class OcspRegistrationTests
{
    private static readonly ValidationContext ClientAuth = new() { Purpose = CertificatePurpose.ClientAuth };

    private static ServiceProvider Provider(IssuancePki pki, OcspFallback fallback, RevocationMode crls)
    {
        var services = new ServiceCollection();
        services.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Ocsp = fallback;
            o.Revocation = crls;
            if (crls != RevocationMode.None)
            {
                o.CrlFiles.Add(pki.RootCrlFile);
                o.CrlFiles.Add(pki.IssuingCrlFile);
                o.CrlIssuerFiles.Add(pki.IssuingFile);
            }
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Without_a_responder_fail_closed_refuses_and_the_CRL_fallback_decides()
    {
        using var pki = new IssuancePki();
        using (var closed = Provider(pki, OcspFallback.FailClosed, RevocationMode.None))
        {
            closed.GetRequiredService<IStartupValidator>().Validate();
            Assert.NotNull(closed.GetRequiredService<OcspClient>());
            var refused = await closed.GetRequiredService<ChainValidator>().ValidateAsync(pki.Good, [pki.Issuing], ClientAuth);
            Assert.Equal(ChainStatus.RevocationStatusUnknown, refused.Errors[0].Status);
            Assert.Contains("OCSP", refused.Errors[0].Message, StringComparison.Ordinal);
        }

        using var withCrl = Provider(pki, OcspFallback.Crl, RevocationMode.Offline);
        withCrl.GetRequiredService<IStartupValidator>().Validate();
        var validator = withCrl.GetRequiredService<ChainValidator>();
        var good = await validator.ValidateAsync(pki.Good, [pki.Issuing], ClientAuth);
        var revoked = await validator.ValidateAsync(pki.Revoked, [pki.Issuing], ClientAuth);
        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        Assert.Equal(ChainStatus.Revoked, revoked.Errors[0].Status);
    }

    [Fact]
    public void A_CRL_fallback_without_CRLs_stops_the_host_at_start()
    {
        using var pki = new IssuancePki();
        using var provider = Provider(pki, OcspFallback.Crl, RevocationMode.None);
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Revocation is None", error.Message, StringComparison.Ordinal);
    }
}
