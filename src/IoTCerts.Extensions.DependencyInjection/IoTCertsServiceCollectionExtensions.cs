using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Revocation.Online;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IoTCerts.Extensions.DependencyInjection;

/// <summary>
/// Registers IoTCerts' Core and Issuance services with Microsoft.Extensions.DependencyInjection. Options are validated
/// at start (<c>ValidateOnStart</c>: a host refuses to start with a missing file and names it), and the services are
/// singletons: a <see cref="ChainValidator"/> caches what it learnt, so one instance serves the whole process.
/// </summary>
public static class IoTCertsServiceCollectionExtensions
{
    /// <summary>
    /// The <c>IHttpClientFactory</c> client online revocation downloads CRLs with. Registered with
    /// <see cref="CrlFetcher.CreateHandler"/> as its primary handler (the fetcher counts redirects itself); configure it
    /// further with <c>services.AddHttpClient(CrlHttpClientName)</c> after the registration (a proxy, handlers).
    /// </summary>
    public const string CrlHttpClientName = "IoTCerts.Crl";

    /// <summary>The name of the <see cref="HttpClient"/> the <see cref="OcspClient"/> uses (<see cref="ChainValidationOptions.Ocsp"/>).</summary>
    public const string OcspHttpClientName = "IoTCerts.Ocsp";

    /// <summary>
    /// Registers a singleton <see cref="ChainValidator"/> trusting the certificates in
    /// <see cref="ChainValidationOptions.TrustAnchorFiles"/>, read with <see cref="MaterialLoader"/>, and checking
    /// revocation as <see cref="ChainValidationOptions.Revocation"/> says (a <see cref="CrlRevocationChecker"/> over the
    /// CRL files read at start; online, a singleton <see cref="CrlFetcher"/> on the <see cref="CrlHttpClientName"/> client).
    /// Uses the container's <see cref="TimeProvider"/> (registers <see cref="TimeProvider.System"/> when there is none).
    /// With <see cref="ChainValidationOptions.Ocsp"/>, an <see cref="OcspRevocationChecker"/> over a singleton
    /// <see cref="OcspClient"/> (client <see cref="OcspHttpClientName"/>) asks first and the CRL checker is its fallback.
    /// Validate with <see cref="ChainValidatorRevocation.ValidateAsync"/> so online mode fetches the CRLs (and OCSP answers) a chain needs.
    /// </summary>
    public static IServiceCollection AddIoTCertsChainValidation(this IServiceCollection services, Action<ChainValidationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ChainValidationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChainValidationOptions>, ChainValidationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(CrlHttpClientName).ConfigurePrimaryHttpMessageHandler(CrlFetcher.CreateHandler);
        services.TryAddSingleton(provider =>
        {
            ChainValidationOptions options = provider.GetRequiredService<IOptions<ChainValidationOptions>>().Value;
            var clients = provider.GetRequiredService<IHttpClientFactory>();
            return new CrlFetcher(() => clients.CreateClient(CrlHttpClientName), options.CrlFetching, provider.GetRequiredService<TimeProvider>());
        });
        services.AddHttpClient(OcspHttpClientName).ConfigurePrimaryHttpMessageHandler(CrlFetcher.CreateHandler);
        services.TryAddSingleton(provider =>
        {
            ChainValidationOptions options = provider.GetRequiredService<IOptions<ChainValidationOptions>>().Value;
            var clients = provider.GetRequiredService<IHttpClientFactory>();
            return new OcspClient(() => clients.CreateClient(OcspHttpClientName), options.OcspQueries, provider.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(provider =>
        {
            ChainValidationOptions options = provider.GetRequiredService<IOptions<ChainValidationOptions>>().Value;
            var crl = options.Revocation == RevocationMode.None
                ? null
                : new CrlRevocationChecker(options.ToRevocationPolicy(), RevocationFiles.LoadCrls(options),
                    options.Revocation == RevocationMode.Online ? provider.GetRequiredService<CrlFetcher>() : null);
            IRevocationChecker? checker = options.Ocsp is { } fallback
                ? new OcspRevocationChecker(provider.GetRequiredService<OcspClient>(), fallback, fallback == OcspFallback.Crl ? crl : null, options.RevocationScope)
                : crl;
            return new ChainValidator(TrustAnchors.Load(options), options.Policy, checker, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    /// <summary>
    /// Registers the CA in <see cref="CertificateAuthorityOptions.Directory"/> or, with
    /// <see cref="CertificateAuthorityOptions.UsePostgreSql"/>, on PostgreSQL: a singleton <see cref="ICaDatabase"/>
    /// (<see cref="DirectoryCaDatabase"/> or <c>PostgreSqlCaDatabase</c>) and a singleton <see cref="CertificateAuthority"/> opened from it.
    /// </summary>
    public static IServiceCollection AddIoTCertsCertificateAuthority(this IServiceCollection services, Action<CertificateAuthorityOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CertificateAuthorityOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CertificateAuthorityOptions>, CertificateAuthorityOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICaDatabase>(provider =>
        {
            CertificateAuthorityOptions options = provider.GetRequiredService<IOptions<CertificateAuthorityOptions>>().Value;
            return options.PostgreSql is { } postgreSql
                ? new IoTCerts.Issuance.PostgreSql.PostgreSqlCaDatabase(postgreSql)
                : new DirectoryCaDatabase(options.Directory!);
        });
        services.TryAddSingleton(provider =>
        {
            CertificateAuthorityOptions options = provider.GetRequiredService<IOptions<CertificateAuthorityOptions>>().Value;
            string? passphrase = options.PassphraseFile is null ? null : Passphrase.Read(options.PassphraseFile);
            return CertificateAuthority.Open(provider.GetRequiredService<ICaDatabase>(), passphrase, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
