using System.Diagnostics.Metrics;
using IoTCerts.Core;
using IoTCerts.Issuance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTCerts.Extensions.DependencyInjection.Tests;

public sealed class RegistrationTests : IClassFixture<OpenSslPki>
{
    private readonly OpenSslPki _pki;

    public RegistrationTests(OpenSslPki pki) => _pki = pki;

    [Fact]
    public void Chain_validator_trusts_the_configured_anchor_and_only_it()
    {
        using ServiceProvider trusting = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("root.pem"))));
        using ServiceProvider other = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("other-root.pem"))));
        Certificate device = MaterialLoader.LoadFile(_pki.PathOf("device.pem")).Certificates[0];

        ChainValidator validator = trusting.GetRequiredService<ChainValidator>();
        Assert.Same(validator, trusting.GetRequiredService<ChainValidator>());
        Assert.True(validator.Validate(device).IsValid);
        Assert.False(other.GetRequiredService<ChainValidator>().Validate(device).IsValid);
    }

    [Fact]
    public void Chain_validator_uses_the_container_clock()
    {
        var late = new FixedClock(DateTimeOffset.UtcNow.AddYears(5));
        using ServiceProvider provider = Provider(s =>
        {
            s.AddSingleton<TimeProvider>(late);
            s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("root.pem")));
        });
        Certificate device = MaterialLoader.LoadFile(_pki.PathOf("device.pem")).Certificates[0];

        ChainValidationResult result = provider.GetRequiredService<ChainValidator>().Validate(device);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Code.Contains("expired", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Start_validation_names_a_missing_trust_anchor_file()
    {
        string missing = _pki.PathOf("no-such-root.pem");
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(missing)));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_validation_refuses_no_anchor_and_a_file_without_certificates()
    {
        using ServiceProvider none = Provider(s => s.AddIoTCertsChainValidation(_ => { }));
        Assert.Contains("TrustAnchorFiles is empty", Assert.Throws<OptionsValidationException>(() => none.GetRequiredService<IStartupValidator>().Validate()).Message, StringComparison.Ordinal);

        using ServiceProvider keyOnly = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("root.key"))));
        Assert.Contains("holds no certificate", Assert.Throws<OptionsValidationException>(() => keyOnly.GetRequiredService<IStartupValidator>().Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_authority_opens_the_directory_with_the_passphrase_file()
    {
        string directory = _pki.PathOf("ca-" + Guid.NewGuid().ToString("N"));
        CertificateAuthority created = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(directory),
            new CaOptions { Subject = "CN=DI Test CA", KeyAlgorithm = KeyAlgorithm.EcP256, KeyPassphrase = "correct horse" });
        File.WriteAllText(_pki.PathOf("ca-pass"), "correct horse\n");

        using ServiceProvider provider = Provider(s => s.AddIoTCertsCertificateAuthority(o =>
        {
            o.Directory = directory;
            o.PassphraseFile = _pki.PathOf("ca-pass");
        }));
        provider.GetRequiredService<IStartupValidator>().Validate();
        CertificateAuthority opened = provider.GetRequiredService<CertificateAuthority>();

        Assert.Equal(created.Certificate.Thumbprint, opened.Certificate.Thumbprint);
        Assert.IsType<DirectoryCaDatabase>(provider.GetRequiredService<ICaDatabase>());
    }

    [Fact]
    public void Start_validation_refuses_a_directory_without_a_ca()
    {
        string empty = _pki.PathOf("empty-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        using ServiceProvider provider = Provider(s => s.AddIoTCertsCertificateAuthority(o => o.Directory = empty));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("holds no CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validations_are_counted_on_the_core_meter_by_result()
    {
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("root.pem"))));
        ChainValidator validator = provider.GetRequiredService<ChainValidator>();
        Certificate device = MaterialLoader.LoadFile(_pki.PathOf("device.pem")).Certificates[0];
        Certificate stranger = MaterialLoader.LoadFile(_pki.PathOf("other-root.pem")).Certificates[0];
        var seen = new List<(string Instrument, long Value, string? Result)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CoreDiagnostics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.Start();
        int thread = Environment.CurrentManagedThreadId;
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? result = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                result = tag.Key == "iotcerts.result" ? tag.Value as string : result;
            }

            // Other tests run in parallel on the same static meter: keep only this thread's measurements.
            if (Environment.CurrentManagedThreadId == thread)
            {
                seen.Add((instrument.Name, value, result));
            }
        });

        validator.Validate(device);
        validator.Validate(stranger);

        Assert.Contains(seen, m => m is ("iotcerts.chain.validations", 1, "valid"));
        Assert.Contains(seen, m => m is ("iotcerts.chain.validations", 1, "invalid"));
    }

    [Fact]
    public void A_second_validation_through_the_same_intermediate_is_a_signature_cache_hit()
    {
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o => o.TrustAnchorFiles.Add(_pki.PathOf("root.pem"))));
        ChainValidator validator = provider.GetRequiredService<ChainValidator>();
        Certificate device = MaterialLoader.LoadFile(_pki.PathOf("device2.pem")).Certificates[0];
        Certificate issuing = MaterialLoader.LoadFile(_pki.PathOf("issuing.pem")).Certificates[0];
        int thread = Environment.CurrentManagedThreadId;
        var hits = new List<long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CoreDiagnostics.MeterName && instrument.Name == "iotcerts.chain.signature_cache_hits")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                hits.Add(value);
            }
        });
        listener.Start();

        Assert.True(validator.Validate(device, [issuing]).IsValid);
        int afterFirst = hits.Count;
        Assert.True(validator.Validate(device, [issuing]).IsValid);

        Assert.Equal(0, afterFirst);
        Assert.Equal([1L], hits);
    }

    private static ServiceProvider Provider(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
