using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Platform.Json;

namespace IoTCerts.Platform.Cumulocity;

public partial class CumulocityClient
{
    /// <summary>The most pages a listing follows (a guard against a server that keeps sending <c>next</c>).</summary>
    internal const int MaxPages = 100_000;

    /// <summary>
    /// Lists the tenant's trusted certificates, every page, following <c>next</c> until a page comes back empty or
    /// the last page (by <c>statistics.totalPages</c>) was read. Needs ROLE_TENANT_ADMIN or ROLE_TENANT_MANAGEMENT_ADMIN.
    /// </summary>
    /// <param name="certificateAuthorityOnly">Only the tenant CA of the certificate-authority feature.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual async IAsyncEnumerable<TrustedCertificate> GetTrustedCertificatesAsync(bool certificateAuthorityOnly = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var tenantPath = await TenantPathAsync(cancellationToken).ConfigureAwait(false);
        var query = $"?pageSize={Options.PageSize}&currentPage=1&withTotalPages=true" + (certificateAuthorityOnly ? "&certificateAuthority=true" : string.Empty);
        var uri = UriFor(tenantPath + "/trusted-certificates" + query);
        int? totalPages = null;
        for (var page = 1; page <= MaxPages; page++)
        {
            var response = await SendExpectingSuccessAsync(HttpMethod.Get, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
            var body = RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificatePage, Describe(HttpMethod.Get, uri));
            var certificates = body.Certificates ?? [];
            foreach (var certificate in certificates)
            {
                yield return certificate;
            }

            // The platform sends a next link even from the last page: an empty or short page, or reaching
            // totalPages (reported on the first page, as later next links may drop withTotalPages), ends the walk.
            totalPages = body.Statistics?.TotalPages ?? totalPages;
            var current = body.Statistics?.CurrentPage ?? page;
            var last = certificates.Count == 0
                || body.Next is null
                || (body.Statistics?.PageSize is { } size && certificates.Count < size)
                || (totalPages is { } total && current >= total);
            if (last)
            {
                yield break;
            }

            uri = NextUri(body.Next!);
        }
    }

    /// <summary>One trusted certificate by fingerprint (SHA-1 hex; colons and case are normalised).</summary>
    public virtual async Task<TrustedCertificate> GetTrustedCertificateAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates/" + NormalizeFingerprint(fingerprint));
        var response = await SendExpectingSuccessAsync(HttpMethod.Get, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Get, uri));
    }

    /// <summary>
    /// Uploads a CA certificate (R-24). A 409 (the fingerprint exists on the instance) is the outcome
    /// <see cref="UploadOutcome.AlreadyExists"/>, not an exception, so uploads can be repeated safely.
    /// </summary>
    /// <param name="certificate">Name, PEM, status and auto-registration.</param>
    /// <param name="addToTrustStore">Sends <c>addToTrustStore</c> when not null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="CumulocityException">422 invalid certificate, 404 tenant, 401/403, or transport failures.</exception>
    public virtual async Task<TrustedCertificateUploadResult> CreateTrustedCertificateAsync(NewTrustedCertificate certificate, bool? addToTrustStore = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var query = addToTrustStore is { } add ? "?addToTrustStore=" + (add ? "true" : "false") : string.Empty;
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates" + query);
        var response = await SendAsync(HttpMethod.Post, uri, JsonBody(certificate, CumulocityJsonContext.Default.NewTrustedCertificate), JsonMediaType, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Conflict)
        {
            return new TrustedCertificateUploadResult(UploadOutcome.AlreadyExists, LocalFingerprint(certificate.CertificatePem), null);
        }

        if (!response.IsSuccess)
        {
            throw RestTransport.Failure(response, Describe(HttpMethod.Post, uri), RoleHint.TenantAdmin);
        }

        var created = RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
        return new TrustedCertificateUploadResult(UploadOutcome.Created, created.Fingerprint ?? LocalFingerprint(certificate.CertificatePem), created);
    }

    /// <summary>Uploads several CA certificates in one request (<c>…/trusted-certificates/bulk</c>); 409 and 422 throw.</summary>
    public virtual async Task<IReadOnlyList<TrustedCertificate>> CreateTrustedCertificatesAsync(IEnumerable<NewTrustedCertificate> certificates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var list = certificates.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("give at least one certificate", nameof(certificates));
        }

        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates/bulk");
        var body = new NewTrustedCertificateCollection { Certificates = list };
        var response = await SendExpectingSuccessAsync(HttpMethod.Post, uri, JsonBody(body, CumulocityJsonContext.Default.NewTrustedCertificateCollection), JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        if (response.Body.Length == 0)
        {
            return [];
        }

        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificateCollection, Describe(HttpMethod.Post, uri)).Certificates ?? [];
    }

    /// <summary>Changes name, status or auto-registration (fields left null are not sent).</summary>
    public virtual async Task<TrustedCertificate> UpdateTrustedCertificateAsync(string fingerprint, TrustedCertificateUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates/" + NormalizeFingerprint(fingerprint));
        var response = await SendExpectingSuccessAsync(HttpMethod.Put, uri, JsonBody(update, CumulocityJsonContext.Default.TrustedCertificateUpdate), JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Put, uri));
    }

    /// <summary>Removes a trusted certificate. The platform drops the MQTT sessions of devices that used it.</summary>
    public virtual async Task DeleteTrustedCertificateAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates/" + NormalizeFingerprint(fingerprint));
        await SendExpectingSuccessAsync(HttpMethod.Delete, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The most certificates a chain sent as a file may hold (the platform's limit).</summary>
    public const int MaxVerifiedChainLength = 10;

    /// <summary>The most certificates a chain sent in headers may hold (the platform's limit).</summary>
    public const int MaxVerifiedChainLengthInHeaders = 5;

    /// <summary>
    /// Asks the platform whether a device chain (device certificate first) is trusted by <paramref name="tenantId"/>
    /// (default: this client's tenant): <c>POST /tenant/trusted-certificates/verify-cert-chain</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The chain is empty or longer than the limit of <paramref name="submission"/>.</exception>
    public virtual async Task<CertificateChainVerification> VerifyCertificateChainAsync(IReadOnlyList<X509Certificate2> chain, string? tenantId = null, ChainSubmission submission = ChainSubmission.File, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var limit = submission == ChainSubmission.File ? MaxVerifiedChainLength : MaxVerifiedChainLengthInHeaders;
        if (chain.Count == 0 || chain.Count > limit)
        {
            throw new ArgumentException($"the chain must hold 1 to {limit} certificates when sent as {(submission == ChainSubmission.File ? "a file" : "headers")}", nameof(chain));
        }

        var tenant = tenantId ?? await GetTenantIdAsync(cancellationToken).ConfigureAwait(false);
        var uri = UriFor("/tenant/trusted-certificates/verify-cert-chain");
        RestResponse response;
        if (submission == ChainSubmission.File)
        {
            var pem = string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n"));
            response = await SendExpectingSuccessAsync(
                HttpMethod.Post,
                uri,
                () =>
                {
                    var form = new MultipartFormDataContent();
                    form.Add(new StringContent(tenant, Encoding.UTF8), "tenantId");
                    var file = new ByteArrayContent(Encoding.ASCII.GetBytes(pem));
                    file.Headers.ContentType = new MediaTypeHeaderValue("application/x-pem-file");
                    form.Add(file, "file", "chain.pem");
                    return form;
                },
                JsonMediaType,
                RoleHint.TenantAdmin,
                cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Header values cannot hold line breaks: the PEM chain with spaces for line breaks, as for X-Ssl-Cert-Chain.
            var header = CertificateChainHeader.Format(chain);
            response = await Transport.SendAsync(
                () =>
                {
                    var request = NewRequest(HttpMethod.Post, uri, JsonMediaType);
                    request.Headers.TryAddWithoutValidation("X-Cumulocity-TenantId", tenant);
                    request.Headers.TryAddWithoutValidation("X-Cumulocity-Client-Cert-Chain", header);
                    return request;
                },
                cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccess)
            {
                throw RestTransport.Failure(response, Describe(HttpMethod.Post, uri), RoleHint.TenantAdmin);
            }
        }

        return RestTransport.Read(response, CumulocityJsonContext.Default.CertificateChainVerification, Describe(HttpMethod.Post, uri));
    }

    /// <summary>The tenant CRL as DER (<c>GET /tenant/trusted-certificates/settings/crl</c>, PEM answers are converted).</summary>
    public virtual async Task<byte[]> GetCrlAsync(CancellationToken cancellationToken = default)
    {
        var uri = UriFor("/tenant/trusted-certificates/settings/crl");
        var response = await SendExpectingSuccessAsync(HttpMethod.Get, uri, null, "application/pkix-crl", RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        var text = response.Body.AsSpan();
        if (text.StartsWith("-----BEGIN"u8))
        {
            var pem = Encoding.ASCII.GetString(response.Body);
            var fields = PemEncoding.Find(pem);
            return Convert.FromBase64String(pem[fields.Base64Data]);
        }

        return response.Body;
    }

    /// <summary>Adds revocations to the tenant CRL (<c>PUT …/settings/crl</c> with JSON). Revocation cannot be undone.</summary>
    public virtual async Task AddRevocationsAsync(IEnumerable<CrlRevocation> revocations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        var list = revocations.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("give at least one revocation", nameof(revocations));
        }

        if (list.Any(r => r.SerialNumberInHex.Length == 0 || !r.SerialNumberInHex.All(char.IsAsciiHexDigit)))
        {
            throw new ArgumentException("every serialNumberInHex must be hexadecimal", nameof(revocations));
        }

        var uri = UriFor("/tenant/trusted-certificates/settings/crl");
        var body = new CrlUpdate { Crls = list };
        await SendExpectingSuccessAsync(HttpMethod.Put, uri, JsonBody(body, CumulocityJsonContext.Default.CrlUpdate), JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
    }

    internal static string NormalizeFingerprint(string fingerprint) => TrustedCertificate.NormalizeFingerprint(fingerprint);

    private static string? LocalFingerprint(string pem)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pem.Contains('\n', StringComparison.Ordinal) ? pem : ReflowPem(pem));
            return TrustedCertificate.FingerprintOf(certificate);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The platform accepts PEM without line breaks; .NET's reader needs them.</summary>
    private static string ReflowPem(string pem) =>
        pem.Replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\n", StringComparison.Ordinal)
           .Replace("-----END CERTIFICATE-----", "\n-----END CERTIFICATE-----", StringComparison.Ordinal);
}
