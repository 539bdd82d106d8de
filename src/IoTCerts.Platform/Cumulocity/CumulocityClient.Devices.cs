using System.Net;
using System.Net.Http.Headers;
using System.Text;
using IoTCerts.Platform.Json;

namespace IoTCerts.Platform.Cumulocity;

public partial class CumulocityClient
{
    private const string BulkNewDeviceRequestMediaType = "application/vnd.com.nsn.cumulocity.bulknewdevicerequest+json";

    /// <summary>
    /// Registers devices in bulk: <c>POST /devicecontrol/bulkNewDeviceRequests</c> with the CSV as multipart part
    /// <c>file</c>. Per-row failures are in the result, not exceptions. Needs ROLE_DEVICE_CONTROL_ADMIN.
    /// </summary>
    public virtual Task<BulkRegistrationResult> RegisterDevicesAsync(BulkRegistrationCsv csv, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        return RegisterDevicesAsync(csv.Build(), cancellationToken);
    }

    /// <summary>Registers devices in bulk from CSV text made elsewhere (header row; separator ';', ',' or tab).</summary>
    public virtual async Task<BulkRegistrationResult> RegisterDevicesAsync(string csv, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(csv);
        var bytes = Encoding.UTF8.GetBytes(csv);
        var uri = UriFor("/devicecontrol/bulkNewDeviceRequests");
        var response = await SendExpectingSuccessAsync(
            HttpMethod.Post,
            uri,
            () =>
            {
                var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                form.Add(file, "file", "devices.csv");
                return form;
            },
            BulkNewDeviceRequestMediaType,
            RoleHint.DeviceControlAdmin,
            cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.BulkRegistrationResult, Describe(HttpMethod.Post, uri));
    }

    /// <summary>The certificate-authority feature's state (<c>GET /features/certificate-authority</c>).</summary>
    public virtual Task<CertificateAuthorityFeature> GetCertificateAuthorityFeatureAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync("/features/certificate-authority", CumulocityJsonContext.Default.CertificateAuthorityFeature, RoleHint.TenantAdmin, cancellationToken);

    /// <summary>
    /// Creates the tenant CA (<c>POST /certificate-authority</c>, valid 1095 days). A 409 means the tenant has one:
    /// the outcome <see cref="UploadOutcome.AlreadyExists"/>, not an exception.
    /// </summary>
    public virtual async Task<TrustedCertificateUploadResult> CreateCertificateAuthorityAsync(CancellationToken cancellationToken = default)
    {
        var uri = UriFor("/certificate-authority");
        var response = await SendAsync(HttpMethod.Post, uri, null, JsonMediaType, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Conflict)
        {
            return new TrustedCertificateUploadResult(UploadOutcome.AlreadyExists, null, null);
        }

        if (!response.IsSuccess)
        {
            throw RestTransport.Failure(response, Describe(HttpMethod.Post, uri), RoleHint.TenantAdmin);
        }

        var created = RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
        return new TrustedCertificateUploadResult(UploadOutcome.Created, created.Fingerprint, created);
    }

    /// <summary>Renews the tenant CA (<c>POST /certificate-authority/renew</c>); devices must then re-enroll .</summary>
    public virtual async Task<TrustedCertificate> RenewCertificateAuthorityAsync(CancellationToken cancellationToken = default)
    {
        var uri = UriFor("/certificate-authority/renew");
        var response = await SendExpectingSuccessAsync(HttpMethod.Post, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
    }
}
