using System.Diagnostics;
using IoTCerts.Core;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>One reason a device is refused: an IoTCerts code (a <see cref="ChainStatus"/> name or a profile rule code) and a sentence.</summary>
internal sealed record DeviceRefusal(string Code, string Message, int CertificateIndex);

/// <summary>The decision about one request's device, with what it cost.</summary>
internal sealed class DeviceVerdict
{
    public required PresentedChain Presented { get; init; }

    /// <summary>The platform identity read from the device certificate (also when refused: who tried).</summary>
    public DeviceIdentity? Identity { get; init; }

    /// <summary>Why the device is refused, most specific first; empty when accepted.</summary>
    public required IReadOnlyList<DeviceRefusal> Refusals { get; init; }

    public bool IsAccepted => Refusals.Count == 0;

    public required long CostMicroseconds { get; init; }

    public required long SignatureCacheHits { get; init; }

    public required long CrlDownloads { get; init; }

    public string DeviceId => Identity?.DeviceId ?? Presented.Leaf?.Subject.CommonName ?? "(unknown)";
}

/// <summary>
/// The platform's decision about a device: IoTCerts chain validation (trust anchors, clientAuth, CRLs), then the
/// platform profile's connection rules (R-20..R-22), then the profile's device identity. One instance per process: the
/// <see cref="ChainValidator"/> caches issuer keys and verified signatures, so a known intermediate costs nothing again.
/// </summary>
internal sealed class DeviceValidator
{
    private static readonly ValidationContext s_clientAuth = new() { Purpose = CertificatePurpose.ClientAuth };

    private readonly ChainValidator _validator;

    /// <param name="validator">
    /// The validator registered by <c>AddIoTCertsChainValidation</c>: trust anchors and CRL files read and checked at
    /// start, offline or online revocation (CRLs downloaded through IHttpClientFactory, client <c>IoTCerts.Crl</c>).
    /// </param>
    /// <param name="options">The checked <c>PlatformValidator</c> section.</param>
    public DeviceValidator(ChainValidator validator, IOptions<PlatformValidatorOptions> options)
    {
        var settings = options.Value;
        _validator = validator;
        Profile = settings.ResolveProfile();
        RevocationMode = settings.ParseRevocationMode();
        CrlFiles = RevocationMode == RevocationMode.None ? 0 : settings.CrlFiles.Count;
    }

    public PlatformProfile Profile { get; }

    public RevocationMode RevocationMode { get; }

    public int CrlFiles { get; }

    public IReadOnlyList<Certificate> TrustAnchors => _validator.TrustAnchors;

    public async Task<DeviceVerdict> ValidateAsync(PresentedChain presented, CancellationToken cancellationToken)
    {
        var counts = CacheProbe.Begin();
        var started = Stopwatch.GetTimestamp();
        var refusals = new List<DeviceRefusal>();
        DeviceIdentity? identity = null;
        if (presented.Leaf is not { } leaf)
        {
            refusals.Add(new DeviceRefusal(presented.UnreadableCode, presented.Unreadable ?? "the device certificate cannot be read", 0));
        }
        else
        {
            var result = await _validator.ValidateAsync(leaf, presented.Others, s_clientAuth, cancellationToken).ConfigureAwait(false);
            refusals.AddRange(result.Errors.Select(e => new DeviceRefusal(e.Code, e.Message, e.CertificateIndex)));
            if (result.IsValid)
            {
                // The validation result lets the connection rules take the signatures the validator verified as given.
                var report = Profile.CheckDeviceChain(presented.All, new ProfileCheckOptions
                {
                    At = result.ValidationTime,
                    UploadedCaCertificates = _validator.TrustAnchors,
                    ValidatedChain = result,
                });
                refusals.AddRange(report.Violations.Select(v => new DeviceRefusal(v.Code, v.Message, v.CertificateIndex)));
            }

            if (!Profile.TryReadDeviceIdentity(leaf, out identity, out var identityError) && refusals.Count == 0)
            {
                refusals.Add(new DeviceRefusal("no-device-identity", identityError, 0));
            }
        }

        return new DeviceVerdict
        {
            Presented = presented,
            Identity = identity,
            Refusals = refusals,
            CostMicroseconds = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds,
            SignatureCacheHits = counts.SignatureCacheHits,
            CrlDownloads = counts.CrlDownloads,
        };
    }
}
