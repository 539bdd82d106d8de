using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTCerts.Core;

/// <summary>
/// Names of the package's <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>, for OpenTelemetry
/// (<c>AddMeter(CoreDiagnostics.MeterName)</c>, <c>AddSource(CoreDiagnostics.ActivitySourceName)</c>) or a
/// <see cref="MeterListener"/>. Both live in the base library: Core takes no extra package for them.
/// </summary>
/// <remarks>
/// Instruments (names are stable): <c>iotcerts.chain.validations</c> (tag <c>iotcerts.result</c> = valid | invalid),
/// <c>iotcerts.chain.signature_cache_hits</c> (verified issuer→subject signatures answered from the cache). CRL
/// downloads are counted by IoTCerts.Revocation.Online (Core does no network I/O).
/// </remarks>
public static class CoreDiagnostics
{
    /// <summary>The meter name: <c>IoTCerts.Core</c>.</summary>
    public const string MeterName = "IoTCerts.Core";

    /// <summary>The activity source name: <c>IoTCerts.Core</c>.</summary>
    public const string ActivitySourceName = "IoTCerts.Core";

    internal const string ResultTag = PackageTelemetry.ResultTag;

    private static readonly PackageTelemetry s_telemetry = new(MeterName);

    internal static readonly ActivitySource ActivitySource = s_telemetry.ActivitySource;

    private static readonly Counter<long> s_validations = s_telemetry.Counter(
        "iotcerts.chain.validations", "{validation}", "Chains validated by ChainValidator, by result.");

    private static readonly Counter<long> s_signatureCacheHits = s_telemetry.Counter(
        "iotcerts.chain.signature_cache_hits", "{signature}", "Issuer-to-subject signatures answered from the validator's cache.");

    internal static void ChainValidated(bool valid) => PackageTelemetry.CountResult(s_validations, valid ? "valid" : "invalid");

    internal static void SignatureCacheHit() => s_signatureCacheHits.Add(1);
}
