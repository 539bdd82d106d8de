using System.Net.Http.Headers;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// Adds <c>Authorization: Bearer</c> to every request: how re-enrollment authenticates with the device JWT through
/// <see cref="IoTCerts.Est.EstClient"/>, which itself only speaks Basic and client certificates.
/// </summary>
internal sealed class BearerTokenHandler(string token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}
