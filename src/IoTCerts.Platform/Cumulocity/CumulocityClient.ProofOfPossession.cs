using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Platform.Json;

namespace IoTCerts.Platform.Cumulocity;

public partial class CumulocityClient
{
    /// <summary>
    /// Proof of possession end to end: asks for a verification code, asks again while the code has already
    /// expired, signs it with <paramref name="caPrivateKey"/>, uploads the signature, and asks for a fresh code once
    /// more if the platform reports the code expired. Returns the certificate's final state
    /// (<see cref="TrustedCertificate.ProofOfPossessionValid"/>).
    /// </summary>
    /// <exception cref="CumulocityException">400 wrong signature, 404, 422, or <see cref="CumulocityErrorCode.GaveUp"/> when every code expired.</exception>
    public virtual Task<TrustedCertificate> ProveProofOfPossessionAsync(string fingerprint, AsymmetricAlgorithm caPrivateKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caPrivateKey);
        return ProveProofOfPossessionAsync(fingerprint, PrivateKey.FromAsymmetricAlgorithm(caPrivateKey), cancellationToken);
    }

    /// <summary>Proof of possession end to end with a key read by the Core loader (<see cref="MaterialLoader"/>).</summary>
    /// <exception cref="CumulocityException">400 wrong signature, 404, 422, or <see cref="CumulocityErrorCode.GaveUp"/> when every code expired.</exception>
    public virtual async Task<TrustedCertificate> ProveProofOfPossessionAsync(string fingerprint, PrivateKey caPrivateKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caPrivateKey);
        var normalized = NormalizeFingerprint(fingerprint);
        var max = Options.MaxVerificationCodeRequests;
        for (var attempt = 1; ; attempt++)
        {
            var withCode = await RequestVerificationCodeAsync(normalized, cancellationToken).ConfigureAwait(false);
            var code = withCode.ProofOfPossessionUnsignedVerificationCode;
            if (string.IsNullOrEmpty(code))
            {
                throw new CumulocityException(CumulocityErrorCode.InvalidResponse, $"the platform answered the verification-code request for {normalized} without proofOfPossessionUnsignedVerificationCode");
            }

            if (withCode.ProofOfPossessionVerificationCodeUsableUntil is { } until && until <= Transport.Clock.GetUtcNow())
            {
                if (attempt >= max)
                {
                    throw GaveUpOnCodes(normalized, max);
                }

                if (_logger is not null)
                {
                    Log.VerificationCodeExpired(_logger, normalized, attempt, max);
                }

                continue;
            }

            var signature = ProofOfPossession.Sign(caPrivateKey, code);
            try
            {
                return await UploadSignedVerificationCodeAsync(normalized, signature, cancellationToken).ConfigureAwait(false);
            }
            catch (CumulocityException ex) when (IsExpiredCode(ex) && attempt < max)
            {
                if (_logger is not null)
                {
                    Log.VerificationCodeExpired(_logger, normalized, attempt, max);
                }
            }
        }
    }

    /// <summary>Proof of possession for <paramref name="caCertificate"/>; checks first that the key belongs to it.</summary>
    /// <exception cref="ArgumentException">The key is not the certificate's.</exception>
    public virtual Task<TrustedCertificate> ProveProofOfPossessionAsync(X509Certificate2 caCertificate, AsymmetricAlgorithm caPrivateKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        ArgumentNullException.ThrowIfNull(caPrivateKey);
        if (!caCertificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(caPrivateKey.ExportSubjectPublicKeyInfo()))
        {
            throw new ArgumentException("certificate and key do not match: the key cannot prove possession of this CA", nameof(caPrivateKey));
        }

        return ProveProofOfPossessionAsync(TrustedCertificate.FingerprintOf(caCertificate), caPrivateKey, cancellationToken);
    }

    /// <summary>Step 1: <c>POST …/trusted-certificates-pop/{fingerprint}/verification-code</c>; the answer carries the code and its expiry.</summary>
    public virtual async Task<TrustedCertificate> RequestVerificationCodeAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates-pop/" + NormalizeFingerprint(fingerprint) + "/verification-code");
        var response = await SendExpectingSuccessAsync(HttpMethod.Post, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
    }

    /// <summary>
    /// Step 3: <c>POST …/trusted-certificates-pop/{fingerprint}/pop</c> with the base64 signature. Step 2, the signature
    /// itself, is <see cref="ProofOfPossession.Sign"/> (same bytes as <c>openssl dgst -sha256 -sign</c>).
    /// </summary>
    public virtual async Task<TrustedCertificate> UploadSignedVerificationCodeAsync(string fingerprint, string signedVerificationCode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(signedVerificationCode);
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates-pop/" + NormalizeFingerprint(fingerprint) + "/pop");
        var body = new SignedVerificationCode { Code = signedVerificationCode };
        var response = await SendExpectingSuccessAsync(HttpMethod.Post, uri, JsonBody(body, CumulocityJsonContext.Default.SignedVerificationCode), JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
    }

    /// <summary>Management-tenant override: <c>POST …/trusted-certificates-pop/{fingerprint}/confirmed</c>.</summary>
    public virtual async Task<TrustedCertificate> ConfirmProofOfPossessionAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        var uri = UriFor(await TenantPathAsync(cancellationToken).ConfigureAwait(false) + "/trusted-certificates-pop/" + NormalizeFingerprint(fingerprint) + "/confirmed");
        var response = await SendExpectingSuccessAsync(HttpMethod.Post, uri, null, JsonMediaType, RoleHint.TenantAdmin, cancellationToken).ConfigureAwait(false);
        return RestTransport.Read(response, CumulocityJsonContext.Default.TrustedCertificate, Describe(HttpMethod.Post, uri));
    }

    private static bool IsExpiredCode(CumulocityException exception) =>
        exception.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity
        && ((exception.ServerMessage?.Contains("expired", StringComparison.OrdinalIgnoreCase) ?? false)
            || (exception.Error?.Contains("expired", StringComparison.OrdinalIgnoreCase) ?? false));

    private static CumulocityException GaveUpOnCodes(string fingerprint, int max) =>
        new(CumulocityErrorCode.GaveUp, $"every one of {max} verification codes for {fingerprint} had expired before it could be used; check the local clock")
        {
            Request = "POST …/trusted-certificates-pop/" + fingerprint + "/verification-code",
        };
}
