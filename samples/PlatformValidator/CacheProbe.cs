using System.Diagnostics.Metrics;
using IoTCerts.Core;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>
/// Counts, for one validation, how many issuer signatures the <see cref="ChainValidator"/> answered from its cache and
/// how many CRLs had to be downloaded. It listens to the libraries' own instruments (<see cref="CoreDiagnostics"/>,
/// <see cref="OnlineRevocationDiagnostics"/>) and
/// attributes each measurement to the validation in progress on the same logical flow (an <see cref="AsyncLocal{T}"/>),
/// so concurrent requests do not mix their counts.
/// </summary>
internal static class CacheProbe
{
    private const string SignatureCacheHits = "iotcerts.chain.signature_cache_hits";
    private const string CrlFetches = "iotcerts.crl.fetches";

    private static readonly AsyncLocal<Counts?> s_current = new();
    private static readonly MeterListener s_listener = Start();

    /// <summary>Starts counting for the current logical flow; read the counts when the validation is done.</summary>
    public static Counts Begin()
    {
        _ = s_listener;
        var counts = new Counts();
        s_current.Value = counts;
        return counts;
    }

    private static MeterListener Start()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if ((instrument.Meter.Name == CoreDiagnostics.MeterName && instrument.Name == SignatureCacheHits)
                    || (instrument.Meter.Name == OnlineRevocationDiagnostics.MeterName && instrument.Name == CrlFetches))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>(static (instrument, value, _, _) =>
        {
            if (s_current.Value is { } counts)
            {
                counts.Add(instrument.Name == SignatureCacheHits, value);
            }
        });
        listener.Start();
        return listener;
    }

    /// <summary>What one validation used from the caches.</summary>
    internal sealed class Counts
    {
        private long _signatureCacheHits;
        private long _crlDownloads;

        public long SignatureCacheHits => Interlocked.Read(ref _signatureCacheHits);

        public long CrlDownloads => Interlocked.Read(ref _crlDownloads);

        public void Add(bool signatureHit, long value) => Interlocked.Add(ref signatureHit ? ref _signatureCacheHits : ref _crlDownloads, value);
    }
}
